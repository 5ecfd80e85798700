use std::collections::{HashMap, HashSet};

use instructrec_data::{DataError, Dataset, ItemIdx, SyntheticConfig, UserIdx};

fn small() -> SyntheticConfig {
    SyntheticConfig {
        num_users: 300,
        num_items: 400,
        ..SyntheticConfig::default()
    }
}

fn primary_category(dataset: &Dataset, item: ItemIdx) -> u32 {
    dataset.catalog.get(item).unwrap().categories[0]
}

#[test]
fn the_default_dataset_has_the_quickstart_size_and_complete_items() {
    let dataset = SyntheticConfig::default().generate().unwrap();
    assert_eq!(dataset.name, "synthetic");
    assert_eq!((dataset.num_users(), dataset.num_items()), (1000, 1000));
    let per_user = dataset.num_interactions() as f64 / 1000.0;
    assert!(
        (35.0..45.0).contains(&per_user),
        "{per_user} interactions per user"
    );
    let mut titles = HashSet::new();
    for (idx, item) in dataset.catalog.items().iter().enumerate() {
        let title = item.title.clone().unwrap();
        assert_eq!(title.split(' ').count(), 4, "{title}");
        assert!(titles.insert(title), "titles are unique");
        assert!(item.description.is_some() && item.brand.is_some());
        assert!(!item.categories.is_empty() && item.categories.len() <= 2);
        assert!(
            item.numeric.iter().all(Option::is_some),
            "item {idx}: {:?}",
            item.numeric
        );
    }
    assert_eq!(dataset.catalog.numeric_fields, ["price", "year"]);
    assert_eq!(dataset.catalog.categories.len(), 12);
    for user in 0..1000 {
        let sequence = dataset.sequence(user);
        assert!(sequence.len() >= 5);
        let distinct: HashSet<_> = sequence.iter().collect();
        assert_eq!(distinct.len(), sequence.len(), "no repeated item");
        assert!(dataset.timestamps(user).windows(2).all(|w| w[0] < w[1]));
        assert!(dataset
            .ratings(user)
            .iter()
            .all(|r| (1.0..=5.0).contains(r)));
    }
}

#[test]
fn the_seed_decides_everything() {
    let a = small().generate().unwrap();
    let b = small().generate().unwrap();
    assert_eq!(a, b);
    let c = SyntheticConfig { seed: 7, ..small() }.generate().unwrap();
    assert_ne!(a.catalog, c.catalog);
    assert_ne!(a.sequence(0), c.sequence(0));
}

#[test]
fn the_next_item_depends_on_the_recent_category_and_item() {
    let dataset = SyntheticConfig::default().generate().unwrap();
    // Consecutive items share their category far more often than category shares explain.
    let mut category_counts: HashMap<u32, usize> = HashMap::new();
    let (mut same, mut pairs) = (0usize, 0usize);
    for user in 0..dataset.num_users() as UserIdx {
        let sequence = dataset.sequence(user);
        for &item in sequence {
            *category_counts
                .entry(primary_category(&dataset, item))
                .or_default() += 1;
        }
        for pair in sequence.windows(2) {
            pairs += 1;
            same += usize::from(
                primary_category(&dataset, pair[0]) == primary_category(&dataset, pair[1]),
            );
        }
    }
    let total = dataset.num_interactions() as f64;
    let chance: f64 = category_counts
        .values()
        .map(|&c| (c as f64 / total).powi(2))
        .sum();
    let observed = same as f64 / pairs as f64;
    assert!(
        observed > 3.0 * chance,
        "same-category rate {observed} vs chance {chance}"
    );

    // Predicting the next item from the previous one beats predicting the most popular item:
    // learn successors on the first 800 users, test on the rest.
    let mut successors: HashMap<ItemIdx, HashMap<ItemIdx, usize>> = HashMap::new();
    let mut popularity: HashMap<ItemIdx, usize> = HashMap::new();
    for user in 0..800 {
        for pair in dataset.sequence(user).windows(2) {
            *successors
                .entry(pair[0])
                .or_default()
                .entry(pair[1])
                .or_default() += 1;
            *popularity.entry(pair[1]).or_default() += 1;
        }
    }
    let best = |counts: &HashMap<ItemIdx, usize>| {
        counts
            .iter()
            .max_by_key(|&(&item, &count)| (count, std::cmp::Reverse(item)))
            .map(|(&i, _)| i)
    };
    let most_popular = best(&popularity).unwrap();
    let (mut by_successor, mut by_popularity) = (0, 0);
    for user in 800..1000 {
        for pair in dataset.sequence(user).windows(2) {
            by_popularity += usize::from(pair[1] == most_popular);
            by_successor += usize::from(successors.get(&pair[0]).and_then(best) == Some(pair[1]));
        }
    }
    assert!(
        by_successor > 3 * by_popularity.max(1),
        "{by_successor} vs {by_popularity}"
    );
}

#[test]
fn ratings_follow_taste_and_reviews_speak_of_the_category() {
    let dataset = small().generate().unwrap();
    // A user's most consumed category is their taste: they rate it higher than the rest.
    let (mut favourite, mut other) = ((0.0, 0usize), (0.0, 0usize));
    for user in 0..dataset.num_users() as UserIdx {
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for &item in dataset.sequence(user) {
            *counts.entry(primary_category(&dataset, item)).or_default() += 1;
        }
        let top = counts
            .iter()
            .max_by_key(|&(&c, &n)| (n, c))
            .map(|(&c, _)| c)
            .unwrap();
        for interaction in dataset.interactions_of(user) {
            let slot = if primary_category(&dataset, interaction.item) == top {
                &mut favourite
            } else {
                &mut other
            };
            slot.0 += f64::from(interaction.rating);
            slot.1 += 1;
        }
    }
    let (favourite, other) = (favourite.0 / favourite.1 as f64, other.0 / other.1 as f64);
    assert!(
        favourite > other + 0.5,
        "favourite {favourite} vs other {other}"
    );

    assert!(dataset.num_reviews() > dataset.num_interactions() / 4);
    for interaction in dataset.interactions().filter(|i| i.review.is_some()) {
        let category = dataset.catalog.category_names(interaction.item)[0].to_lowercase();
        let review = interaction.review.unwrap();
        assert!(
            review.text.contains(&category),
            "{} / {}",
            review.text,
            category
        );
        assert!(!review.title.is_empty());
    }
}

#[test]
fn invalid_configs_name_the_parameter() {
    let cases: [(SyntheticConfig, &str); 8] = [
        (
            SyntheticConfig {
                num_users: 0,
                ..small()
            },
            "num_users",
        ),
        (
            SyntheticConfig {
                num_categories: 0,
                ..small()
            },
            "num_categories",
        ),
        (
            SyntheticConfig {
                num_categories: 17,
                ..small()
            },
            "num_categories",
        ),
        (
            SyntheticConfig {
                num_items: 5,
                ..small()
            },
            "num_items",
        ),
        (
            SyntheticConfig {
                mean_interactions: 2.0,
                ..small()
            },
            "mean_interactions",
        ),
        (
            SyntheticConfig {
                zipf_exponent: f64::NAN,
                ..small()
            },
            "zipf_exponent",
        ),
        (
            SyntheticConfig {
                mean_intent_length: 0.5,
                ..small()
            },
            "mean_intent_length",
        ),
        (
            SyntheticConfig {
                taste_drift: 1.5,
                ..small()
            },
            "taste_drift",
        ),
    ];
    for (config, parameter) in cases {
        match config.generate() {
            Err(DataError::InvalidParameter { name, .. }) => assert_eq!(name, parameter),
            other => panic!("{parameter}: expected an invalid-parameter error, got {other:?}"),
        }
    }
}

#[test]
fn tiny_catalogs_still_fill_every_sequence() {
    let config = SyntheticConfig {
        num_users: 20,
        num_items: 6,
        num_categories: 3,
        min_interactions: 6,
        mean_interactions: 6.0,
        ..SyntheticConfig::default()
    };
    let dataset = config.generate().unwrap();
    for user in 0..20 {
        assert_eq!(
            dataset.sequence(user).len(),
            6,
            "every user takes the whole catalog"
        );
    }
}
