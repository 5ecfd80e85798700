//! Property tests: intentions never spell out the target's title, and the implicit history
//! never shows the target, over many random catalogs (one-word and short titles included).

use std::collections::BTreeMap;

use instructrec_data::{
    load, shared_path, Dataset, DatasetBuilder, Format, Interaction, LoadOptions,
};
use instructrec_instruct::{
    DatasetGenerator, GeneratorConfig, InstructError, InstructionGenerator, InstructionRequest,
    Intention, Preference, TaskKind,
};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

/// Title, description and brand words, chosen to collide with each other, with category names
/// and with the generator's own wording ("something", "from", "in", "title", "by", "about").
const WORDS: &[&str] = &[
    "heat",
    "toy",
    "story",
    "something",
    "find",
    "show",
    "item",
    "in",
    "from",
    "by",
    "about",
    "with",
    "title",
    "the",
    "and",
    "comedy",
    "drama",
    "night",
    "star",
    "wars",
    "kids",
    "mood",
    "me",
    "an",
    "want",
    "looking",
    "for",
    "1995",
    "seven",
    "casino",
    "a",
    "children's",
    "i'm",
];
const CATEGORIES: &[&str] = &[
    "Comedy",
    "Drama",
    "Children's",
    "Heat",
    "Star Wars",
    "Something",
    "unknown",
];

#[derive(Debug, Clone)]
struct RandomItem {
    title: String,
    categories: Vec<&'static str>,
    description: String,
    brand: Option<&'static str>,
}

fn words(range: std::ops::Range<usize>) -> impl Strategy<Value = Vec<&'static str>> {
    prop::collection::vec(prop::sample::select(WORDS), range)
}

fn random_item() -> impl Strategy<Value = RandomItem> {
    (
        words(1..5),
        prop::option::of(1900u32..2030),
        any::<bool>(),
        prop::collection::vec(prop::sample::select(CATEGORIES), 0..3),
        words(0..12),
        prop::option::of(prop::sample::select(WORDS)),
    )
        .prop_map(
            |(title_words, year, moved_article, categories, description, brand)| {
                let mut title = title_words.join(" ");
                if moved_article {
                    title.push_str(", The");
                }
                if let Some(year) = year {
                    title.push_str(&format!(" ({year})"));
                }
                RandomItem {
                    title,
                    categories,
                    description: description.join(" "),
                    brand,
                }
            },
        )
}

fn dataset(items: &[RandomItem], sequence: &[usize]) -> Dataset {
    let mut builder = DatasetBuilder::new("random");
    for (i, random) in items.iter().enumerate() {
        let item = builder.item(&format!("item{i}"));
        let categories = random
            .categories
            .iter()
            .map(|name| builder.catalog.categories.intern(name))
            .collect();
        let content = builder.catalog.get_mut(item).unwrap();
        content.title = Some(random.title.clone());
        content.description = Some(random.description.clone());
        content.brand = random.brand.map(str::to_owned);
        content.categories = categories;
    }
    let user = builder.user("u");
    for (timestamp, &item) in sequence.iter().enumerate() {
        builder.push(Interaction {
            user,
            item: item as u32,
            rating: 1.0 + (timestamp % 5) as f32,
            timestamp: timestamp as i64,
            review: None,
        });
    }
    builder.build()
}

/// Lower-case alphanumeric words: the reading under which a title "appears" in a text.
fn word_list(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The title, its form without the "(year)" suffix, and "The …" for a trailing ", The".
fn title_forms(title: &str) -> Vec<Vec<String>> {
    let mut forms = vec![title.to_owned()];
    let without_year = match title.rfind(" (") {
        Some(at) if title.ends_with(')') => title[..at].to_owned(),
        _ => title.to_owned(),
    };
    forms.push(without_year.clone());
    if let Some(body) = without_year.strip_suffix(", The") {
        forms.push(format!("The {body}"));
    }
    forms
        .iter()
        .map(|form| word_list(form))
        .filter(|w| !w.is_empty())
        .collect()
}

fn reveals(text: &str, title: &str) -> bool {
    let text = word_list(text);
    title_forms(title).iter().any(|form| {
        text.windows(form.len())
            .any(|window| window == form.as_slice())
    })
}

fn check_intention(
    result: Result<Intention, InstructError>,
    title: &str,
    target: u32,
) -> Result<(), TestCaseError> {
    match result {
        Ok(intention) => {
            let text = intention.text().unwrap_or_default();
            prop_assert!(!text.trim().is_empty());
            prop_assert!(
                !reveals(text, title),
                "title `{}` appears in `{}`",
                title,
                text
            );
        }
        Err(InstructError::Unavailable { item, .. }) => prop_assert_eq!(item, target),
        Err(other) => return Err(TestCaseError::fail(format!("unexpected error: {other}"))),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn intentions_never_contain_the_target_title(
        items in prop::collection::vec(random_item(), 1..6),
        seed in any::<u64>(),
    ) {
        let dataset = dataset(&items, &[]);
        let generator = DatasetGenerator::new(&dataset, GeneratorConfig::default()).unwrap();
        for (target, item) in items.iter().enumerate() {
            let target = target as u32;
            for draw in 0..4 {
                let mut rng = StdRng::seed_from_u64(seed.wrapping_add(draw));
                check_intention(generator.specific_intention(target, &mut rng), &item.title, target)?;
                check_intention(generator.vague_intention(target, &mut rng), &item.title, target)?;
            }
        }
    }

    #[test]
    fn the_implicit_history_is_the_visible_past_without_the_target(
        items in prop::collection::vec(random_item(), 2..6),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 2..25),
        history_titles in 1usize..8,
    ) {
        let sequence: Vec<usize> = picks.iter().map(|pick| pick.index(items.len())).collect();
        let dataset = dataset(&items, &sequence);
        let config = GeneratorConfig { history_titles, ..GeneratorConfig::default() };
        let generator = DatasetGenerator::new(&dataset, config).unwrap();
        let request = InstructionRequest::leave_last_out(&dataset, TaskKind::Sequential, 0).unwrap();
        let target = *sequence.last().unwrap();
        let visible: Vec<String> = sequence[..sequence.len() - 1]
            .iter()
            .filter(|&&item| item != target)
            .map(|&item| items[item].title.clone())
            .collect();
        let expected = &visible[visible.len().saturating_sub(history_titles)..];
        match generator.spec(&request, &mut StdRng::seed_from_u64(0)) {
            Ok(spec) => {
                let Preference::Implicit { history } = spec.preference else {
                    return Err(TestCaseError::fail("sequential must state an implicit preference"));
                };
                prop_assert_eq!(history.as_slice(), expected);
            }
            Err(InstructError::EmptyHistory { .. }) => prop_assert!(visible.is_empty()),
            Err(other) => return Err(TestCaseError::fail(format!("unexpected error: {other}"))),
        }
    }
}

#[test]
fn items_with_attributes_apart_from_the_title_always_get_a_specific_intention() {
    // One-word, two-word and article-moved titles whose other attributes share no word with them.
    let items: Vec<RandomItem> = ["Heat", "Toy Story", "Usual Suspects, The (1995)", "It"]
        .into_iter()
        .map(|title| RandomItem {
            title: title.to_owned(),
            categories: vec!["Drama"],
            description: "a night at the casino with kids".into(),
            brand: Some("mood"),
        })
        .collect();
    let dataset = dataset(&items, &[]);
    let generator = DatasetGenerator::new(&dataset, GeneratorConfig::default()).unwrap();
    for (target, item) in items.iter().enumerate() {
        for seed in 0..20 {
            let mut rng = StdRng::seed_from_u64(seed);
            let intention = generator
                .specific_intention(target as u32, &mut rng)
                .unwrap();
            let text = intention.text().unwrap();
            assert!(!reveals(text, &item.title), "{text}");
            assert!(
                text.contains("drama") || text.contains("casino") || text.contains("mood"),
                "{text}"
            );
        }
    }
}

/// Every task for every user of a real dataset (leave-one-out): each instruction is made or
/// refused with `Unavailable`, never names its target in the intention, and the share of
/// refusals per task stays below `max_unavailable`.
fn check_real_dataset(format: Format, relative: &str, max_unavailable: f64) {
    let path = shared_path(relative).expect("shared data");
    let (dataset, _) = load(format, &path, &LoadOptions::default()).unwrap();
    let generator = DatasetGenerator::new(&dataset, GeneratorConfig::default()).unwrap();
    let mut unavailable: BTreeMap<TaskKind, usize> = BTreeMap::new();
    let users: Vec<u32> = (0..dataset.num_users() as u32)
        .filter(|&user| dataset.sequence(user).len() >= 2)
        .collect();
    for &user in &users {
        for kind in TaskKind::ALL {
            let request = InstructionRequest::leave_last_out(&dataset, kind, user).unwrap();
            let title = dataset.catalog.display_name(request.target);
            match generator.generate_seeded(&request, u64::from(user)) {
                Ok(instruction) => {
                    let intention = instruction.intention.text().unwrap_or_default();
                    assert!(
                        !reveals(intention, &title),
                        "{kind} for user {user}: `{intention}` names `{title}`"
                    );
                }
                Err(InstructError::Unavailable { .. }) => {
                    *unavailable.entry(kind).or_default() += 1
                }
                Err(other) => panic!("{kind} for user {user}: {other}"),
            }
        }
    }
    for (kind, count) in unavailable {
        let share = count as f64 / users.len() as f64;
        assert!(
            share <= max_unavailable,
            "{relative}: {kind} unavailable for {count} of {} users",
            users.len()
        );
    }
}

#[test]
fn real_movielens_instructions_never_name_their_target() {
    check_real_dataset(Format::RecBole, "data/ml-100k", 0.01);
}

#[test]
fn real_amazon_instructions_never_name_their_target() {
    check_real_dataset(Format::Amazon2023, "data/amazon-reviews-2023-mini", 0.25);
}
