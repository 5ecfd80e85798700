//! End-to-end training runs on a small synthetic dataset: learning beats popularity, runs are
//! deterministic, an interrupted run resumes to the uninterrupted result, bad configs are errors.

use std::sync::{Mutex, MutexGuard};

use burn::backend::{Autodiff, Flex};
use burn::tensor::backend::Backend;
use instructrec_data::{Dataset, Split, Stage, SyntheticConfig};
use instructrec_fusion::{ItemFeatures, ItemFeaturesConfig, ItemTowerConfig, Modalities};
use instructrec_instruct::{TaskKind, TextTokenizer, TokenizerTrainingConfig, TrainingCorpus};
use instructrec_metrics::Protocol;
use instructrec_model::text::ScratchTextEncoderConfig;
use instructrec_model::{
    InstructRec, InstructRecConfig, InstructionEncoderConfig, QueryTowerConfig,
};
use instructrec_train::{
    evaluate, visible_before, DataConfig, EpochControl, EpochRecord, EvaluationConfig,
    LrScheduleConfig, ProgressMode, StopReason, TaskMix, TrainError, Trainer, TrainerConfig,
    TrainingData,
};

type A = Autodiff<Flex>;

/// burn's CPU backends keep one process-wide random generator: runs that must be reproducible
/// cannot share it with a concurrent test. Every test that seeds it or draws from it (building a
/// model, training) holds this lock for its whole duration.
static BACKEND_RNG: Mutex<()> = Mutex::new(());

/// The guard of [`BACKEND_RNG`]. A test that panicked while holding it poisons it harmlessly: the
/// next holder reseeds the generator anyway.
fn lock_backend_rng() -> MutexGuard<'static, ()> {
    BACKEND_RNG.lock().unwrap_or_else(|e| e.into_inner())
}

struct Fixture {
    dataset: Dataset,
    tokenizer: TextTokenizer,
}

impl Fixture {
    fn new(num_users: usize, num_items: usize) -> Self {
        let dataset = SyntheticConfig {
            num_users,
            num_items,
            num_categories: 6,
            mean_interactions: 24.0,
            ..SyntheticConfig::default()
        }
        .generate()
        .unwrap();
        let tokenizer = {
            let split = Split::leave_one_out(&dataset).unwrap();
            let corpus = TrainingCorpus::from_dataset(&visible_before(&split, None));
            let config = TokenizerTrainingConfig {
                vocab_size: 800,
                max_len: 32,
                ..TokenizerTrainingConfig::default()
            };
            TextTokenizer::train(&corpus, &config).unwrap()
        };
        Self { dataset, tokenizer }
    }

    fn split(&self) -> Split<'_> {
        Split::leave_one_out(&self.dataset).unwrap()
    }

    fn features(&self) -> ItemFeatures {
        let tokenize = |text: &str| self.tokenizer.encode(text).unwrap();
        ItemFeatures::from_catalog(&self.dataset.catalog, &ItemFeaturesConfig::new(), tokenize)
            .unwrap()
    }

    fn data(&self, config: &DataConfig) -> TrainingData {
        TrainingData::prepare(&self.split(), self.features(), &self.tokenizer, config).unwrap()
    }

    /// A small model whose item tower shares its token embedding with the instructions.
    ///
    /// It reseeds the process-wide backend generator, so it asks for the [`BACKEND_RNG`] guard:
    /// no test can build one without holding the lock.
    fn model(&self, _rng: &MutexGuard<'_, ()>, data: &TrainingData, seed: u64) -> InstructRec<A> {
        let device = Default::default();
        let mut dims = data.features().dims();
        dims.vocab_size = self.tokenizer.vocab_size();
        let item_tower =
            ItemTowerConfig::new(32, dims, Modalities::available(&dims)).with_dropout(0.1);
        let query_tower = QueryTowerConfig::new(32)
            .with_n_layers(1)
            .with_d_ff(64)
            .with_dropout(0.1)
            .with_max_history(data.config().max_history)
            .with_max_instruction_tokens(data.config().max_instruction_tokens);
        A::seed(&device, seed);
        InstructRecConfig::new(item_tower, query_tower)
            .init(&device)
            .unwrap()
    }
}

fn data_config() -> DataConfig {
    DataConfig::new()
        .with_max_history(12)
        .with_max_instruction_tokens(24)
        .with_task_mix(TaskMix::new().with_rerank_candidates(8))
}

/// Validation NDCG@10 of the popularity ranking, full protocol.
fn popularity_ndcg(data: &TrainingData) -> f64 {
    data.popularity_baseline(Protocol::Full, 42)
        .unwrap()
        .metric("NDCG@10")
        .unwrap()
}

/// Asserts that two runs agree, epoch by epoch, to the last bit of their loss and metrics.
fn assert_same_epochs(a: &[EpochRecord], b: &[EpochRecord]) {
    for (a, b) in a.iter().zip(b) {
        assert_eq!(a.train_loss, b.train_loss, "epoch {}", a.epoch);
        assert_eq!(a.val, b.val, "epoch {}", a.epoch);
    }
}

fn trainer_config(data: DataConfig) -> TrainerConfig {
    TrainerConfig::new()
        .with_data(data)
        .with_batch_size(64)
        .with_schedule(
            LrScheduleConfig::new()
                .with_peak_lr(5e-3)
                .with_warmup_ratio(0.05),
        )
        .with_progress(ProgressMode::Silent)
}

#[test]
fn validation_ndcg_rises_above_popularity() {
    let rng = lock_backend_rng();
    let fixture = Fixture::new(200, 150);
    let data = fixture.data(&data_config());
    let popularity = popularity_ndcg(&data);
    let config = trainer_config(data_config())
        .with_max_epochs(8)
        .with_patience(3);
    let outcome = Trainer::new(config)
        .unwrap()
        .fit(fixture.model(&rng, &data, 1), &data, &Default::default())
        .unwrap();
    let best = outcome.best_metrics["NDCG@10"];
    let first = outcome.history[0].val["NDCG@10"];
    eprintln!(
        "popularity {popularity:.4}, first epoch {first:.4}, best {best:.4} at epoch {:?}, \
         {:.1}s, {:.0} seq/s, peak {:?} MiB",
        outcome.best_epoch, outcome.seconds, outcome.sequences_per_second, outcome.peak_rss_mb
    );
    assert!(
        best > popularity * 1.1,
        "best {best} vs popularity {popularity}"
    );
    assert!(outcome.history.last().unwrap().train_loss < outcome.history[0].train_loss);
    assert!(outcome.sequences_per_second > 0.0);
    // Every ranking task of the mix is validated, and early stopping reads their mean.
    let validated: Vec<TaskKind> = data.validation().iter().map(|q| q.task()).collect();
    assert_eq!(validated, data.config().validated_tasks());
    assert!(validated.len() > 1 && validated.contains(&TaskKind::Sequential));
    for record in &outcome.history {
        let per_task: Vec<f64> = record.val_tasks.values().map(|m| m["NDCG@10"]).collect();
        assert_eq!(per_task.len(), validated.len());
        let mean = per_task.iter().sum::<f64>() / per_task.len() as f64;
        assert!((record.val["NDCG@10"] - mean).abs() < 1e-12);
    }

    // Per-task evaluation of the best model on the test stage, with the reported seed.
    let device = Default::default();
    let valid = burn::module::AutodiffModule::valid(&outcome.model);
    let head = TrainerConfig::new().matching.init().unwrap();
    let reports = evaluate(
        &valid,
        &head,
        &data,
        &fixture.split(),
        Stage::Test,
        &EvaluationConfig::default(),
        &device,
    )
    .unwrap();
    assert_eq!(reports.len(), 5);
    for report in &reports {
        assert!(report.users > 0, "{:?}", report.task);
        assert!((0.0..=1.0).contains(&report.ndcg_at_10));
        assert_eq!(report.instruction_seed, data.config().eval_seed);
        assert_eq!(report.report.protocol, Protocol::Full);
    }
    let sequential = reports
        .iter()
        .find(|r| r.task == TaskKind::Sequential)
        .unwrap();
    assert!(sequential.ndcg_at_10 > 0.0);
}

#[test]
fn validation_users_can_be_capped_to_one_seeded_sample_for_every_task() {
    use std::collections::BTreeSet;
    let fixture = Fixture::new(120, 80);
    let users = |config: &DataConfig| -> Vec<BTreeSet<u32>> {
        fixture
            .data(config)
            .validation()
            .iter()
            .map(|queries| queries.cases().map(|case| case.user).collect())
            .collect()
    };
    let all = users(&data_config());
    assert_eq!(all[0].len(), 120, "every user has a validation case");
    let capped = users(&data_config().with_max_validation_users(Some(30)));
    assert_eq!(capped.len(), all.len(), "every task is still validated");
    let sample = &capped[0];
    assert_eq!(sample.len(), 30);
    // One sample of users for every task (a task may skip a case it cannot state).
    assert!(capped.iter().all(|task| task.is_subset(sample)));
    assert!(capped.iter().skip(1).any(|task| !task.is_empty()));
    assert_eq!(
        capped,
        users(&data_config().with_max_validation_users(Some(30)))
    );
    let other_seed = users(
        &data_config()
            .with_max_validation_users(Some(30))
            .with_seed(9),
    );
    assert_ne!(other_seed[0], *sample, "the sample follows the run's seed");
    // A cap above the number of users keeps them all.
    assert_eq!(
        users(&data_config().with_max_validation_users(Some(500))),
        all
    );
}

#[test]
fn the_model_scorer_scores_candidates_as_their_columns_of_the_full_scores() {
    use burn::module::AutodiffModule;
    use instructrec_metrics::Scorer;
    use instructrec_model::heads::MatchingHeadConfig;
    use instructrec_train::ModelScorer;

    let fixture = Fixture::new(40, 60);
    let data = fixture.data(&data_config());
    let model = {
        let rng = lock_backend_rng();
        fixture.model(&rng, &data, 3).valid()
    };
    let device = Default::default();
    let head = MatchingHeadConfig::new().init().unwrap();
    let catalog = model.encode_catalog(data.features(), 16, &device).unwrap();
    let queries = &data.validation()[0];
    let mut scorer = ModelScorer::new(&model, &head, catalog, queries, &device);
    let cases: Vec<_> = queries.cases().take(5).collect();
    let candidates: Vec<Vec<u32>> = (0..cases.len() as u32)
        .map(|row| vec![(7 * row) % 60, 59 - row, row, (row * row + 11) % 60])
        .collect();
    let all = scorer.score_all(&cases).unwrap();
    let picked = scorer.score_candidates(&cases, &candidates).unwrap();
    assert_eq!(picked.len(), cases.len());
    for (row, (items, scores)) in candidates.iter().zip(&picked).enumerate() {
        for (&item, &score) in items.iter().zip(scores) {
            let expected = all[row * 60 + item as usize];
            assert!(
                (score - expected).abs() <= 1e-4 * expected.abs().max(1.0),
                "case {row}, item {item}: {score} vs {expected}"
            );
        }
    }
    let ragged = vec![vec![0, 1], vec![2]];
    assert!(scorer.score_candidates(&cases[..2], &ragged).is_err());
    assert!(scorer.score_candidates(&cases[..2], &candidates).is_err());
}

#[test]
fn same_seed_same_metrics_and_resume_matches_an_uninterrupted_run() {
    let rng = lock_backend_rng();
    let fixture = Fixture::new(50, 80);
    let data = fixture.data(&data_config());
    let dirs = tempfile::tempdir().unwrap();
    let run_dir = |name: &str| Some(dirs.path().join(name).to_string_lossy().into_owned());
    let config = |dir: &str| {
        trainer_config(data_config())
            .with_max_epochs(3)
            .with_patience(10)
            .with_run_dir(run_dir(dir))
    };
    let device = Default::default();

    let full = Trainer::new(config("full"))
        .unwrap()
        .fit(fixture.model(&rng, &data, 7), &data, &device)
        .unwrap();
    let again = Trainer::new(config("again"))
        .unwrap()
        .fit(fixture.model(&rng, &data, 7), &data, &device)
        .unwrap();
    assert_eq!(full.stop, StopReason::MaxEpochs);
    assert_eq!(full.history.len(), 3);
    assert_same_epochs(&full.history, &again.history);

    // Interrupted after the first epoch, then resumed (with a fresh model object).
    let interrupted = Trainer::new(config("resumed"))
        .unwrap()
        .on_epoch(|_| EpochControl::Stop)
        .fit(fixture.model(&rng, &data, 7), &data, &device)
        .unwrap();
    assert_eq!(interrupted.stop, StopReason::Interrupted);
    assert_eq!(interrupted.history.len(), 1);
    let resumed = Trainer::new(config("resumed"))
        .unwrap()
        .resume(fixture.model(&rng, &data, 99), &data, &device)
        .unwrap();
    assert_eq!(resumed.history.len(), 3);
    assert_same_epochs(&full.history, &resumed.history);
    assert_eq!(full.best_epoch, resumed.best_epoch);
    let log = std::fs::read_to_string(dirs.path().join("resumed/metrics.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 3);

    // A finished run resumes to its outcome; a used run directory refuses a fresh fit; a changed
    // config refuses to resume.
    let finished = Trainer::new(config("resumed"))
        .unwrap()
        .resume(fixture.model(&rng, &data, 99), &data, &device)
        .unwrap();
    assert_eq!(finished.history.len(), 3);
    assert_eq!(finished.stop, StopReason::MaxEpochs);
    assert_eq!(finished.best_metrics, full.best_metrics);
    assert!(matches!(
        Trainer::new(config("full"))
            .unwrap()
            .fit(fixture.model(&rng, &data, 7), &data, &device),
        Err(TrainError::Checkpoint { .. })
    ));
    assert!(matches!(
        Trainer::new(config("full").with_batch_size(32))
            .unwrap()
            .resume(fixture.model(&rng, &data, 7), &data, &device),
        Err(TrainError::Checkpoint { .. })
    ));
}

#[test]
fn history_substitution_changes_training_reproducibly_and_still_learns() {
    let rng = lock_backend_rng();
    let fixture = Fixture::new(200, 150);
    let data = fixture.data(&data_config());
    let device = Default::default();
    let train = |share: f64| {
        let config = trainer_config(data_config())
            .with_max_epochs(6)
            .with_patience(10)
            .with_replicas(2)
            .with_history_substitution(share);
        Trainer::new(config)
            .unwrap()
            .fit(fixture.model(&rng, &data, 3), &data, &device)
            .unwrap()
    };
    let substituted = train(0.2);
    let again = train(0.2);
    assert_same_epochs(&substituted.history, &again.history);
    let plain = train(0.0);
    assert_ne!(
        substituted.history[0].train_loss, plain.history[0].train_loss,
        "the substitution reached the histories"
    );
    let first = &substituted.history[0];
    let last = substituted.history.last().unwrap();
    assert!(last.train_loss < first.train_loss, "{first:?} -> {last:?}");
    let (best, plain_best) = (
        substituted.best_metrics["NDCG@10"],
        plain.best_metrics["NDCG@10"],
    );
    eprintln!("substituted {best:.4}, plain {plain_best:.4}");
    assert!(
        best > 0.9 * plain_best,
        "best {best} vs no substitution {plain_best}"
    );
}

#[test]
fn replicas_on_parallel_threads_train_reproducibly() {
    let rng = lock_backend_rng();
    let fixture = Fixture::new(200, 150);
    let data = fixture.data(&data_config());
    let popularity = popularity_ndcg(&data);
    let device = Default::default();
    let train = |replicas: usize| {
        let config = trainer_config(data_config())
            .with_max_epochs(8)
            .with_patience(10)
            .with_replicas(replicas);
        Trainer::new(config)
            .unwrap()
            .fit(fixture.model(&rng, &data, 3), &data, &device)
            .unwrap()
    };
    let parallel = train(3);
    let again = train(3);
    // Each part's dropout and negatives follow from the seed, the step and the part, whatever
    // order the threads run in.
    assert_same_epochs(&parallel.history, &again.history);
    let first = &parallel.history[0];
    let last = parallel.history.last().unwrap();
    assert!(last.train_loss < first.train_loss, "{first:?} -> {last:?}");
    // The parts' losses and negatives differ from one whole batch's, so the runs differ too, but
    // they learn as well.
    let single = train(1);
    assert_ne!(single.history[0].train_loss, first.train_loss);
    let (best, single_best) = (
        parallel.best_metrics["NDCG@10"],
        single.best_metrics["NDCG@10"],
    );
    eprintln!("popularity {popularity:.4}, 3 replicas {best:.4}, 1 replica {single_best:.4}");
    assert!(best > popularity, "best {best} vs popularity {popularity}");
    assert!(
        best > 0.9 * single_best,
        "best {best} vs one replica {single_best}"
    );
}

#[test]
fn bad_configs_and_mismatched_data_are_errors() {
    // Held throughout: building models draws from the backend generator too.
    let rng = lock_backend_rng();
    let fixture = Fixture::new(30, 60);
    let data = fixture.data(&data_config());
    let device = Default::default();
    let field = |result: Result<_, TrainError>| match result {
        Err(TrainError::InvalidConfig { field, .. }) => field,
        Err(other) => panic!("expected a config error, got {other}"),
        Ok(_) => panic!("expected a config error"),
    };
    assert_eq!(
        field(Trainer::new(trainer_config(data_config()).with_batch_size(0)).map(|_| ())),
        "batch_size"
    );
    // Data prepared with other settings than the config's.
    let other = trainer_config(data_config().with_seed(5));
    let model = fixture.model(&rng, &data, 1);
    assert_eq!(
        field(
            Trainer::new(other)
                .unwrap()
                .fit(model, &data, &device)
                .map(|_| ())
        ),
        "data"
    );
    // Validation tasks the ranking cannot validate, or listed twice.
    for tasks in [
        vec![TaskKind::Pointwise],
        vec![TaskKind::Sequential, TaskKind::Sequential],
    ] {
        let config = data_config().with_validation_tasks(tasks);
        assert_eq!(field(config.validate()), "validation_tasks");
    }
    let config = data_config().with_max_validation_users(Some(0));
    assert_eq!(field(config.validate()), "max_validation_users");
    // So many epochs that the run's step count overflows.
    let endless = trainer_config(data_config())
        .with_batch_size(1)
        .with_max_epochs(usize::MAX);
    assert_eq!(
        field(
            Trainer::new(endless)
                .unwrap()
                .fit(fixture.model(&rng, &data, 1), &data, &device)
                .map(|_| ())
        ),
        "max_epochs"
    );
    // A validation protocol that asks for more negatives than the catalog leaves, refused before
    // any training.
    let greedy = trainer_config(data_config()).with_protocol(Protocol::Sampled {
        negatives: data.num_items(),
    });
    assert_eq!(
        field(
            Trainer::new(greedy)
                .unwrap()
                .fit(fixture.model(&rng, &data, 1), &data, &device)
                .map(|_| ())
        ),
        "protocol"
    );
    // Hiding item IDs: a share outside [0, 1), and a model with nothing but the ID to fall back on.
    assert_eq!(
        field(Trainer::new(trainer_config(data_config()).with_id_dropout(1.5)).map(|_| ())),
        "id_dropout"
    );
    let id_only = {
        let mut dims = data.features().dims();
        dims.vocab_size = fixture.tokenizer.vocab_size();
        let item = ItemTowerConfig::new(16, dims, Modalities::id_only());
        let query = QueryTowerConfig::new(16).with_max_instruction_tokens(24);
        let instruction = ScratchTextEncoderConfig::new(fixture.tokenizer.vocab_size())
            .with_d_model(16)
            .with_n_layers(1)
            .with_n_heads(2)
            .with_d_ff(32)
            .with_max_len(24);
        InstructRecConfig::new(item, query)
            .with_instruction(InstructionEncoderConfig::Scratch(instruction))
            .init::<A>(&device)
            .unwrap()
    };
    assert_eq!(
        field(
            Trainer::new(trainer_config(data_config()).with_id_dropout(0.2))
                .unwrap()
                .fit(id_only, &data, &device)
                .map(|_| ())
        ),
        "id_dropout"
    );
    // A model whose history window is shorter than the data's.
    let short = {
        let mut dims = data.features().dims();
        dims.vocab_size = fixture.tokenizer.vocab_size();
        let item = ItemTowerConfig::new(16, dims, Modalities::available(&dims));
        let query = QueryTowerConfig::new(16)
            .with_max_history(4)
            .with_max_instruction_tokens(24);
        InstructRecConfig::new(item, query)
            .init::<A>(&device)
            .unwrap()
    };
    assert_eq!(
        field(
            Trainer::new(trainer_config(data_config()))
                .unwrap()
                .fit(short, &data, &device)
                .map(|_| ())
        ),
        "max_history"
    );
    // Resuming without a run directory, or from an empty one.
    let model = fixture.model(&rng, &data, 1);
    assert_eq!(
        field(
            Trainer::new(trainer_config(data_config()))
                .unwrap()
                .resume(model, &data, &device)
                .map(|_| ())
        ),
        "run_dir"
    );
    let empty = tempfile::tempdir().unwrap();
    let config = trainer_config(data_config())
        .with_run_dir(Some(empty.path().to_string_lossy().into_owned()));
    assert!(matches!(
        Trainer::new(config)
            .unwrap()
            .resume(fixture.model(&rng, &data, 1), &data, &device),
        Err(TrainError::Checkpoint { .. })
    ));
}

/// Set in the child process of [`a_killed_run_resumes_where_it_stopped`]: the run directory the
/// child trains into until it is killed.
const CRASH_RUN_DIR: &str = "INSTRUCTREC_TEST_CRASH_RUN_DIR";

/// A run killed with SIGKILL part-way (mid-epoch or mid-write: wherever the signal lands) resumes
/// from its last committed epoch and ends exactly as an uninterrupted run.
#[test]
fn a_killed_run_resumes_where_it_stopped() {
    let rng = lock_backend_rng();
    let fixture = Fixture::new(50, 80);
    let data = fixture.data(&data_config());
    let device = Default::default();
    let config = |dir: &std::path::Path| {
        trainer_config(data_config())
            .with_max_epochs(4)
            .with_patience(10)
            .with_run_dir(Some(dir.to_string_lossy().into_owned()))
    };
    if let Some(dir) = std::env::var_os(CRASH_RUN_DIR) {
        // The child: train until the parent kills it.
        let dir = std::path::PathBuf::from(dir);
        Trainer::new(config(&dir))
            .unwrap()
            .fit(fixture.model(&rng, &data, 7), &data, &device)
            .unwrap();
        return;
    }
    let dirs = tempfile::tempdir().unwrap();
    let (killed_dir, full_dir) = (dirs.path().join("killed"), dirs.path().join("full"));
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_killed_run_resumes_where_it_stopped",
            "--test-threads",
            "1",
        ])
        .env(CRASH_RUN_DIR, &killed_dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill as soon as the first epoch is logged: the child is then in its second epoch.
    let log = killed_dir.join("metrics.jsonl");
    let started = std::time::Instant::now();
    while std::fs::read_to_string(&log).map_or(true, |text| text.lines().count() == 0) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the child ended before it was killed"
        );
        assert!(
            started.elapsed().as_secs() < 300,
            "the child never logged an epoch"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let logged = std::fs::read_to_string(&log).unwrap().lines().count();
    assert!(
        logged < 4,
        "the child finished ({logged} epochs) before the kill"
    );

    let resumed = Trainer::new(config(&killed_dir))
        .unwrap()
        .resume(fixture.model(&rng, &data, 99), &data, &device)
        .unwrap();
    let full = Trainer::new(config(&full_dir))
        .unwrap()
        .fit(fixture.model(&rng, &data, 7), &data, &device)
        .unwrap();
    assert_eq!(resumed.history.len(), 4);
    assert_same_epochs(&full.history, &resumed.history);
    assert_eq!(full.best_epoch, resumed.best_epoch);
}
