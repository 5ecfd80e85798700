//! Evaluation per task on the held-out test targets, next to the popularity and item-kNN
//! baselines.

use std::collections::BTreeMap;
use std::fmt;

use burn::config::Config;
use burn::prelude::*;
use instructrec_data::{Split, Stage, UserIdx};
use instructrec_instruct::{DatasetGenerator, PreferenceKind, TaskKind, TextTokenizer};
use instructrec_metrics::{
    EvalReport, Evaluator, ItemKnnConfig, ItemKnnScorer, ItemStrata, PointwiseEvaluator,
    PointwiseReport, PopularityScorer, Protocol, Scorer, StratifiedReport,
};
use instructrec_model::heads::MatchingHead;
use instructrec_model::InstructRec;
use instructrec_train::{visible_before, DataConfig, EvalQueries, ModelScorer, TrainError};
use serde::Serialize;

use crate::pointwise::{ModelPointwiseScorer, PointwiseQueries};
use crate::{CoreError, Result};

/// How [`Recommender::evaluate`](crate::Recommender::evaluate) evaluates.
#[derive(Config, Debug)]
pub struct EvaluationOptions {
    /// Which candidates each test target is ranked against (ranking tasks).
    #[config(default = "Protocol::Full")]
    pub protocol: Protocol,
    /// The tasks to evaluate, in report order; [`TaskKind::Pointwise`] reports AUC.
    #[config(default = "TaskKind::ALL.to_vec()")]
    pub tasks: Vec<TaskKind>,
    /// Seed of candidate sampling and shuffling (sampled and rerank protocols).
    #[config(default = 42)]
    pub candidate_seed: u64,
    /// Users scored per batch.
    #[config(default = 256)]
    pub batch_size: usize,
    /// Lower ends of the strata, after the first (which starts at 0), by which the ranking
    /// tasks are broken down by how often their target occurred in training: the default gives
    /// `0` (never seen), `1–4`, `5–19`, `20–99` and `100+`. Empty: no breakdown.
    #[config(default = "vec![1, 5, 20, 100]")]
    pub target_count_bounds: Vec<u32>,
}

impl EvaluationOptions {
    /// Checks the task list (non-empty, no repeats) and the batch size.
    pub fn validate(&self) -> Result<()> {
        if self.tasks.is_empty() {
            return Err(CoreError::config("tasks", "no task to evaluate"));
        }
        for (i, task) in self.tasks.iter().enumerate() {
            if let Some(first) = self.tasks[..i].iter().position(|t| t == task) {
                return Err(CoreError::config(
                    "tasks",
                    format!(
                        "`{task}` is listed twice (positions {} and {})",
                        first + 1,
                        i + 1
                    ),
                ));
            }
        }
        if self.batch_size == 0 {
            return Err(CoreError::config("batch_size", "must be at least 1"));
        }
        Ok(())
    }
}

/// The headline figures of one task, as the JSON reports name them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TaskScores {
    /// A ranking task: the held-out target ranked under the evaluation's protocol.
    Ranking {
        /// Share of users whose target is in the top 10.
        #[serde(rename = "HR@10")]
        hr_at_10: f64,
        /// NDCG@10.
        #[serde(rename = "NDCG@10")]
        ndcg_at_10: f64,
        /// Mean reciprocal rank.
        #[serde(rename = "MRR")]
        mrr: f64,
        /// Users evaluated.
        users: usize,
    },
    /// The pointwise task: "will the user like X?" for each user's target and one item the
    /// user never touched.
    Pointwise {
        /// Area under the ROC curve over all answers (ties count one half).
        #[serde(rename = "AUC")]
        auc: f64,
        /// Users evaluated (two answers each).
        users: usize,
    },
}

impl TaskScores {
    /// Users evaluated.
    pub fn users(&self) -> usize {
        match *self {
            TaskScores::Ranking { users, .. } | TaskScores::Pointwise { users, .. } => users,
        }
    }

    /// A metric by its report name (`HR@10`, `NDCG@10`, `MRR`, `AUC`), if this task has it.
    pub fn metric(&self, name: &str) -> Option<f64> {
        match (*self, name) {
            (TaskScores::Ranking { hr_at_10, .. }, "HR@10") => Some(hr_at_10),
            (TaskScores::Ranking { ndcg_at_10, .. }, "NDCG@10") => Some(ndcg_at_10),
            (TaskScores::Ranking { mrr, .. }, "MRR") => Some(mrr),
            (TaskScores::Pointwise { auc, .. }, "AUC") => Some(auc),
            _ => None,
        }
    }

    fn ranking(report: &EvalReport) -> Self {
        let metric = |name| report.metric(name).unwrap_or(f64::NAN);
        TaskScores::Ranking {
            hr_at_10: metric("HR@10"),
            ndcg_at_10: metric("NDCG@10"),
            mrr: metric("MRR"),
            users: report.users,
        }
    }

    fn pointwise(report: &PointwiseReport, users: usize) -> Self {
        TaskScores::Pointwise {
            auc: report.auc,
            users,
        }
    }
}

impl fmt::Display for TaskScores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskScores::Ranking {
                hr_at_10,
                ndcg_at_10,
                mrr,
                ..
            } => write!(
                f,
                "HR@10 {hr_at_10:.4} · NDCG@10 {ndcg_at_10:.4} · MRR {mrr:.4}"
            ),
            TaskScores::Pointwise { auc, .. } => write!(f, "AUC {auc:.4}"),
        }
    }
}

/// The figures of the test cases whose target occurred a given number of times in training.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetCountStratum {
    /// The range of training interactions, e.g. `1–4` (`0`: items never seen in training).
    pub training_count: String,
    /// The model on these cases.
    pub model: TaskScores,
    /// The popularity baseline on the same cases.
    pub popularity: TaskScores,
    /// The item-kNN baseline on the same cases, for the tasks it is reported for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_knn: Option<TaskScores>,
}

impl TargetCountStratum {
    /// Pairs the model's and the baselines' strata; strata without cases are left out.
    fn from_reports(
        model: &StratifiedReport,
        popularity: &StratifiedReport,
        item_knn: Option<&StratifiedReport>,
    ) -> Vec<Self> {
        model
            .strata
            .iter()
            .enumerate()
            .filter_map(|(index, stratum)| {
                let scores = |report: &StratifiedReport| {
                    report
                        .strata
                        .get(index)?
                        .report
                        .as_ref()
                        .map(TaskScores::ranking)
                };
                Some(TargetCountStratum {
                    training_count: stratum.label.clone(),
                    model: TaskScores::ranking(stratum.report.as_ref()?),
                    popularity: scores(popularity)?,
                    item_knn: item_knn.and_then(scores),
                })
            })
            .collect()
    }
}

/// The result of [`Recommender::evaluate`](crate::Recommender::evaluate): per task, the model's
/// figures and the baselines' on the same test users, under one protocol.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The protocol of the ranking tasks.
    pub protocol: Protocol,
    /// Seed of candidate sampling (sampled and rerank protocols).
    pub candidate_seed: u64,
    /// Seed of the test instructions' wording (and of the pointwise task's negatives).
    pub instruction_seed: u64,
    /// The model, per task.
    pub results: BTreeMap<TaskKind, TaskScores>,
    /// Items ranked by training interactions, per task, on the same users.
    pub popularity: BTreeMap<TaskKind, TaskScores>,
    /// Items ranked by co-occurrence with the user's newest history items
    /// ([`ItemKnnScorer`] with its default settings, fitted on the training sequences), per
    /// ranking task that reads a history, on the same users.
    pub item_knn: BTreeMap<TaskKind, TaskScores>,
    /// Per ranking task, the model and the baselines by how often the target occurred in training
    /// ([`EvaluationOptions::target_count_bounds`]): whether a model ranks long-tail and unseen
    /// targets, or only the popular ones.
    pub by_target_count: BTreeMap<TaskKind, Vec<TargetCountStratum>>,
    /// Tasks the dataset cannot support, with the reason (e.g. no item text to state a search
    /// request from).
    pub skipped: BTreeMap<TaskKind, String>,
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "test stage · protocol {} · candidate seed {} · instruction seed {}",
            self.protocol, self.candidate_seed, self.instruction_seed
        )?;
        for (task, scores) in &self.results {
            writeln!(
                f,
                "{:<20} {:>6} users  {scores}",
                task.key(),
                scores.users()
            )?;
            if let Some(popularity) = self.popularity.get(task) {
                writeln!(f, "{:<20} {:>12}  {popularity}", "  popularity", "")?;
            }
            if let Some(item_knn) = self.item_knn.get(task) {
                writeln!(f, "{:<20} {:>12}  {item_knn}", "  item-kNN", "")?;
            }
            for stratum in self.by_target_count.get(task).into_iter().flatten() {
                let hr = |scores: &TaskScores| scores.metric("HR@10").unwrap_or(f64::NAN);
                write!(
                    f,
                    "{:<20} {:>6} users  {} · popularity HR@10 {:.4}",
                    format!("  target seen {}", stratum.training_count),
                    stratum.model.users(),
                    stratum.model,
                    hr(&stratum.popularity)
                )?;
                if let Some(item_knn) = &stratum.item_knn {
                    write!(f, " · item-kNN {:.4}", hr(item_knn))?;
                }
                writeln!(f)?;
            }
        }
        for (task, reason) in &self.skipped {
            writeln!(f, "{:<20} skipped: {reason}", task.key())?;
        }
        Ok(())
    }
}

/// What an evaluation reads besides the model.
pub(crate) struct EvalInputs<'a> {
    /// The leave-one-out split of the dataset the model was trained on.
    pub split: &'a Split<'a>,
    /// The tokenizer of the instructions.
    pub tokenizer: &'a TextTokenizer,
    /// History and instruction limits, generator settings and the instruction seed.
    pub data: &'a DataConfig,
    /// Training interactions per item (the popularity baseline).
    pub train_counts: &'a [u32],
    /// Protocol, tasks, seed and batch size.
    pub options: &'a EvaluationOptions,
}

/// The figures of one task, or why the data cannot support it.
enum TaskOutcome {
    Scored {
        model: TaskScores,
        popularity: TaskScores,
        item_knn: Option<TaskScores>,
        by_target_count: Vec<TargetCountStratum>,
    },
    Unsupported(String),
}

/// Evaluates an inference `model` with its cached `catalog` matrix on the test stage.
///
/// Instructions for each test target are generated from what precedes the test stage only, with
/// the data config's evaluation seed.
pub(crate) fn evaluate<I: Backend>(
    model: &InstructRec<I>,
    head: &MatchingHead,
    catalog: &Tensor<I, 2>,
    inputs: &EvalInputs<'_>,
    device: &I::Device,
) -> Result<Evaluation> {
    let options = inputs.options;
    options.validate()?;
    let split = inputs.split;
    if split.cases(Stage::Test).next().is_none() {
        return Err(TrainError::NoData(
            "the split holds no test case (every user needs at least 3 interactions)".into(),
        )
        .into());
    }
    let visible = visible_before(split, Some(Stage::Test));
    let generator = DatasetGenerator::new(&visible, inputs.data.generator.clone())?;
    let counts: Vec<u64> = inputs.train_counts.iter().map(|&c| u64::from(c)).collect();
    let mut popularity = PopularityScorer::from_counts(&counts)?;
    let ranks_from_history = |task: TaskKind| {
        task != TaskKind::Pointwise && task.preference() == PreferenceKind::Implicit
    };
    let mut item_knn = if options.tasks.iter().any(|&task| ranks_from_history(task)) {
        let users = split.dataset().num_users() as UserIdx;
        let sequences = (0..users).map(|user| split.train_sequence(user));
        Some(ItemKnnScorer::fit(
            counts.len() as u32,
            sequences,
            ItemKnnConfig::default(),
        )?)
    } else {
        None
    };
    let strata = (!options.target_count_bounds.is_empty())
        .then(|| ItemStrata::by_count(inputs.train_counts, &options.target_count_bounds))
        .transpose()?;
    let evaluator = Evaluator::new(options.protocol, counts.len() as u32)
        .with_seed(options.candidate_seed)
        .with_batch_size(options.batch_size);
    let mut evaluation = Evaluation {
        protocol: options.protocol,
        candidate_seed: options.candidate_seed,
        instruction_seed: inputs.data.eval_seed,
        results: BTreeMap::new(),
        popularity: BTreeMap::new(),
        item_knn: BTreeMap::new(),
        by_target_count: BTreeMap::new(),
        skipped: BTreeMap::new(),
    };
    for &task in &options.tasks {
        let outcome = if task == TaskKind::Pointwise {
            let queries =
                PointwiseQueries::prepare(split, &generator, inputs.tokenizer, inputs.data)?;
            if queries.users() == 0 {
                TaskOutcome::Unsupported(format!(
                    "no test case can be asked as a yes/no question ({} skipped)",
                    queries.skipped()
                ))
            } else {
                let pointwise = PointwiseEvaluator {
                    batch_size: options.batch_size,
                };
                let mut scorer = ModelPointwiseScorer::new(model, catalog, &queries, device);
                let model = pointwise.evaluate(&mut scorer, queries.cases())?;
                let baseline = pointwise.evaluate(&mut popularity, queries.cases())?;
                TaskOutcome::Scored {
                    model: TaskScores::pointwise(&model, queries.users()),
                    popularity: TaskScores::pointwise(&baseline, queries.users()),
                    item_knn: None,
                    by_target_count: Vec::new(),
                }
            }
        } else {
            match EvalQueries::prepare(
                split,
                Stage::Test,
                task,
                &generator,
                inputs.tokenizer,
                inputs.data,
            ) {
                Err(TrainError::NoData(reason)) => TaskOutcome::Unsupported(format!(
                    "{reason}: the dataset lacks what this task's instructions are made from"
                )),
                Err(other) => return Err(other.into()),
                Ok(queries) => {
                    let mut scorer =
                        ModelScorer::new(model, head, catalog.clone(), &queries, device);
                    let strata = strata.as_ref();
                    let model = evaluate_ranking(&evaluator, &mut scorer, &queries, strata)?;
                    let baseline = evaluate_ranking(&evaluator, &mut popularity, &queries, strata)?;
                    let knn = match item_knn.as_mut().filter(|_| ranks_from_history(task)) {
                        Some(knn) => Some(evaluate_ranking(&evaluator, knn, &queries, strata)?),
                        None => None,
                    };
                    let by_target_count =
                        TargetCountStratum::from_reports(&model, &baseline, knn.as_ref());
                    let item_knn = knn.map(|knn| TaskScores::ranking(&knn.overall));
                    TaskOutcome::Scored {
                        model: TaskScores::ranking(&model.overall),
                        popularity: TaskScores::ranking(&baseline.overall),
                        item_knn,
                        by_target_count,
                    }
                }
            }
        };
        match outcome {
            TaskOutcome::Scored {
                model,
                popularity,
                item_knn,
                by_target_count,
            } => {
                evaluation.results.insert(task, model);
                if !by_target_count.is_empty() {
                    evaluation.by_target_count.insert(task, by_target_count);
                }
                evaluation.popularity.insert(task, popularity);
                if let Some(item_knn) = item_knn {
                    evaluation.item_knn.insert(task, item_knn);
                }
            }
            TaskOutcome::Unsupported(reason) => {
                evaluation.skipped.insert(task, reason);
            }
        }
    }
    Ok(evaluation)
}

/// One ranking evaluation of `scorer`, broken down by `strata` when given (else no strata).
fn evaluate_ranking<S: Scorer + ?Sized>(
    evaluator: &Evaluator,
    scorer: &mut S,
    queries: &EvalQueries,
    strata: Option<&ItemStrata>,
) -> Result<StratifiedReport> {
    Ok(match strata {
        Some(strata) => evaluator.evaluate_stratified(scorer, queries.cases(), strata)?,
        None => StratifiedReport {
            overall: evaluator.evaluate(scorer, queries.cases())?,
            strata: Vec::new(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_reject_empty_repeated_tasks_and_zero_batches() {
        EvaluationOptions::new().validate().unwrap();
        let field = |options: EvaluationOptions| match options.validate() {
            Err(CoreError::InvalidConfig { field, message }) => (field, message),
            other => panic!("expected a config error, got {other:?}"),
        };
        assert_eq!(
            field(EvaluationOptions::new().with_tasks(vec![])).0,
            "tasks"
        );
        let (name, message) = field(EvaluationOptions::new().with_tasks(vec![
            TaskKind::Sequential,
            TaskKind::Pointwise,
            TaskKind::Sequential,
        ]));
        assert_eq!(name, "tasks");
        assert!(message.contains("positions 1 and 3"), "{message}");
        assert_eq!(
            field(EvaluationOptions::new().with_batch_size(0)).0,
            "batch_size"
        );
    }

    #[test]
    fn scores_serialize_with_the_report_keys() {
        let ranking = TaskScores::Ranking {
            hr_at_10: 0.5,
            ndcg_at_10: 0.25,
            mrr: 0.125,
            users: 8,
        };
        assert_eq!(
            serde_json::to_value(ranking).unwrap(),
            serde_json::json!({"HR@10": 0.5, "NDCG@10": 0.25, "MRR": 0.125, "users": 8})
        );
        let pointwise = TaskScores::Pointwise {
            auc: 0.75,
            users: 4,
        };
        assert_eq!(
            serde_json::to_value(pointwise).unwrap(),
            serde_json::json!({"AUC": 0.75, "users": 4})
        );
        assert_eq!(ranking.metric("NDCG@10"), Some(0.25));
        assert_eq!(ranking.metric("AUC"), None);
        assert_eq!(pointwise.metric("AUC"), Some(0.75));
        assert_eq!(pointwise.users(), 4);
    }
}
