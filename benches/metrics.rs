//! Cost of the evaluation hot paths of `instructrec-metrics`.
//!
//! Sizes follow the Amazon Games data (`Video.txt`: 23,715 items): ranking one target among a
//! catalog-sized score row, a full-ranking evaluation of 1,000 users against it with the
//! popularity baseline, and ranking + NDCG over 10,000 candidate lists of the sampled protocol.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use instructrec_metrics::{
    pessimistic_rank, ranks_among_candidates, EvalCase, Evaluator, PopularityScorer, Protocol,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const CATALOG: u32 = 24_000;
const USERS: u32 = 1_000;
const LISTS: usize = 10_000;
/// Target + 100 negatives, as in the sampled protocol.
const LIST_LEN: usize = 101;

fn rank_one_target(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(1);
    let scores: Vec<f32> = (0..CATALOG).map(|_| rng.random()).collect();
    let mut group = c.benchmark_group("rank");
    group.throughput(Throughput::Elements(u64::from(CATALOG)));
    group.bench_function("one target among 24K scores", |b| {
        b.iter(|| pessimistic_rank(black_box(&scores), black_box(12_345)).unwrap())
    });
    group.finish();
}

fn full_evaluation(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(2);
    // Zipf-like popularity: low ids are popular, so counts tie often among the tail.
    let interactions: Vec<u32> = (0..300_000)
        .map(|_| {
            let u: f64 = rng.random();
            ((u * u * u) * f64::from(CATALOG)) as u32
        })
        .collect();
    let mut scorer = PopularityScorer::from_interactions(CATALOG, interactions).unwrap();
    let histories: Vec<Vec<u32>> = (0..USERS)
        .map(|_| {
            let len = rng.random_range(5..50);
            (0..len).map(|_| rng.random_range(0..CATALOG)).collect()
        })
        .collect();
    let targets: Vec<u32> = (0..USERS).map(|_| rng.random_range(0..CATALOG)).collect();
    let evaluator = Evaluator::new(Protocol::Full, CATALOG);

    let mut group = c.benchmark_group("evaluate");
    group.sample_size(10);
    group.throughput(Throughput::Elements(u64::from(USERS)));
    group.bench_function("full ranking, 1000 users x 24K items, popularity", |b| {
        b.iter(|| {
            let cases = (0..USERS).map(|user| {
                let index = user as usize;
                EvalCase::leave_one_out(user, &histories[index][..], targets[index])
            });
            evaluator.evaluate(&mut scorer, cases).unwrap()
        })
    });
    group.finish();
}

fn ndcg_over_lists(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(3);
    let lists: Vec<(Vec<u32>, Vec<f32>)> = (0..LISTS)
        .map(|_| {
            let candidates: Vec<u32> = (0..LIST_LEN as u32).collect();
            let scores: Vec<f32> = (0..LIST_LEN).map(|_| rng.random()).collect();
            (candidates, scores)
        })
        .collect();
    let mut group = c.benchmark_group("ndcg");
    group.throughput(Throughput::Elements(LISTS as u64));
    group.bench_function("rank + NDCG@10 over 10K lists of 101", |b| {
        b.iter(|| {
            lists
                .iter()
                .map(|(candidates, scores)| {
                    ranks_among_candidates(candidates, scores, &[0])
                        .and_then(|ranks| ranks.ndcg_at(10))
                        .unwrap()
                })
                .sum::<f64>()
        })
    });
    group.finish();
}

criterion_group!(benches, rank_one_target, full_evaluation, ndcg_over_lists);
criterion_main!(benches);
