//! Everything a run trains and validates on, prepared once from a split.

use burn::config::Config;
use instructrec_data::{Dataset, Split, Stage};
use instructrec_fusion::ItemFeatures;
use instructrec_instruct::{
    DatasetGenerator, GeneratorConfig, InstructionGenerator, TaskKind, TextTokenizer,
};

use instructrec_metrics::{Evaluator, PopularityScorer, Protocol};
use rand::seq::SliceRandom;

use crate::examples::ExampleLimits;
use crate::seeding::{rng, Stream};
use crate::{
    visible_before, EvalQueries, Result, TaskMix, TrainError, TrainingExamples, ValidationReport,
};

/// How training examples and evaluation queries are built.
#[derive(Config, Debug, PartialEq)]
pub struct DataConfig {
    /// Tasks, weights and forms of the training examples.
    #[config(default = "TaskMix::new()")]
    pub task_mix: TaskMix,
    /// Longest history window the query tower reads (at most the model's `max_history`).
    #[config(default = 50)]
    pub max_history: usize,
    /// Instruction tokens kept per query (at most the model's `max_instruction_tokens`).
    #[config(default = 32)]
    pub max_instruction_tokens: usize,
    /// Settings of the built-in instruction generator.
    #[config(default = "GeneratorConfig::default()")]
    pub generator: GeneratorConfig,
    /// Seed of the training examples: targets, forms, negatives and instruction wording.
    #[config(default = 42)]
    pub seed: u64,
    /// The tasks validated every epoch; early stopping watches the mean of the monitored metric
    /// over them. Empty (the default): every ranking task the mix trains on. A task the dataset
    /// cannot state instructions for (no text for a search, no reviews for explicit preference)
    /// is left out and reported by [`TrainingData::validation_skipped`].
    #[config(default = "Vec::new()")]
    pub validation_tasks: Vec<TaskKind>,
    /// Validate on at most this many users, drawn once per run from [`seed`](Self::seed)
    /// (`None`: all). Every user is a forward pass of the query tower each epoch; on Amazon
    /// Games a sample of 10,000 of its 31K users (as SASRec's reference code validates on) cuts
    /// validation from ~45 s to ~15 s an epoch. The test stage always ranks every user.
    #[config(default = "None")]
    pub max_validation_users: Option<usize>,
    /// Seed of the evaluation instructions' wording (reported with every evaluation).
    #[config(default = 2023)]
    pub eval_seed: u64,
}

impl DataConfig {
    /// Checks the mixture and the limits.
    pub fn validate(&self) -> Result<()> {
        self.task_mix.validate()?;
        if self.max_history == 0 {
            return Err(TrainError::config("max_history", "must be at least 1"));
        }
        if self.max_instruction_tokens == 0 {
            return Err(TrainError::config(
                "max_instruction_tokens",
                "must be at least 1",
            ));
        }
        if self.max_validation_users == Some(0) {
            return Err(TrainError::config(
                "max_validation_users",
                "must be at least 1 (or unset to validate on every user)",
            ));
        }
        if self.validation_tasks.contains(&TaskKind::Pointwise) {
            return Err(TrainError::config(
                "validation_tasks",
                "validation ranks the catalog; the pointwise task cannot be validated that way",
            ));
        }
        if self.validated_tasks().is_empty() {
            return Err(TrainError::config(
                "validation_tasks",
                "the mix trains only the pointwise task; name a ranking task to validate",
            ));
        }
        let mut distinct = self.validation_tasks.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() != self.validation_tasks.len() {
            return Err(TrainError::config(
                "validation_tasks",
                format!("a task is listed twice: {:?}", self.validation_tasks),
            ));
        }
        self.generator
            .validate()
            .map_err(|e| TrainError::config("generator", e.to_string()))
    }
}

impl DataConfig {
    /// The tasks to validate: [`validation_tasks`](Self::validation_tasks), or when empty the
    /// ranking tasks the mix trains on.
    pub fn validated_tasks(&self) -> Vec<TaskKind> {
        if self.validation_tasks.is_empty() {
            self.task_mix
                .active()
                .filter(|&task| task != TaskKind::Pointwise)
                .collect()
        } else {
            self.validation_tasks.clone()
        }
    }
}

/// `cap` users with a validation case drawn uniformly, as a mask over user ids; `None` when no
/// more than `cap` users have one.
fn sample_validation_users(split: &Split<'_>, cap: usize, seed: u64) -> Option<Vec<bool>> {
    let mut users: Vec<u32> = split
        .cases(Stage::Validation)
        .map(|case| case.user)
        .collect();
    if users.len() <= cap {
        return None;
    }
    users.shuffle(&mut rng(seed, Stream::ValidationUsers, 0));
    let mut keep = vec![false; split.dataset().num_users()];
    for &user in &users[..cap] {
        keep[user as usize] = true;
    }
    Some(keep)
}

/// The prepared data of a run: training examples, validation queries and the item features.
#[derive(Debug, Clone)]
pub struct TrainingData {
    config: DataConfig,
    examples: TrainingExamples,
    validation: Vec<EvalQueries>,
    validation_skipped: Vec<(TaskKind, String)>,
    features: ItemFeatures,
    tokenizer: TextTokenizer,
    train_counts: Vec<u32>,
}

impl TrainingData {
    /// Prepares the data of `split` with the built-in generator ([`DataConfig::generator`]),
    /// built on the training part only.
    ///
    /// `features` are the catalog's item features (as the model's item tower reads them); items
    /// without a training interaction are marked unknown there, so their vectors come from
    /// content alone (cold start).
    pub fn prepare(
        split: &Split<'_>,
        features: ItemFeatures,
        tokenizer: &TextTokenizer,
        config: &DataConfig,
    ) -> Result<Self> {
        config.validate()?;
        let train = visible_before(split, None);
        let generator = DatasetGenerator::new(&train, config.generator.clone())?;
        Self::build(split, &train, &generator, features, tokenizer, config)
    }

    /// Prepares the data of `split` with any generator.
    ///
    /// The generator words both the training examples and the validation instructions, so it
    /// must read only the training part ([`visible_before(split, None)`](visible_before)).
    pub fn prepare_with_generator(
        split: &Split<'_>,
        generator: &dyn InstructionGenerator,
        features: ItemFeatures,
        tokenizer: &TextTokenizer,
        config: &DataConfig,
    ) -> Result<Self> {
        config.validate()?;
        let train = visible_before(split, None);
        Self::build(split, &train, generator, features, tokenizer, config)
    }

    fn build(
        split: &Split<'_>,
        train: &Dataset,
        generator: &dyn InstructionGenerator,
        mut features: ItemFeatures,
        tokenizer: &TextTokenizer,
        config: &DataConfig,
    ) -> Result<Self> {
        let num_items = split.dataset().num_items();
        if features.num_items() != num_items {
            return Err(TrainError::config(
                "features",
                format!(
                    "item features of {} items for a catalog of {num_items}",
                    features.num_items()
                ),
            ));
        }
        let train_counts = train.item_counts();
        let known: Vec<bool> = train_counts.iter().map(|&count| count > 0).collect();
        features
            .set_known_items(&known)
            .map_err(|e| TrainError::config("features", e.to_string()))?;
        let examples = TrainingExamples::prepare(
            train,
            generator,
            tokenizer,
            ExampleLimits {
                mix: &config.task_mix,
                max_history: config.max_history,
                max_instruction_tokens: config.max_instruction_tokens,
                seed: config.seed,
            },
        )?;
        let mut validation = Vec::new();
        let mut validation_skipped = Vec::new();
        let validation_users = config
            .max_validation_users
            .and_then(|cap| sample_validation_users(split, cap, config.seed));
        for task in config.validated_tasks() {
            match EvalQueries::prepare_for_users(
                split,
                Stage::Validation,
                task,
                generator,
                tokenizer,
                config,
                validation_users.as_deref(),
            ) {
                Ok(queries) => validation.push(queries),
                Err(TrainError::NoData(reason)) => validation_skipped.push((task, reason)),
                Err(other) => return Err(other),
            }
        }
        if validation.is_empty() {
            return Err(TrainError::NoData(format!(
                "no validation task can be asked of this dataset: {validation_skipped:?}"
            )));
        }
        Ok(Self {
            config: config.clone(),
            examples,
            validation,
            validation_skipped,
            features,
            tokenizer: tokenizer.clone(),
            train_counts,
        })
    }

    /// The settings it was prepared with.
    pub fn config(&self) -> &DataConfig {
        &self.config
    }

    /// The training examples.
    pub fn examples(&self) -> &TrainingExamples {
        &self.examples
    }

    /// The validation queries, one set per validated task.
    pub fn validation(&self) -> &[EvalQueries] {
        &self.validation
    }

    /// The configured validation tasks left out, each with the reason (the dataset lacks what
    /// their instructions are made from).
    pub fn validation_skipped(&self) -> &[(TaskKind, String)] {
        &self.validation_skipped
    }

    /// The item features (items without a training interaction marked unknown).
    pub fn features(&self) -> &ItemFeatures {
        &self.features
    }

    /// The tokenizer of the instructions (evaluation words its instructions with it too).
    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }

    /// Catalog size.
    pub fn num_items(&self) -> usize {
        self.train_counts.len()
    }

    /// Training interactions per item (index = item id).
    pub fn train_counts(&self) -> &[u32] {
        &self.train_counts
    }

    /// The popularity baseline on the validation queries under `protocol`: items ranked by
    /// training interactions, the floor every model must beat.
    pub fn popularity_baseline(
        &self,
        protocol: Protocol,
        candidate_seed: u64,
    ) -> Result<ValidationReport> {
        let counts: Vec<u64> = self.train_counts.iter().map(|&c| u64::from(c)).collect();
        let mut popularity = PopularityScorer::from_counts(&counts)?;
        let evaluator = Evaluator::new(protocol, counts.len() as u32).with_seed(candidate_seed);
        let reports = self
            .validation
            .iter()
            .map(|queries| {
                Ok((
                    queries.task(),
                    evaluator.evaluate(&mut popularity, queries.cases())?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ValidationReport::from_reports(reports))
    }
}
