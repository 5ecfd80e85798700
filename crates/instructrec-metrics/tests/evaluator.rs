//! End-to-end behaviour of the ranking evaluator under the three protocols.

mod support;

use approx::assert_relative_eq;
use instructrec_metrics::{
    BoxedError, CandidateProvider, EvalCase, Evaluator, ItemStrata, MetricsError, PopularityScorer,
    Protocol, Scorer,
};
use rand::rngs::StdRng;
use support::{constant, oracle, FnScorer};

/// Popularity over 6 items: counts [5, 4, 4, 2, 1, 0].
fn popularity() -> PopularityScorer {
    PopularityScorer::from_counts(&[5, 4, 4, 2, 1, 0]).unwrap()
}

#[test]
fn full_ranking_by_hand() {
    let cases = vec![
        // history {0} removed → list 1(4) 2(4) 3(2) 4(1) 5(0). Target 2 ties with 1, which goes
        // above it (pessimistic): rank 1.
        EvalCase::leave_one_out(0, vec![0], 2),
        // history {1, 2} removed → list 0(5) 3(2) 4(1) 5(0). Target 3: rank 1. Without removal it
        // would be rank 3; removed items must not count, even though they outscore the target.
        EvalCase::leave_one_out(1, vec![1, 2, 2], 3),
        // no history → 0(5) 1(4) 2(4) 3(2) 4(1) 5(0). Target 5 (count 0): rank 5.
        EvalCase::leave_one_out(2, vec![], 5),
    ];
    let report = Evaluator::new(Protocol::Full, 6)
        .with_ks([1, 2, 5])
        .evaluate(&mut popularity(), cases)
        .unwrap();
    assert_eq!(report.users, 3);
    assert_eq!(report.candidates_per_user, None);
    // ranks 1, 1, 5. HR@1 = 0; HR@2 = 2/3; HR@5 = 2/3 (rank 5 is the sixth place).
    assert_relative_eq!(report.metric("HR@1").unwrap(), 0.0);
    assert_relative_eq!(report.metric("HR@2").unwrap(), 2.0 / 3.0);
    assert_relative_eq!(report.metric("HR@5").unwrap(), 2.0 / 3.0);
    assert_eq!(report.metric("Recall@2"), report.metric("HR@2"));
    // NDCG@2 = (1/log2(3) + 1/log2(3) + 0) / 3 = 2·0.6309298 / 3 = 0.4206198
    assert_relative_eq!(report.metric("NDCG@2").unwrap(), 0.4206198, epsilon = 1e-6);
    // MAP@2 = (1/2 + 1/2 + 0) / 3
    assert_relative_eq!(report.metric("MAP@2").unwrap(), 1.0 / 3.0);
    // MRR = (1/2 + 1/2 + 1/6) / 3 = 7/18
    assert_relative_eq!(report.metric("MRR").unwrap(), 7.0 / 18.0);
    // Top-1 lists: {1}, {0}, {0} → coverage@1 = 2/6. Top-2: {1,2}, {0,3}, {0,1} → 4/6.
    assert_relative_eq!(report.metric("coverage@1").unwrap(), 2.0 / 6.0);
    assert_relative_eq!(report.metric("coverage@2").unwrap(), 4.0 / 6.0);
}

#[test]
fn target_in_history_is_still_ranked() {
    // Repeat consumption: item 0 is in the history and is the target; it stays in the list.
    let cases = vec![EvalCase::leave_one_out(0, vec![0, 1], 0)];
    let report = Evaluator::new(Protocol::Full, 6)
        .evaluate(&mut popularity(), cases)
        .unwrap();
    assert_relative_eq!(report.metric("HR@1").unwrap(), 1.0);
}

#[test]
fn streams_in_batches_and_reports_do_not_depend_on_batch_size() {
    let cases: Vec<EvalCase<'static>> = (0..7)
        .map(|user| EvalCase::leave_one_out(user, vec![user % 3], (user + 4) % 20))
        .collect();
    let score = |case: &EvalCase<'_>, item: u32| ((item * 7 + case.user) % 5) as f32;
    for protocol in [
        Protocol::Full,
        Protocol::Sampled { negatives: 6 },
        Protocol::Rerank { candidates: 4 },
    ] {
        let mut reports = Vec::new();
        for batch_size in [1, 3, 100] {
            let mut scorer = FnScorer::new(20, score);
            let evaluator = Evaluator::new(protocol, 20).with_batch_size(batch_size);
            reports.push(evaluator.evaluate(&mut scorer, cases.clone()).unwrap());
            let largest = *scorer.batch_sizes.iter().max().unwrap();
            assert_eq!(largest, batch_size.min(7), "{protocol}");
            assert_eq!(scorer.batch_sizes.iter().sum::<usize>(), 7, "{protocol}");
        }
        assert_eq!(reports[0], reports[1], "{protocol}");
        assert_eq!(reports[0], reports[2], "{protocol}");
    }
}

#[test]
fn strata_match_evaluating_each_stratum_alone_in_one_scoring_pass() {
    // Items 0..20 with counts 0..20: strata "0–4", "5–9", "10+". The targets 3, 5, 7, …, 19
    // put one case in the first stratum, three in the second and five in the third.
    let counts: Vec<u32> = (0..20).collect();
    let strata = ItemStrata::by_count(&counts, &[5, 10]).unwrap();
    let cases: Vec<EvalCase<'static>> = (0..9)
        .map(|user| EvalCase::leave_one_out(user, vec![(user + 1) % 20], (user * 2 + 3) % 20))
        .collect();
    let score = |case: &EvalCase<'_>, item: u32| ((item * 7 + case.user) % 5) as f32;
    for protocol in [Protocol::Full, Protocol::Sampled { negatives: 6 }] {
        let evaluator = Evaluator::new(protocol, 20).with_batch_size(4);
        let mut scorer = FnScorer::new(20, score);
        let stratified = evaluator
            .evaluate_stratified(&mut scorer, cases.clone(), &strata)
            .unwrap();
        assert_eq!(scorer.batch_sizes.iter().sum::<usize>(), 9, "one pass");
        let overall = evaluator
            .evaluate(&mut FnScorer::new(20, score), cases.clone())
            .unwrap();
        assert_eq!(stratified.overall, overall, "{protocol}");
        let labels: Vec<&str> = stratified.strata.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["0–4", "5–9", "10+"]);
        let mut users = 0;
        for (index, stratum) in stratified.strata.iter().enumerate() {
            let members: Vec<EvalCase<'static>> = cases
                .iter()
                .filter(|case| strata.of_item(case.targets[0]) == Some(index))
                .cloned()
                .collect();
            let report = stratum.report.as_ref().expect("every stratum has a case");
            let alone = evaluator
                .evaluate(&mut FnScorer::new(20, score), members)
                .unwrap();
            assert_eq!(report, &alone, "{protocol} stratum {}", stratum.label);
            users += report.users;
        }
        assert_eq!(users, 9);
    }
    // A stratum without cases has no report, and strata must cover the catalog.
    let few = vec![EvalCase::leave_one_out(0, vec![], 19)];
    let stratified = Evaluator::new(Protocol::Full, 20)
        .evaluate_stratified(&mut popularity_of(20), few.clone(), &strata)
        .unwrap();
    assert!(stratified.strata[0].report.is_none());
    assert_eq!(stratified.strata[2].report.as_ref().unwrap().users, 1);
    let short = ItemStrata::by_count(&counts[..10], &[5]).unwrap();
    assert!(matches!(
        Evaluator::new(Protocol::Full, 20).evaluate_stratified(&mut popularity_of(20), few, &short),
        Err(MetricsError::LengthMismatch { .. })
    ));
}

fn popularity_of(num_items: u32) -> PopularityScorer {
    let counts: Vec<u64> = (0..u64::from(num_items)).collect();
    PopularityScorer::from_counts(&counts).unwrap()
}

#[test]
fn the_seed_decides_the_candidates() {
    let cases: Vec<EvalCase<'static>> = (0..5)
        .map(|user| EvalCase::leave_one_out(user, vec![], user))
        .collect();
    let candidates_for = |seed| {
        let mut scorer = FnScorer::new(100, constant);
        Evaluator::new(Protocol::Sampled { negatives: 10 }, 100)
            .with_seed(seed)
            .evaluate(&mut scorer, cases.clone())
            .unwrap();
        scorer.candidate_lists
    };
    assert_eq!(candidates_for(3), candidates_for(3));
    assert_ne!(candidates_for(3), candidates_for(4));
}

#[test]
fn rerank_shuffles_the_target_position() {
    let cases: Vec<EvalCase<'static>> = (0..200)
        .map(|user| EvalCase::leave_one_out(user, vec![], 0))
        .collect();
    let mut scorer = FnScorer::new(50, constant);
    Evaluator::new(Protocol::Rerank { candidates: 19 }, 50)
        .evaluate(&mut scorer, cases)
        .unwrap();
    let mut per_position = [0_usize; 20];
    for list in &scorer.candidate_lists {
        assert_eq!(list.len(), 20);
        let position = list.iter().position(|&item| item == 0).unwrap();
        per_position[position] += 1;
    }
    // 200 users over 20 positions: 10 expected each. A leak would pile them up in one place.
    assert!(
        per_position.iter().all(|&count| count < 40),
        "{per_position:?}"
    );
    assert!(per_position.iter().filter(|&&count| count > 0).count() >= 15);
}

/// Offers a retriever's list: the `count` lowest item ids that are not the target.
struct LowestIds;

impl CandidateProvider for LowestIds {
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

#[test]
fn rerank_with_a_provider() {
    // Target 9 among provided {0, 1, 2}; popularity over 10 items scores item i as 10 - i, so the
    // target (score 1) is last: rank 3 → MRR 1/4.
    let counts: Vec<u64> = (0..10).map(|item| 10 - item).collect();
    let mut scorer = PopularityScorer::from_counts(&counts).unwrap();
    let report = Evaluator::new(Protocol::Rerank { candidates: 3 }, 10)
        .evaluate_with_provider(
            &mut scorer,
            &mut LowestIds,
            vec![EvalCase::leave_one_out(0, vec![], 9)],
        )
        .unwrap();
    assert_eq!(report.candidates_per_user, Some(4));
    assert_relative_eq!(report.metric("MRR").unwrap(), 0.25);

    let sampled = Evaluator::new(Protocol::Sampled { negatives: 3 }, 10);
    assert!(matches!(
        sampled.evaluate_with_provider(&mut scorer, &mut LowestIds, Vec::new()),
        Err(MetricsError::ProviderNotApplicable { .. })
    ));
}

/// Returns a target among the "other" candidates, as a leaky retriever would.
struct Leaky;

impl CandidateProvider for Leaky {
    fn candidates(
        &mut self,
        case: &EvalCase<'_>,
        _count: usize,
        _num_items: u32,
        _rng: &mut StdRng,
    ) -> Result<Vec<u32>, BoxedError> {
        Ok(vec![case.targets[0], 1])
    }
}

#[test]
fn a_leaky_provider_is_rejected() {
    let result = Evaluator::new(Protocol::Rerank { candidates: 2 }, 10).evaluate_with_provider(
        &mut popularity(),
        &mut Leaky,
        vec![EvalCase::leave_one_out(4, vec![], 3)],
    );
    assert!(matches!(
        result,
        Err(MetricsError::CandidateIsTarget { user: 4, item: 3 })
    ));
}

#[test]
fn perfect_and_constant_scorers_bound_the_metrics() {
    let cases: Vec<EvalCase<'static>> = (0..4)
        .map(|user| EvalCase::new(user, vec![user + 10], vec![user, user + 5]))
        .collect();
    for protocol in [
        Protocol::Full,
        Protocol::Sampled { negatives: 8 },
        Protocol::Rerank { candidates: 8 },
    ] {
        let evaluator = Evaluator::new(protocol, 30).with_ks([2, 5]);
        let perfect = evaluator
            .evaluate(&mut FnScorer::new(30, oracle), cases.clone())
            .unwrap();
        for name in ["HR@2", "Recall@2", "NDCG@2", "MAP@2", "NDCG@5", "MRR"] {
            assert_eq!(perfect.metric(name), Some(1.0), "{protocol} {name}");
        }

        // Constant scores: both targets go to the bottom of the list, so nothing is in the top 5
        // and the best target sits at position len - 2.
        let worst = evaluator
            .evaluate(&mut FnScorer::new(30, constant), cases.clone())
            .unwrap();
        let list_len = match protocol {
            Protocol::Full => 30 - 1, // catalog minus one history item
            _ => 2 + 8,
        };
        assert_eq!(worst.metric("HR@5"), Some(0.0), "{protocol}");
        assert_relative_eq!(worst.metric("MRR").unwrap(), 1.0 / (list_len - 1) as f64);
    }
}

/// Returns whatever it was built with, to exercise the evaluator's output checks.
struct Fixed(Vec<f32>);

impl Scorer for Fixed {
    fn score_all(&mut self, _: &[EvalCase<'_>]) -> Result<Vec<f32>, BoxedError> {
        Ok(self.0.clone())
    }
}

/// Always fails, like a model on the wrong device.
struct Broken;

impl Scorer for Broken {
    fn score_all(&mut self, _: &[EvalCase<'_>]) -> Result<Vec<f32>, BoxedError> {
        Err("device lost".into())
    }
}

#[test]
fn bad_input_gives_clear_errors() {
    let one_case = || vec![EvalCase::leave_one_out(0, vec![1], 2)];
    let full = Evaluator::new(Protocol::Full, 4);

    let nan = full.evaluate(&mut Fixed(vec![0.1, 0.2, f32::NAN, 0.3]), one_case());
    assert!(matches!(nan, Err(MetricsError::NanScore { index: 2 })));
    let short = full.evaluate(&mut Fixed(vec![0.1; 3]), one_case());
    assert!(matches!(short, Err(MetricsError::LengthMismatch { .. })));
    let broken = full.evaluate(&mut Broken, one_case()).unwrap_err();
    assert!(matches!(broken, MetricsError::Scorer(_)));
    assert_eq!(
        std::error::Error::source(&broken).unwrap().to_string(),
        "device lost"
    );

    let mut scorer = popularity();
    let empty = full.evaluate(&mut scorer, Vec::new());
    assert!(matches!(empty, Err(MetricsError::NothingToEvaluate { .. })));
    let out_of_range = full.evaluate(&mut scorer, vec![EvalCase::leave_one_out(0, vec![], 9)]);
    assert!(matches!(
        out_of_range,
        Err(MetricsError::ItemOutOfRange { item: 9, .. })
    ));
    let no_targets = full.evaluate(&mut scorer, vec![EvalCase::new(0, vec![], vec![])]);
    assert!(matches!(no_targets, Err(MetricsError::EmptyTargets)));

    let settings = [
        (full.clone().with_ks([5, 0]), "ZeroCutoff"),
        (full.clone().with_ks(Vec::new()), "NoCutoffs"),
        (full.clone().with_batch_size(0), "ZeroBatchSize"),
        (Evaluator::new(Protocol::Full, 0), "EmptyCatalog"),
    ];
    for (evaluator, expected) in settings {
        let error = evaluator.evaluate(&mut scorer, one_case()).unwrap_err();
        assert!(format!("{error:?}").starts_with(expected), "{error:?}");
    }

    // 6 items, user touched 3 (history 0, 1 and target 2): only 3 negatives exist.
    let greedy = Evaluator::new(Protocol::Sampled { negatives: 4 }, 6);
    let result = greedy.evaluate(&mut scorer, vec![EvalCase::leave_one_out(5, vec![0, 1], 2)]);
    assert!(matches!(
        result,
        Err(MetricsError::NotEnoughNegatives {
            user: 5,
            needed: 4,
            available: 3
        })
    ));
}

#[test]
fn huge_settings_do_not_preallocate() {
    // Cut-offs and batch sizes beyond any list are legal: everything is a hit at k = usize::MAX.
    let report = Evaluator::new(Protocol::Full, 6)
        .with_ks([usize::MAX])
        .with_batch_size(usize::MAX)
        .evaluate(
            &mut popularity(),
            vec![EvalCase::leave_one_out(0, vec![], 5)],
        )
        .unwrap();
    assert_eq!(report.metric(&format!("HR@{}", usize::MAX)), Some(1.0));
    assert_eq!(
        report.metric(&format!("coverage@{}", usize::MAX)),
        Some(1.0)
    );
}

#[test]
fn report_is_json_and_a_table() {
    let report = Evaluator::new(Protocol::Sampled { negatives: 3 }, 6)
        .with_ks([1, 10])
        .evaluate(
            &mut popularity(),
            vec![EvalCase::leave_one_out(0, vec![5], 0)],
        )
        .unwrap();
    let json: serde_json::Value = serde_json::to_value(&report).unwrap();
    assert_eq!(json["protocol"], "sampled:3");
    assert_eq!(json["seed"], Evaluator::DEFAULT_SEED);
    assert_eq!(json["candidates_per_user"], 4);
    assert_eq!(json["metrics"]["HR@1"], 1.0);
    let table = report.to_string();
    assert!(table.starts_with("protocol sampled:3 (4 candidates per user) · seed 42 · 1 users"));
    assert!(table.contains("NDCG"));
}
