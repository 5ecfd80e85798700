//! A small movie dataset whose tastes and reviews are known, shared by the integration tests.

use instructrec_data::{Dataset, DatasetBuilder, Interaction, Review};

/// Items: (raw id, title, categories, description).
const MOVIES: &[(&str, &str, &[&str], &str)] = &[
    ("heat", "Heat (1995)", &["Action", "Crime", "Thriller"], "Professional bank robbers plan one last heist while a driven detective closes in."),
    ("casino", "Casino (1995)", &["Crime", "Drama"], "Greed, deception and power in the Las Vegas gambling underworld."),
    ("toy", "Toy Story (1995)", &["Animation", "Children's", "Comedy"], "A cowboy doll feels threatened when a new spaceman figure becomes the favourite toy of the boy."),
    ("babe", "Babe (1995)", &["Children's", "Comedy", "Drama"], "A pig raised by sheepdogs learns to herd sheep on a farm."),
    ("goldeneye", "GoldenEye (1995)", &["Action", "Adventure", "Thriller"], "A secret agent stops a satellite weapon from destroying London."),
    ("suspects", "Usual Suspects, The (1995)", &["Crime", "Thriller"], "A sole survivor tells the twisting story of a heist and a mysterious crime lord."),
    ("seven", "Seven (Se7en) (1995)", &["Crime", "Thriller"], "Two detectives hunt a serial killer who uses the seven deadly sins."),
    ("jumanji", "Jumanji (1995)", &["Adventure", "Children's", "Fantasy"], "Children find a magical board game that releases jungle dangers."),
    ("grumpier", "Grumpier Old Men (1995)", &["Comedy", "Romance"], "Two feuding neighbours compete for the attention of a new woman in town."),
    ("nixon", "Nixon (1995)", &["Drama"], "The life of the American president, from childhood to resignation."),
];

/// (user, item raw id, rating, review title and text).
type Event = (
    &'static str,
    &'static str,
    f32,
    Option<(&'static str, &'static str)>,
);

/// Users, in time order per user:
/// - `alice` rates crime and thrillers high and comedies low, and reviews everything; her last
///   item, Toy Story, has a review that mentions a cowboy, which no other review does.
/// - `bob` gives implicit feedback (all 1.0) and watched Toy Story first and last.
/// - `carol` ends on `mystery`, an item with no content at all.
/// - `dave` has a single interaction.
const EVENTS: &[Event] = &[
    (
        "alice",
        "heat",
        5.0,
        Some(("Gripping heist", "Great tension and suspense throughout.")),
    ),
    (
        "alice",
        "casino",
        4.0,
        Some(("Long", "The tension never drops, real suspense.")),
    ),
    (
        "alice",
        "babe",
        1.0,
        Some(("Boring", "A boring talking pig.")),
    ),
    (
        "alice",
        "seven",
        5.0,
        Some(("Dark", "Dark suspense and tension, a gripping thriller.")),
    ),
    ("alice", "grumpier", 2.0, Some(("Meh", "Boring jokes."))),
    (
        "alice",
        "suspects",
        5.0,
        Some(("Twisty", "Twisty suspense, gripping to the end.")),
    ),
    ("alice", "goldeneye", 4.0, None),
    (
        "alice",
        "toy",
        2.0,
        Some((
            "Cowboy",
            "The cowboy doll was boring for me, cowboy cowboy.",
        )),
    ),
    ("bob", "toy", 1.0, None),
    ("bob", "jumanji", 1.0, None),
    ("bob", "babe", 1.0, None),
    ("bob", "heat", 1.0, None),
    ("bob", "toy", 1.0, None),
    ("carol", "nixon", 3.0, None),
    ("carol", "casino", 4.0, None),
    ("carol", "mystery", 3.0, None),
    ("dave", "heat", 4.0, None),
];

/// The dataset described by [`MOVIES`] and [`EVENTS`].
pub fn movie_dataset() -> Dataset {
    let mut builder = DatasetBuilder::new("movies");
    for &(raw, title, categories, description) in MOVIES {
        let item = builder.item(raw);
        let ids: Vec<u32> = categories
            .iter()
            .map(|name| builder.catalog.categories.intern(name))
            .collect();
        let content = builder.catalog.get_mut(item).expect("just interned");
        content.title = Some(title.to_owned());
        content.description = Some(description.to_owned());
        content.categories = ids;
    }
    builder.item("mystery");
    for (timestamp, &(user, item, rating, review)) in EVENTS.iter().enumerate() {
        let user = builder.user(user);
        let item = builder.item(item);
        builder.push(Interaction {
            user,
            item,
            rating,
            timestamp: timestamp as i64,
            review: review.map(|(title, text)| Review {
                title: title.to_owned(),
                text: text.to_owned(),
            }),
        });
    }
    builder.build()
}
