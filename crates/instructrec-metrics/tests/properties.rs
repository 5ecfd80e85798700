//! Properties of ranks, metrics and protocols over random inputs.

mod support;

use std::collections::BTreeSet;

use instructrec_metrics::{
    pessimistic_rank, ranks_among_candidates, ranks_of_targets, BoxedError, CandidateProvider,
    EvalCase, Evaluator, Protocol, TargetRanks,
};
use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use rand::rngs::StdRng;
use support::{constant, oracle, FnScorer};

/// Ranks by building the pessimistic permutation explicitly: drop excluded non-targets, sort by
/// score descending, non-targets before targets on ties, tied targets in the given order.
fn reference_ranks(scores: &[f32], targets: &[usize], excluded: &[usize]) -> Vec<usize> {
    let mut kept: Vec<usize> = (0..scores.len())
        .filter(|index| targets.contains(index) || !excluded.contains(index))
        .collect();
    let tie_order = |index: &usize| targets.iter().position(|target| target == index);
    kept.sort_by(|a, b| {
        scores[*b]
            .total_cmp(&scores[*a])
            .then_with(|| tie_order(a).cmp(&tie_order(b)))
    });
    let mut ranks: Vec<usize> = targets
        .iter()
        .map(|target| kept.iter().position(|index| index == target).unwrap())
        .collect();
    ranks.sort_unstable();
    ranks
}

/// Scores drawn from a few values so that ties are frequent.
fn tied_scores(len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<f32>> {
    vec((0_u8..4).prop_map(f32::from), len)
}

/// Scores, distinct target indices (in random order) and excluded indices (with repeats).
fn ranking_input() -> impl Strategy<Value = (Vec<f32>, Vec<usize>, Vec<usize>)> {
    tied_scores(1..40).prop_flat_map(|scores| {
        let len = scores.len();
        let targets = btree_set(0..len, 1..=len.min(4))
            .prop_map(|set| set.into_iter().collect::<Vec<_>>())
            .prop_shuffle();
        (Just(scores), targets, vec(0..len, 0..12))
    })
}

/// Distinct target ranks within a list of 50.
fn target_ranks() -> impl Strategy<Value = TargetRanks> {
    btree_set(0_usize..50, 1..6)
        .prop_map(|ranks| TargetRanks::new(ranks.into_iter().collect()).unwrap())
}

/// A catalog size and cases over it: histories with repeats, one or two targets.
fn catalog_and_cases() -> impl Strategy<Value = (u32, Vec<EvalCase<'static>>)> {
    (30_u32..80).prop_flat_map(|num_items| {
        let case = (
            0_u32..1000,
            vec(0..num_items, 0..15),
            btree_set(0..num_items, 1..3),
        )
            .prop_map(|(user, history, targets)| {
                EvalCase::new(user, history, targets.into_iter().collect())
            });
        (Just(num_items), vec(case, 1..8))
    })
}

fn protocol() -> impl Strategy<Value = Protocol> {
    prop_oneof![
        Just(Protocol::Full),
        (1_usize..10).prop_map(|negatives| Protocol::Sampled { negatives }),
        (1_usize..10).prop_map(|candidates| Protocol::Rerank { candidates }),
    ]
}

/// A retriever returning the same set whatever the seed: the lowest untouched ids.
struct LowestUntouched;

impl CandidateProvider for LowestUntouched {
    fn candidates(
        &mut self,
        case: &EvalCase<'_>,
        count: usize,
        _num_items: u32,
        _rng: &mut StdRng,
    ) -> Result<Vec<u32>, BoxedError> {
        Ok((0..)
            .filter(|item| !case.targets.contains(item) && !case.history.contains(item))
            .take(count)
            .collect())
    }
}

/// Scores with many ties, independent of the user.
fn coarse(_: &EvalCase<'_>, item: u32) -> f32 {
    (item % 3) as f32
}

proptest! {
    #[test]
    fn ranks_match_the_explicit_pessimistic_permutation(
        (scores, targets, excluded) in ranking_input()
    ) {
        let expected = reference_ranks(&scores, &targets, &excluded);
        let ranks = ranks_of_targets(&scores, &targets, &excluded).unwrap();
        prop_assert_eq!(ranks.ranks(), &expected[..]);
        let alone = reference_ranks(&scores, &targets[..1], &[]);
        prop_assert_eq!(pessimistic_rank(&scores, targets[0]).unwrap(), alone[0]);
    }

    #[test]
    fn metrics_are_bounded_and_ordered(ranks in target_ranks(), k in 1_usize..60, extra in 0_usize..20) {
        let hit = ranks.hit_rate_at(k).unwrap();
        let values = [
            hit,
            ranks.recall_at(k).unwrap(),
            ranks.ndcg_at(k).unwrap(),
            ranks.average_precision_at(k).unwrap(),
            ranks.reciprocal_rank(),
        ];
        for value in values {
            prop_assert!((0.0..=1.0).contains(&value), "{values:?}");
        }
        prop_assert!(ranks.ndcg_at(k).unwrap() <= hit);
        prop_assert!(ranks.recall_at(k).unwrap() <= hit);
        prop_assert!(ranks.average_precision_at(k).unwrap() <= hit);
        prop_assert!(ranks.hit_rate_at(k + extra).unwrap() >= hit);
        prop_assert!(ranks.recall_at(k + extra).unwrap() >= ranks.recall_at(k).unwrap());
    }

    #[test]
    fn candidate_order_does_not_change_ranks(
        (scored, targets) in vec((0_u32..500, 0_u8..4), 1..30)
            .prop_map(|pairs| {
                // Distinct candidate ids, each with a score.
                let mut seen = BTreeSet::new();
                pairs.into_iter().filter(|(item, _)| seen.insert(*item)).collect::<Vec<_>>()
            })
            .prop_flat_map(|scored| {
                let len = scored.len();
                (Just(scored), btree_set(0..len, 1..=len.min(3)))
            }),
        permutation_seed in any::<u64>(),
    ) {
        let targets: Vec<u32> = targets.iter().map(|&position| scored[position].0).collect();
        let split = |pairs: &[(u32, u8)]| -> (Vec<u32>, Vec<f32>) {
            pairs.iter().map(|&(item, score)| (item, f32::from(score))).unzip()
        };
        let (candidates, scores) = split(&scored);
        let before = ranks_among_candidates(&candidates, &scores, &targets).unwrap();

        let mut permuted = scored.clone();
        let mut rng = <StdRng as rand::SeedableRng>::seed_from_u64(permutation_seed);
        rand::seq::SliceRandom::shuffle(&mut permuted[..], &mut rng);
        let (candidates, scores) = split(&permuted);
        let after = ranks_among_candidates(&candidates, &scores, &targets).unwrap();
        prop_assert_eq!(before, after);
    }

    #[test]
    fn rerank_metrics_do_not_depend_on_the_shuffle(
        (num_items, cases) in catalog_and_cases(),
        count in 1_usize..10,
        seeds in (any::<u64>(), any::<u64>()),
    ) {
        let evaluator = Evaluator::new(Protocol::Rerank { candidates: count }, num_items);
        let run = |seed| {
            let mut scorer = FnScorer::new(num_items, coarse);
            let report = evaluator
                .clone()
                .with_seed(seed)
                .evaluate_with_provider(&mut scorer, &mut LowestUntouched, cases.clone())
                .unwrap();
            (report.metrics, scorer.candidate_lists)
        };
        let (first, first_lists) = run(seeds.0);
        let (second, second_lists) = run(seeds.1);
        prop_assert_eq!(first, second);
        // Same candidate sets, possibly in another order.
        for (a, b) in first_lists.iter().zip(&second_lists) {
            let (mut a, mut b) = (a.clone(), b.clone());
            a.sort_unstable();
            b.sort_unstable();
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn sampled_candidates_never_include_touched_items(
        (num_items, cases) in catalog_and_cases(),
        negatives in 1_usize..10,
        seed in any::<u64>(),
    ) {
        let mut scorer = FnScorer::new(num_items, coarse);
        Evaluator::new(Protocol::Sampled { negatives }, num_items)
            .with_seed(seed)
            .evaluate(&mut scorer, cases.clone())
            .unwrap();
        prop_assert_eq!(scorer.candidate_lists.len(), cases.len());
        for (case, list) in cases.iter().zip(&scorer.candidate_lists) {
            prop_assert_eq!(list.len(), case.targets.len() + negatives);
            let distinct: BTreeSet<u32> = list.iter().copied().collect();
            prop_assert_eq!(distinct.len(), list.len());
            for target in &case.targets {
                prop_assert!(list.contains(target));
            }
            for item in list.iter().filter(|item| !case.targets.contains(item)) {
                prop_assert!(*item < num_items);
                prop_assert!(!case.history.contains(item), "history item {item} sampled");
            }
        }
    }

    #[test]
    fn same_seed_gives_the_same_report(
        (num_items, cases) in catalog_and_cases(),
        protocol in protocol(),
        seed in any::<u64>(),
    ) {
        let evaluator = Evaluator::new(protocol, num_items).with_seed(seed);
        let first = evaluator.evaluate(&mut FnScorer::new(num_items, coarse), cases.clone()).unwrap();
        let second = evaluator.evaluate(&mut FnScorer::new(num_items, coarse), cases).unwrap();
        prop_assert_eq!(first, second);
    }

    #[test]
    fn a_perfect_scorer_gets_one(
        (num_items, cases) in catalog_and_cases(),
        protocol in protocol(),
    ) {
        let report = Evaluator::new(protocol, num_items)
            .evaluate(&mut FnScorer::new(num_items, oracle), cases)
            .unwrap();
        // With at most two targets per case, every cut-off ≥ 2 holds all of them.
        for name in ["HR@1", "NDCG@1", "MAP@1", "HR@5", "Recall@5", "NDCG@5", "NDCG@20", "MAP@20", "MRR"] {
            prop_assert_eq!(report.metric(name), Some(1.0), "{}", name);
        }
    }

    #[test]
    fn a_constant_scorer_gets_the_worst_rank(
        (num_items, cases) in catalog_and_cases(),
        protocol in protocol(),
    ) {
        let report = Evaluator::new(protocol, num_items)
            .evaluate(&mut FnScorer::new(num_items, constant), cases.clone())
            .unwrap();
        // Every target sits below all non-targets: the best one at list length - targets.
        let expected_mrr = cases
            .iter()
            .map(|case| {
                let list_len = match protocol.other_candidates() {
                    Some(others) => case.targets.len() + others,
                    None => {
                        let removed: BTreeSet<u32> = case
                            .history
                            .iter()
                            .copied()
                            .filter(|item| !case.targets.contains(item))
                            .collect();
                        num_items as usize - removed.len()
                    }
                };
                1.0 / (list_len - case.targets.len() + 1) as f64
            })
            .sum::<f64>()
            / cases.len() as f64;
        prop_assert!((report.metric("MRR").unwrap() - expected_mrr).abs() < 1e-12);
    }
}
