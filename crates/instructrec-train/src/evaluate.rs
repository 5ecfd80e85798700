//! Evaluation per task: instructions generated for each held-out target (with a fixed, reported
//! seed), ranked by the model under a protocol.

use burn::prelude::*;
use instructrec_data::{Split, Stage};
use instructrec_instruct::{DatasetGenerator, TaskKind};
use instructrec_metrics::{EvalReport, Evaluator, Protocol};
use instructrec_model::{InstructRec, RecommenderHead};
use serde::{Deserialize, Serialize};

use crate::{visible_before, EvalQueries, ModelScorer, Result, TrainError, TrainingData};

/// Items encoded per batch when the catalog matrix is computed.
pub(crate) const CATALOG_BATCH: usize = 4096;

/// How a held-out stage is evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationConfig {
    /// Which candidates each target is ranked against.
    pub protocol: Protocol,
    /// The tasks to evaluate (ranking tasks: every kind but pointwise).
    pub tasks: Vec<TaskKind>,
    /// Seed of candidate sampling (sampled and rerank protocols).
    pub candidate_seed: u64,
    /// Users scored per batch.
    pub batch_size: usize,
}

impl Default for EvaluationConfig {
    fn default() -> Self {
        Self {
            protocol: Protocol::Full,
            tasks: TaskKind::ALL
                .into_iter()
                .filter(|&task| task != TaskKind::Pointwise)
                .collect(),
            candidate_seed: Evaluator::DEFAULT_SEED,
            batch_size: Evaluator::DEFAULT_BATCH_SIZE,
        }
    }
}

/// The result of one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskReport {
    /// The task.
    pub task: TaskKind,
    /// HR@10 (= Recall@10 with one target).
    pub hr_at_10: f64,
    /// NDCG@10.
    pub ndcg_at_10: f64,
    /// Mean reciprocal rank.
    pub mrr: f64,
    /// Users evaluated.
    pub users: usize,
    /// Users left out because their instruction could not be stated (e.g. no review for an
    /// explicit preference).
    pub skipped_users: usize,
    /// Seed of the instructions' wording.
    pub instruction_seed: u64,
    /// Every metric, with the protocol and the candidate seed.
    pub report: EvalReport,
}

impl TaskReport {
    fn new(queries: &EvalQueries, report: EvalReport) -> Self {
        let metric = |name| report.metric(name).unwrap_or(f64::NAN);
        Self {
            task: queries.task(),
            hr_at_10: metric("HR@10"),
            ndcg_at_10: metric("NDCG@10"),
            mrr: metric("MRR"),
            users: report.users,
            skipped_users: queries.skipped(),
            instruction_seed: queries.seed(),
            report,
        }
    }
}

/// Evaluates `model` (an inference model: `trained.valid()`) on `stage` of `split` for every task
/// of `config`, ranking with `head`'s score.
///
/// `data` is what the model was trained on: its item features, tokenizer and
/// [`DataConfig`](crate::DataConfig). Instructions are generated for each held-out target by the
/// built-in generator ([`DataConfig::generator`](crate::DataConfig::generator)) built on what
/// precedes the stage, worded with [`DataConfig::eval_seed`](crate::DataConfig::eval_seed), and
/// cut to the data config's limits.
pub fn evaluate<B: Backend, H: RecommenderHead<B>>(
    model: &InstructRec<B>,
    head: &H,
    data: &TrainingData,
    split: &Split<'_>,
    stage: Stage,
    config: &EvaluationConfig,
    device: &B::Device,
) -> Result<Vec<TaskReport>> {
    if config.tasks.is_empty() {
        return Err(TrainError::config("tasks", "no task to evaluate"));
    }
    let visible = visible_before(split, Some(stage));
    let generator = DatasetGenerator::new(&visible, data.config().generator.clone())?;
    let catalog = model.encode_catalog(data.features(), CATALOG_BATCH, device)?;
    let evaluator = Evaluator::new(config.protocol, split.dataset().num_items() as u32)
        .with_seed(config.candidate_seed)
        .with_batch_size(config.batch_size);
    config
        .tasks
        .iter()
        .map(|&task| {
            let queries = EvalQueries::prepare(
                split,
                stage,
                task,
                &generator,
                data.tokenizer(),
                data.config(),
            )?;
            let report = rank(model, head, catalog.clone(), &queries, &evaluator, device)?;
            Ok(TaskReport::new(&queries, report))
        })
        .collect()
}

/// Ranks the cases of `queries` with `model` and its cached `catalog` matrix.
pub(crate) fn rank<B: Backend, H: RecommenderHead<B>>(
    model: &InstructRec<B>,
    head: &H,
    catalog: Tensor<B, 2>,
    queries: &EvalQueries,
    evaluator: &Evaluator,
    device: &B::Device,
) -> Result<EvalReport> {
    let mut scorer = ModelScorer::new(model, head, catalog, queries, device);
    Ok(evaluator.evaluate(&mut scorer, queries.cases())?)
}
