mod common;

use common::build::sequences;
use instructrec_data::sampling::{AliasTable, SeenItems};
use instructrec_data::{DataError, ItemIdx, PopularitySampler, Sampler, UniformSampler};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

/// 20 items; user 0 has taken items 0..4, user 1 all but item 19, user 2 item 5 only.
/// Item popularity rises with the index (item i appears in i of the filler users).
fn catalog_of_20() -> instructrec_data::Dataset {
    let mut users = vec![(0..4).collect(), (0..19).collect(), vec![5]];
    for filler in 0..20u32 {
        users.push((filler..20).collect());
    }
    sequences(&users)
}

fn raw(dataset: &instructrec_data::Dataset, item: ItemIdx) -> u32 {
    dataset.catalog.raw_id(item).unwrap()[1..].parse().unwrap()
}

#[test]
fn uniform_negatives_are_distinct_unseen_and_reproducible() {
    let data = catalog_of_20();
    let sampler = UniformSampler::new(&data).unwrap();
    let draw = |seed| {
        sampler
            .sample(0, 10, &mut StdRng::seed_from_u64(seed))
            .unwrap()
    };
    let negatives = draw(1);
    assert_eq!(negatives.len(), 10);
    let mut sorted = negatives.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 10, "distinct");
    assert!(
        negatives.iter().all(|&i| raw(&data, i) >= 4),
        "none of the user's items"
    );
    assert_eq!(draw(1), negatives);
    assert_ne!(draw(2), negatives);
    let total: f64 = (0..20).map(|i| sampler.proposal_probability(i)).sum();
    assert!((total - 1.0).abs() < 1e-12);
    assert_eq!(sampler.proposal_probability(20), 0.0);
}

#[test]
fn a_user_who_took_almost_everything_gets_a_clear_error_or_the_last_items() {
    let data = catalog_of_20();
    let sampler = UniformSampler::new(&data).unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    let error = sampler.sample(1, 2, &mut rng).unwrap_err();
    assert!(
        matches!(
            error,
            DataError::NotEnoughNegatives {
                user: 1,
                available: 1,
                requested: 2
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("only 1 items"), "{error}");
    let last = sampler.sample(1, 1, &mut rng).unwrap();
    assert_eq!(raw(&data, last[0]), 19);
    // Every remaining item at once, through the enumeration path.
    let rest = sampler.sample(0, 16, &mut rng).unwrap();
    assert_eq!(rest.len(), 16);
    assert!(matches!(
        sampler.sample(99, 1, &mut rng),
        Err(DataError::UnknownId { .. })
    ));
}

#[test]
fn popularity_sampling_follows_counts_and_never_draws_unseen_by_anyone() {
    let mut users: Vec<Vec<u32>> = vec![vec![0]];
    // Item 1 has 1 interaction, item 2 has 3, item 3 has 6; item 4 only exists in the catalog.
    for (item, count) in [(1u32, 1), (2, 3), (3, 6)] {
        users.extend(std::iter::repeat_n(vec![item], count));
    }
    let mut data = sequences(&users);
    data.catalog.intern("i4");
    let sampler = PopularitySampler::new(&data, 1.0).unwrap();
    assert_eq!(sampler.num_items(), 5);
    let mut rng = StdRng::seed_from_u64(11);
    let mut hits = [0usize; 5];
    let draws = 40_000;
    for _ in 0..draws {
        let item = sampler.sample(0, 1, &mut rng).unwrap()[0];
        hits[raw(&data, item) as usize] += 1;
    }
    assert_eq!(hits[0], 0, "the user's own item");
    assert_eq!(hits[4], 0, "an item nobody took has no popularity");
    for (item, share) in [(1, 0.1), (2, 0.3), (3, 0.6)] {
        let observed = hits[item] as f64 / draws as f64;
        assert!(
            (observed - share).abs() < 0.02,
            "item {item}: {observed} vs {share}"
        );
    }
    let error = sampler.sample(0, 4, &mut rng).unwrap_err();
    assert!(
        matches!(error, DataError::NotEnoughNegatives { available: 3, .. }),
        "{error:?}"
    );

    let flat = PopularitySampler::new(&data, 0.0).unwrap();
    assert_eq!(
        flat.sample(0, 4, &mut rng).unwrap().len(),
        4,
        "exponent 0 is uniform over all"
    );
    assert!(matches!(
        PopularitySampler::new(&data, f64::NAN),
        Err(DataError::InvalidParameter {
            name: "exponent",
            ..
        })
    ));
}

#[test]
fn enumeration_keeps_the_popularity_law_when_the_user_took_the_popular_items() {
    // The user took the two most popular items (most of the mass), leaving items 0..3.
    let mut users: Vec<Vec<u32>> = vec![vec![4, 5]];
    for (item, count) in [(0u32, 1), (1, 2), (2, 3), (4, 40), (5, 40)] {
        users.extend(std::iter::repeat_n(vec![item], count));
    }
    let data = sequences(&users);
    let sampler = PopularitySampler::new(&data, 1.0).unwrap();
    let mut rng = StdRng::seed_from_u64(5);
    let mut hits = [0usize; 6];
    let draws = 30_000;
    for _ in 0..draws {
        hits[raw(&data, sampler.sample(0, 1, &mut rng).unwrap()[0]) as usize] += 1;
    }
    for (item, share) in [(0, 1.0 / 6.0), (1, 2.0 / 6.0), (2, 3.0 / 6.0)] {
        let observed = hits[item] as f64 / draws as f64;
        assert!(
            (observed - share).abs() < 0.02,
            "item {item}: {observed} vs {share}"
        );
    }
}

#[test]
fn seen_items_are_sorted_and_distinct() {
    let data = sequences(&[vec![3, 1, 3, 2]]);
    let seen = SeenItems::from_dataset(&data);
    let items: Vec<u32> = seen.of(0).unwrap().iter().map(|&i| raw(&data, i)).collect();
    assert_eq!(items.len(), 3);
    assert!(seen.of(0).unwrap().windows(2).all(|w| w[0] < w[1]));
    assert!(seen.contains(0, data.catalog.lookup("i2").unwrap()));
    assert!(seen.of(1).is_err());
}

#[test]
fn alias_tables_reject_bad_weights() {
    for weights in [
        vec![],
        vec![0.0, 0.0],
        vec![1.0, -1.0],
        vec![f64::NAN],
        vec![f64::INFINITY],
    ] {
        assert!(AliasTable::new(&weights).is_err(), "{weights:?}");
    }
}

proptest! {
    #[test]
    fn alias_tables_draw_in_proportion_and_never_draw_zero_weights(
        weights in prop::collection::vec(prop_oneof![Just(0.0), 0.01f64..10.0], 1..12),
        seed in any::<u64>(),
    ) {
        prop_assume!(weights.iter().any(|&w| w > 0.0));
        let table = AliasTable::new(&weights).unwrap();
        let mut rng = StdRng::seed_from_u64(seed);
        let draws = 20_000;
        let mut hits = vec![0usize; weights.len()];
        for _ in 0..draws {
            hits[table.sample(&mut rng)] += 1;
        }
        let total: f64 = weights.iter().sum();
        for (weight, hit) in weights.iter().zip(&hits) {
            if *weight == 0.0 {
                prop_assert_eq!(*hit, 0);
            } else {
                let expected = weight / total;
                let observed = *hit as f64 / draws as f64;
                // Five standard deviations of a binomial share.
                let tolerance = 5.0 * (expected * (1.0 - expected) / draws as f64).sqrt() + 1e-3;
                prop_assert!((observed - expected).abs() < tolerance, "{observed} vs {expected}");
            }
        }
    }
}
