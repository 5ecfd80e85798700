//! The words synthetic titles, descriptions and reviews are made of, and how they combine.
//!
//! Every category (a "theme") brings its own title words, a description blurb and review
//! phrases, so text carries the category signal a text encoder can learn from.

use rand::seq::IndexedRandom;
use rand::Rng;

/// One category and its words.
pub(super) struct Theme {
    /// Category name, as stored in the catalog.
    pub name: &'static str,
    /// Nouns that mark a title as belonging to the theme.
    pub words: [&'static str; 5],
    /// A description sentence.
    pub blurb: &'static str,
    /// What a happy reviewer praises.
    pub praise: &'static str,
    /// What an unhappy reviewer complains about.
    pub complaint: &'static str,
    /// Typical price in dollars.
    pub base_price: f32,
}

pub(super) const THEMES: [Theme; 16] = [
    Theme {
        name: "Mystery",
        words: ["Detective", "Cipher", "Alibi", "Secret", "Clue"],
        blurb: "Clues, suspects and a twist nobody sees coming.",
        praise: "the clues kept me guessing until the last page",
        complaint: "the twist was obvious from the start",
        base_price: 14.0,
    },
    Theme {
        name: "Science Fiction",
        words: ["Starship", "Nebula", "Android", "Quantum", "Orbit"],
        blurb: "Distant worlds, strange machines and the people who build them.",
        praise: "the worldbuilding and the space scenes are stunning",
        complaint: "too much technobabble and too little story",
        base_price: 16.0,
    },
    Theme {
        name: "Fantasy",
        words: ["Dragon", "Sorcerer", "Kingdom", "Rune", "Quest"],
        blurb: "Old magic, older grudges and a quest across the realm.",
        praise: "the magic system and the quest are wonderful",
        complaint: "the quest drags and the magic has no rules",
        base_price: 15.0,
    },
    Theme {
        name: "Romance",
        words: ["Heart", "Promise", "Letters", "Kiss", "Wedding"],
        blurb: "Two people, one summer, and a promise neither can keep.",
        praise: "the love story is sweet and the chemistry is real",
        complaint: "the romance felt forced",
        base_price: 11.0,
    },
    Theme {
        name: "Horror",
        words: ["Haunting", "Crypt", "Nightmare", "Curse", "Shadow"],
        blurb: "Something waits in the dark, and it remembers you.",
        praise: "genuinely scary, I slept with the lights on",
        complaint: "more silly than scary",
        base_price: 12.0,
    },
    Theme {
        name: "Comedy",
        words: ["Caper", "Mixup", "Blunder", "Prank", "Jest"],
        blurb: "A plan that goes wrong in every possible way.",
        praise: "laugh-out-loud funny from start to finish",
        complaint: "the jokes fell flat",
        base_price: 10.0,
    },
    Theme {
        name: "Documentary",
        words: ["Chronicle", "Frontier", "Voices", "Atlas", "Witness"],
        blurb: "True stories told by the people who lived them.",
        praise: "informative and beautifully researched",
        complaint: "dry and one-sided",
        base_price: 13.0,
    },
    Theme {
        name: "Thriller",
        words: ["Conspiracy", "Fugitive", "Target", "Countdown", "Pursuit"],
        blurb: "A race against the clock with everything at stake.",
        praise: "tense and gripping, I could not put it down",
        complaint: "predictable chases and a weak ending",
        base_price: 14.0,
    },
    Theme {
        name: "Western",
        words: ["Outlaw", "Saddle", "Sheriff", "Gold", "Frontier"],
        blurb: "Dust, gunsmoke and a town that needs a hero.",
        praise: "classic frontier storytelling with great characters",
        complaint: "slow and full of clichés",
        base_price: 9.0,
    },
    Theme {
        name: "Animation",
        words: ["Robot", "Bunny", "Balloon", "Toybox", "Rainbow"],
        blurb: "A colourful adventure for the whole family.",
        praise: "the kids loved it and so did I",
        complaint: "too childish even for the kids",
        base_price: 12.0,
    },
    Theme {
        name: "War",
        words: ["Battalion", "Siege", "Trench", "Valor", "Front"],
        blurb: "Courage and loss on the front line.",
        praise: "a powerful and moving war story",
        complaint: "the battles are confusing",
        base_price: 13.0,
    },
    Theme {
        name: "Musical",
        words: ["Melody", "Rhythm", "Encore", "Ballad", "Stage"],
        blurb: "Songs, dance and a dream of the big stage.",
        praise: "the songs are catchy and the dancing is great",
        complaint: "forgettable songs",
        base_price: 11.0,
    },
    Theme {
        name: "Adventure",
        words: ["Expedition", "Treasure", "Voyage", "Compass", "Island"],
        blurb: "Maps, storms and treasure at the end of the world.",
        praise: "a thrilling adventure full of surprises",
        complaint: "the adventure never gets going",
        base_price: 14.0,
    },
    Theme {
        name: "Drama",
        words: ["Family", "Inheritance", "Confession", "River", "Winter"],
        blurb: "A family, a secret and a long winter.",
        praise: "moving performances and an honest story",
        complaint: "melodramatic and far too long",
        base_price: 12.0,
    },
    Theme {
        name: "Sports",
        words: ["Champion", "Rally", "Underdog", "Season", "Match"],
        blurb: "An underdog team and one last season to prove it.",
        praise: "inspiring, I cheered at the final match",
        complaint: "the sports scenes are unrealistic",
        base_price: 10.0,
    },
    Theme {
        name: "Cooking",
        words: ["Kitchen", "Feast", "Spice", "Harvest", "Recipe"],
        blurb: "Recipes and stories from kitchens around the world.",
        praise: "the recipes work and the food looks delicious",
        complaint: "the recipes are too complicated",
        base_price: 18.0,
    },
];

const ADJECTIVES: [&str; 20] = [
    "Crimson", "Silent", "Golden", "Hidden", "Broken", "Electric", "Frozen", "Wild", "Midnight",
    "Scarlet", "Distant", "Burning", "Quiet", "Iron", "Silver", "Velvet", "Hollow", "Lucky",
    "Restless", "Emerald",
];

const PLACES: [&str; 16] = [
    "Harbor",
    "Valley",
    "City",
    "Garden",
    "Highway",
    "Tower",
    "Station",
    "Empire",
    "Avenue",
    "Lighthouse",
    "Canyon",
    "Village",
    "Orchard",
    "Bridge",
    "Forest",
    "Coast",
];

const FORMS: [&str; 10] = [
    "Saga",
    "Chronicles",
    "Story",
    "Affair",
    "Files",
    "Legacy",
    "Diaries",
    "Code",
    "Tales",
    "Returns",
];

/// Studios; each theme favours three of them.
const STUDIOS: [&str; 12] = [
    "Nightjar Studios",
    "Blue Heron Pictures",
    "Lanternfish Press",
    "Copperleaf Media",
    "Northwind Games",
    "Paper Moon Films",
    "Starling House",
    "Red Kite Entertainment",
    "Tidewater Books",
    "Foxglove Works",
    "Granite Peak Studios",
    "Marigold Releasing",
];

/// A title such as "Crimson Harbor Detective Saga": adjective, place, theme word, form.
pub(super) fn title(theme: &Theme, rng: &mut impl Rng) -> String {
    format!(
        "{} {} {} {}",
        pick(&ADJECTIVES, rng),
        pick(&PLACES, rng),
        pick(&theme.words, rng),
        pick(&FORMS, rng),
    )
}

/// A studio among the three the theme favours.
pub(super) fn studio(theme_index: usize, rng: &mut impl Rng) -> &'static str {
    let offset = rng.random_range(0..3);
    STUDIOS[(theme_index * 3 + offset) % STUDIOS.len()]
}

/// A two-sentence description from the theme's words and the title's setting.
pub(super) fn description(theme: &Theme, rng: &mut impl Rng) -> String {
    format!(
        "A {} {} story about a {} in the {}. {}",
        pick(&ADJECTIVES, rng).to_lowercase(),
        theme.name.to_lowercase(),
        pick(&theme.words, rng).to_lowercase(),
        pick(&PLACES, rng).to_lowercase(),
        theme.blurb
    )
}

/// A review headline and text for a rating from 1 to 5.
pub(super) fn review(theme: &Theme, rating: f32, rng: &mut impl Rng) -> (String, String) {
    let word = pick(&theme.words, rng).to_lowercase();
    let category = theme.name.to_lowercase();
    if rating >= 4.0 {
        let headline = pick(
            &[
                "Loved it!",
                "Wonderful",
                "A new favourite",
                "Highly recommended",
            ],
            rng,
        );
        let text = format!(
            "{}. If you like {category}, the {word} parts alone are worth it.",
            capitalized(theme.praise)
        );
        (headline.to_string(), text)
    } else if rating >= 3.0 {
        let headline = pick(&["It was fine", "Decent", "Okay, not great"], rng);
        let text = format!(
            "Some good moments with the {word}, but {}. Fine for {category} fans.",
            theme.complaint
        );
        (headline.to_string(), text)
    } else {
        let headline = pick(&["Not for me", "Disappointing", "Would not buy again"], rng);
        let text = format!(
            "{}. I usually enjoy {category}, but this {word} story did nothing for me.",
            capitalized(theme.complaint)
        );
        (headline.to_string(), text)
    }
}

fn pick<'w>(words: &[&'w str], rng: &mut impl Rng) -> &'w str {
    words.choose(rng).copied().unwrap_or_default()
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
