mod common;

use common::build::{dataset, sequences};
use instructrec_data::{DataError, EvalCase, Split, SplitProtocol, SplitRatios, Stage, UserIdx};
use proptest::prelude::*;

#[test]
fn leave_one_out_holds_out_the_last_two_items_per_user() {
    let data = sequences(&[vec![1, 2, 3, 4, 5], vec![6, 7], vec![8, 9, 1]]);
    let split = Split::leave_one_out(&data).unwrap();
    let seq = data.sequence(0);
    assert_eq!(split.train_sequence(0), &seq[..3]);
    let validation: Vec<EvalCase> = split.cases(Stage::Validation).collect();
    let test: Vec<EvalCase> = split.cases(Stage::Test).collect();
    assert_eq!(
        validation[0],
        EvalCase {
            user: 0,
            history: &seq[..3],
            target: seq[3]
        }
    );
    assert_eq!(
        test[0],
        EvalCase {
            user: 0,
            history: &seq[..4],
            target: seq[4]
        }
    );
    assert_eq!((validation.len(), test.len()), (2, 2));
    assert_eq!(test[1].user, 2);
    assert_eq!(split.training_only_users().collect::<Vec<_>>(), [1]);
    assert_eq!(split.train_sequence(1), data.sequence(1));
    let summary = split.summary();
    assert_eq!(summary.train_interactions, 3 + 2 + 1);
    assert_eq!((summary.validation_cases, summary.test_cases), (2, 2));
    assert_eq!(summary.training_only_users, 1);
    assert_eq!(
        split.protocol().to_string(),
        "chronological leave-one-out per user"
    );
    assert!(split.train_sequence(99).is_empty());
}

#[test]
fn leave_one_out_needs_one_user_with_three_interactions() {
    let data = sequences(&[vec![1, 2], vec![3]]);
    let error = Split::leave_one_out(&data).unwrap_err();
    assert!(matches!(error, DataError::Empty(_)), "{error}");
    assert!(error.to_string().contains('3'), "{error}");
}

#[test]
fn global_time_cuts_at_the_same_time_for_everybody() {
    let data = dataset(&[
        ("early", "a", 1.0, 1),
        ("early", "b", 1.0, 2),
        ("early", "c", 1.0, 3),
        ("both", "a", 1.0, 4),
        ("both", "b", 1.0, 5),
        ("both", "c", 1.0, 6),
        ("both", "d", 1.0, 7),
        ("late", "d", 1.0, 9),
        ("late", "a", 1.0, 10),
        ("late", "b", 1.0, 8),
    ]);
    let ratios = SplitRatios {
        train: 0.6,
        validation: 0.2,
    };
    let split = Split::global_time(&data, ratios).unwrap();
    // Cuts at the 6th and 8th smallest times: 7 and 9.
    let late = data.lookup_user("late").unwrap();
    let both = data.lookup_user("both").unwrap();
    assert_eq!(split.train_len(data.lookup_user("early").unwrap()), 3);
    assert_eq!(split.train_len(both), 3);
    assert_eq!(
        split.train_len(late),
        0,
        "late's first item (time 8) validates, without history"
    );
    let validation: Vec<_> = split
        .cases(Stage::Validation)
        .map(|c| (c.user, c.history.len()))
        .collect();
    assert_eq!(validation, [(both, 3)]);
    let test: Vec<_> = split
        .cases(Stage::Test)
        .map(|c| (c.user, c.history.len()))
        .collect();
    assert_eq!(test, [(late, 1), (late, 2)]);
    assert_eq!(split.protocol(), SplitProtocol::GlobalTime(ratios));
    assert_eq!(
        split.protocol().to_string(),
        "global chronological split 60/20/20"
    );
}

#[test]
fn global_time_counts_targets_without_history() {
    let data = dataset(&[
        ("old", "a", 1.0, 1),
        ("old", "b", 1.0, 2),
        ("new", "a", 1.0, 3),
        ("new", "b", 1.0, 4),
    ]);
    let split = Split::global_time(
        &data,
        SplitRatios {
            train: 0.5,
            validation: 0.0,
        },
    )
    .unwrap();
    let summary = split.summary();
    assert_eq!(summary.targets_without_history, 1);
    assert_eq!(
        summary.test_cases, 1,
        "the newcomer's second item has a history"
    );
}

#[test]
fn per_user_ratio_rounds_held_out_parts_down() {
    let data = sequences(&[(0..10).collect(), vec![1, 2, 3]]);
    let split = Split::per_user_ratio(&data, SplitRatios::default()).unwrap();
    assert_eq!(split.train_len(0), 8);
    assert_eq!(split.cases(Stage::Validation).count(), 1);
    assert_eq!(
        split.cases(Stage::Test).map(|c| c.user).collect::<Vec<_>>(),
        [0]
    );
    assert_eq!(split.training_only_users().collect::<Vec<_>>(), [1]);
}

#[test]
fn ratios_are_validated() {
    for (train, validation) in [
        (0.0, 0.1),
        (1.0, 0.0),
        (0.8, 0.2),
        (0.5, -0.1),
        (f64::NAN, 0.1),
    ] {
        let ratios = SplitRatios { train, validation };
        assert!(
            matches!(ratios.validate(), Err(DataError::InvalidParameter { .. })),
            "{ratios:?}"
        );
    }
    let data = sequences(&[vec![1, 2, 3]]);
    let error = Split::per_user_ratio(&data, SplitRatios::default()).unwrap_err();
    assert!(
        matches!(error, DataError::Empty(_)),
        "three items leave no test case: {error}"
    );
}

fn check_invariants(split: &Split<'_>) -> Result<(), TestCaseError> {
    let data = split.dataset();
    for stage in [Stage::Validation, Stage::Test] {
        for case in split.cases(stage) {
            let sequence = data.sequence(case.user);
            prop_assert!(!case.history.is_empty());
            prop_assert_eq!(case.history, &sequence[..case.history.len()]);
            prop_assert_eq!(case.target, sequence[case.history.len()]);
            prop_assert!(case.history.len() >= split.train_len(case.user));
        }
    }
    let summary = split.summary();
    prop_assert_eq!(
        summary.train_interactions
            + summary.validation_cases
            + summary.test_cases
            + summary.targets_without_history,
        data.num_interactions()
    );
    for user in 0..data.num_users() as UserIdx {
        let train = split.train_sequence(user);
        prop_assert_eq!(train, &data.sequence(user)[..train.len()]);
    }
    Ok(())
}

proptest! {
    #[test]
    fn every_split_yields_prefix_histories_and_accounts_for_every_interaction(
        users in prop::collection::vec(prop::collection::vec(0u32..30, 0..12), 1..15),
        train in 0.3f64..0.9,
        validation_share in 0.0f64..1.0,
    ) {
        let data = sequences(&users);
        let ratios = SplitRatios { train, validation: (1.0 - train) * validation_share * 0.9 };
        let splits = [
            Split::leave_one_out(&data),
            Split::global_time(&data, ratios),
            Split::per_user_ratio(&data, ratios),
        ];
        for split in splits {
            match split {
                Ok(split) => check_invariants(&split)?,
                Err(DataError::Empty(_)) => {}
                Err(other) => prop_assert!(false, "unexpected error {}", other),
            }
        }
    }
}
