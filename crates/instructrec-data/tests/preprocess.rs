mod common;

use std::collections::HashMap;

use common::build::{dataset, raw_sequence, sequences};
use instructrec_data::preprocess::{compact, implicit_feedback, KCore};
use instructrec_data::{DataError, Dataset, UserIdx};
use proptest::prelude::*;

fn cascade() -> Dataset {
    dataset(&[
        ("a", "i1", 5.0, 1),
        ("a", "i2", 4.0, 2),
        ("a", "i3", 2.0, 3),
        ("b", "i1", 3.0, 1),
        ("b", "i2", 5.0, 2),
        ("c", "i3", 4.0, 1),
        ("c", "i4", 1.0, 2),
        ("d", "i4", 4.0, 1),
    ])
}

#[test]
fn k_core_removal_cascades_until_stable() {
    let outcome = KCore::symmetric(2).apply(&cascade()).unwrap();
    // d (1 item) goes, then i4, then c, then i3.
    assert_eq!(outcome.dataset.num_interactions(), 4);
    assert_eq!((outcome.users_kept, outcome.items_kept), (2, 2));
    assert_eq!(outcome.removed_interactions, 4);
    assert!(outcome.rounds >= 2, "{} rounds", outcome.rounds);
    assert_eq!(raw_sequence(&outcome.dataset, "a"), ["i1", "i2"]);
    assert_eq!(
        outcome.dataset.num_users(),
        4,
        "ids are kept until compaction"
    );
}

#[test]
fn thresholds_are_separate_for_users_and_items() {
    let only_users = KCore {
        min_user_interactions: 3,
        min_item_interactions: 0,
    };
    let outcome = only_users.apply(&cascade()).unwrap();
    assert_eq!(raw_sequence(&outcome.dataset, "a"), ["i1", "i2", "i3"]);
    assert_eq!(outcome.users_kept, 1);
    let error = KCore::symmetric(4).apply(&cascade()).unwrap_err();
    assert!(matches!(error, DataError::Empty(_)), "{error}");
}

#[test]
fn implicit_feedback_keeps_ratings_at_the_threshold() {
    let positives = implicit_feedback(&cascade(), 4.0).unwrap();
    assert_eq!(positives.num_interactions(), 5);
    assert_eq!(raw_sequence(&positives, "a"), ["i1", "i2"]);
    assert_eq!(
        positives.ratings(positives.lookup_user("a").unwrap()),
        [5.0, 4.0]
    );
    assert!(matches!(
        implicit_feedback(&cascade(), f32::NAN),
        Err(DataError::InvalidParameter { .. })
    ));
    assert!(matches!(
        implicit_feedback(&cascade(), 6.0),
        Err(DataError::Empty(_))
    ));
}

#[test]
fn compaction_renumbers_densely_and_keeps_raw_ids_and_content() {
    let mut data = cascade();
    let i3 = data.catalog.lookup("i3").unwrap();
    data.catalog.get_mut(i3).unwrap().title = Some("Third".into());
    let filtered = implicit_feedback(&data, 4.0).unwrap();
    let compacted = compact(&filtered).unwrap();
    let result = &compacted.dataset;
    // i3 is rated 2 by a and 4 by c: it stays. b, a, c, d all keep a positive.
    assert_eq!(result.num_users(), 4);
    assert_eq!(result.num_items(), 4);
    let two_core = KCore::symmetric(2).apply(&data).unwrap().dataset;
    let small = compact(&two_core).unwrap();
    assert_eq!(
        (small.dataset.num_users(), small.dataset.num_items()),
        (2, 2)
    );
    assert_eq!(small.dataset.users().names(), ["a", "b"]);
    assert_eq!(
        small.items.new_index(data.catalog.lookup("i4").unwrap()),
        None
    );
    assert_eq!(small.users.new_len(), 2);
    assert_eq!(small.users.old_len(), 4);
    assert_eq!(raw_sequence(&small.dataset, "b"), ["i1", "i2"]);
    let third = result.catalog.lookup("i3").unwrap();
    assert_eq!(result.catalog.display_name(third), "Third");
    assert_eq!(compacted.items.new_index(i3), Some(third));
}

/// The k-core by its definition: drop every violating interaction at once until none violates.
fn naive_k_core(data: &Dataset, k_user: usize, k_item: usize) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = data
        .interactions()
        .map(|i| {
            (
                data.users().name(i.user).unwrap().to_owned(),
                data.catalog.raw_id(i.item).unwrap().to_owned(),
            )
        })
        .collect();
    loop {
        let mut users: HashMap<&str, usize> = HashMap::new();
        let mut items: HashMap<&str, usize> = HashMap::new();
        for (u, i) in &rows {
            *users.entry(u).or_default() += 1;
            *items.entry(i).or_default() += 1;
        }
        let kept: Vec<(String, String)> = rows
            .iter()
            .filter(|(u, i)| users[u.as_str()] >= k_user && items[i.as_str()] >= k_item)
            .cloned()
            .collect();
        if kept.len() == rows.len() {
            return kept;
        }
        rows = kept;
    }
}

proptest! {
    #[test]
    fn k_core_matches_its_definition(
        users in prop::collection::vec(prop::collection::vec(0u32..12, 0..8), 1..20),
        k_user in 0usize..4,
        k_item in 0usize..4,
    ) {
        let data = sequences(&users);
        let expected = naive_k_core(&data, k_user, k_item);
        let k_core = KCore { min_user_interactions: k_user, min_item_interactions: k_item };
        match k_core.apply(&data) {
            Ok(outcome) => {
                let got: Vec<(String, String)> = outcome.dataset.interactions()
                    .map(|i| (
                        outcome.dataset.users().name(i.user).unwrap().to_owned(),
                        outcome.dataset.catalog.raw_id(i.item).unwrap().to_owned(),
                    ))
                    .collect();
                prop_assert_eq!(got, expected);
                let compacted = compact(&outcome.dataset).unwrap();
                for user in 0..compacted.dataset.num_users() as UserIdx {
                    prop_assert!(compacted.dataset.sequence(user).len() >= k_user.max(1));
                }
                prop_assert!(compacted.dataset.item_counts().iter().all(|&c| c as usize >= k_item.max(1)));
            }
            Err(DataError::Empty(_)) => prop_assert!(expected.is_empty()),
            Err(other) => prop_assert!(false, "unexpected error {}", other),
        }
    }
}
