//! The training loop: AdamW with warmup and decay, global-norm clipping, validation every epoch,
//! early stopping, best-model keeping, checkpoints and resume.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Instant;

use burn::module::AutodiffModule;
use burn::optim::{AdamWConfig, Optimizer};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use instructrec_fusion::ItemFeatures;
use instructrec_metrics::Evaluator;
use instructrec_model::heads::{
    Negatives, PopularitySampler, PopularitySamplerConfig, RerankingHeadConfig,
};
use instructrec_model::{InstructRec, InstructionKind};
use rand::seq::SliceRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::evaluate::{rank, CATALOG_BATCH};
use crate::loss::Heads;
use crate::replicas::{ReplicatedStep, StepContext, StepGradients};
use crate::seeding::{derive_seed, rng, Stream};
use crate::{
    checkpoint, clip_grad_norm, peak_rss_mb, EarlyStopping, EpochRecord, EvalQueries, MetricsLog,
    Progress, Result, RunDir, RunState, TrainError, TrainerConfig, TrainingData, ValidationReport,
    Verdict, RUN_STATE_VERSION,
};

/// Config fields that may change when a run is resumed (they do not affect its results).
const RESUMABLE_CHANGES: [&str; 3] = ["progress", "log_every_steps", "run_dir"];

/// Why a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StopReason {
    /// The monitored metric stopped improving for `patience` epochs.
    EarlyStopping,
    /// `max_epochs` epochs ran.
    MaxEpochs,
    /// An epoch hook asked to stop; the run can be resumed from its run directory.
    Interrupted,
}

/// What an epoch hook tells the trainer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpochControl {
    /// Go on.
    Continue,
    /// Stop after this epoch (its checkpoint is written; the run stays resumable).
    Stop,
}

/// The result of a run.
#[derive(Debug)]
pub struct TrainOutcome<B: AutodiffBackend> {
    /// The model of the best validation epoch (the last model if no epoch gave a finite metric).
    pub model: InstructRec<B>,
    /// The best epoch (0-based).
    pub best_epoch: Option<usize>,
    /// Validation metrics of the best epoch.
    pub best_metrics: BTreeMap<String, f64>,
    /// One record per epoch, over every resumed part of the run.
    pub history: Vec<EpochRecord>,
    /// Wall-clock seconds of all epochs, validation included.
    pub seconds: f64,
    /// Training sequences per second over all epochs (validation excluded).
    pub sequences_per_second: f64,
    /// Supervised targets per second over all epochs (validation excluded): a sequence trained
    /// on every prefix counts each of its next items, the unit in which SASRec-style trainers
    /// (e.g. RecBole's, one sample per prefix) report throughput.
    pub targets_per_second: f64,
    /// Peak resident memory of the process in MiB (`None` off Linux).
    pub peak_rss_mb: Option<f64>,
    /// Why the run ended.
    pub stop: StopReason,
}

type EpochHook = Box<dyn FnMut(&EpochRecord) -> EpochControl>;

/// Trains an [`InstructRec`] model on prepared [`TrainingData`].
///
/// Every random choice derives from [`TrainerConfig::seed`]: the example order and the matching
/// negatives from the epoch, the dropout masks from the step and the replica
/// ([`instructrec_fusion::dropout`]), and the backend's generator is reseeded at the start of
/// every epoch. A run therefore depends only on its config, data, device and initial model (not
/// on thread scheduling, [`TrainerConfig::replicas`] included), and a resumed run continues
/// exactly as the uninterrupted run would have.
pub struct Trainer {
    config: TrainerConfig,
    hook: Option<EpochHook>,
}

impl std::fmt::Debug for Trainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer")
            .field("config", &self.config)
            .field("hook", &self.hook.is_some())
            .finish()
    }
}

/// Trains `model` on `data` with `config` (see [`Trainer::fit`]).
pub fn fit<B: AutodiffBackend>(
    config: TrainerConfig,
    model: InstructRec<B>,
    data: &TrainingData,
    device: &B::Device,
) -> Result<TrainOutcome<B>> {
    Trainer::new(config)?.fit(model, data, device)
}

impl Trainer {
    /// A trainer with a validated config.
    pub fn new(config: TrainerConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self { config, hook: None })
    }

    /// The config.
    pub fn config(&self) -> &TrainerConfig {
        &self.config
    }

    /// Calls `hook` after every epoch (after its checkpoint is written); returning
    /// [`EpochControl::Stop`] ends the run as [`StopReason::Interrupted`].
    pub fn on_epoch(mut self, hook: impl FnMut(&EpochRecord) -> EpochControl + 'static) -> Self {
        self.hook = Some(Box::new(hook));
        self
    }

    /// Trains `model` from its current weights.
    ///
    /// Errors if the config's data settings differ from those `data` was prepared with, the data
    /// do not fit the model (catalog, history or instruction lengths, vocabulary), the catalog is
    /// too small for the validation protocol, or the run directory already holds a run (resume it
    /// with [`Trainer::resume`] or pick a new one).
    pub fn fit<B: AutodiffBackend>(
        &mut self,
        model: InstructRec<B>,
        data: &TrainingData,
        device: &B::Device,
    ) -> Result<TrainOutcome<B>> {
        self.check(&model, data)?;
        let run = self.open_run_dir()?;
        if let Some(run) = &run {
            if run.load_state()?.is_some() {
                return Err(TrainError::Checkpoint {
                    path: run.root().to_owned(),
                    message: "the run directory already holds a run: resume it or use a new one"
                        .to_owned(),
                });
            }
            let json =
                serde_json::to_vec_pretty(&self.config).map_err(|source| TrainError::Json {
                    path: run.config_path(),
                    source,
                })?;
            run.write_config(&json)?;
        }
        let state = RunState {
            version: RUN_STATE_VERSION,
            epochs_done: 0,
            step: 0,
            seed: self.config.seed,
            data_fingerprint: data.examples().fingerprint(),
            early_stopping: EarlyStopping::new(self.config.patience, self.config.min_delta),
            history: Vec::new(),
            seconds: 0.0,
            train_seconds: 0.0,
            sequences: 0,
            checkpoint: None,
            best_checkpoint: None,
            finished: false,
        };
        let optimizer = self.optimizer::<B>();
        self.run(model, optimizer, state, run, data, device)
    }

    /// Continues the run of [`TrainerConfig::run_dir`] from its last checkpoint.
    ///
    /// `model` gives the architecture; its weights are replaced by the checkpoint's. The config
    /// must equal the run's (only `progress`, `log_every_steps` and `run_dir` may change) and the
    /// data must be the same. A finished run returns its outcome without training.
    pub fn resume<B: AutodiffBackend>(
        &mut self,
        model: InstructRec<B>,
        data: &TrainingData,
        device: &B::Device,
    ) -> Result<TrainOutcome<B>> {
        self.check(&model, data)?;
        let run = self
            .open_run_dir()?
            .ok_or_else(|| TrainError::config("run_dir", "resuming needs a run directory"))?;
        let state = run.load_state()?.ok_or_else(|| TrainError::Checkpoint {
            path: run.root().to_owned(),
            message: "no state.json: no epoch of this run finished, nothing to resume".to_owned(),
        })?;
        self.check_same_run(&run, &state, data)?;
        let name = state
            .checkpoint
            .as_deref()
            .ok_or_else(|| TrainError::Checkpoint {
                path: run.root().to_owned(),
                message: "the state names no checkpoint".to_owned(),
            })?;
        let (model, optimizer) = checkpoint::load(
            &run.checkpoint_path(name),
            &model,
            self.optimizer::<B>(),
            device,
        )?;
        self.run(model, optimizer, state, Some(run), data, device)
    }

    fn optimizer<B: AutodiffBackend>(&self) -> impl Optimizer<InstructRec<B>, B>
    where
        InstructRec<B>: AutodiffModule<B>,
    {
        AdamWConfig::new()
            .with_beta_1(self.config.beta_1)
            .with_beta_2(self.config.beta_2)
            .with_weight_decay(self.config.weight_decay)
            .init::<B, InstructRec<B>>()
    }

    fn open_run_dir(&self) -> Result<Option<RunDir>> {
        self.config.run_dir.as_deref().map(RunDir::open).transpose()
    }

    /// Checks that `data` was prepared with this config and fits `model`.
    fn check<B: Backend>(&self, model: &InstructRec<B>, data: &TrainingData) -> Result<()> {
        if data.config() != &self.config.data {
            return Err(TrainError::config(
                "data",
                "the training data were prepared with other data settings than the config's",
            ));
        }
        let model_config = model.config();
        if data.num_items() != model_config.num_items() {
            return Err(TrainError::config(
                "num_items",
                format!(
                    "the data have {} items, the model {}",
                    data.num_items(),
                    model_config.num_items()
                ),
            ));
        }
        let limits = [
            (
                "max_history",
                data.config().max_history,
                model_config.max_history(),
            ),
            (
                "max_instruction_tokens",
                data.config().max_instruction_tokens,
                model_config.max_instruction_tokens(),
            ),
        ];
        for (field, data_limit, model_limit) in limits {
            if data_limit > model_limit {
                return Err(TrainError::config(
                    field,
                    format!("the data need {data_limit}, the model takes at most {model_limit}"),
                ));
            }
        }
        self.total_steps(data)?;
        self.check_protocol(data)?;
        if self.config.id_dropout > 0.0 && model_config.item_tower.modalities.count() < 2 {
            return Err(TrainError::config(
                "id_dropout",
                "hiding item IDs needs an item tower with a content modality besides the ID",
            ));
        }
        match model_config.instruction_kind() {
            InstructionKind::Tokens { vocab_size } => {
                let max = std::iter::once(data.examples().max_token())
                    .chain(data.validation().iter().map(EvalQueries::max_token))
                    .flatten()
                    .max();
                match max {
                    Some(max) if max as usize >= vocab_size => Err(TrainError::config(
                        "tokenizer",
                        format!(
                            "instruction token id {max} is outside the model's vocabulary of \
                             {vocab_size}"
                        ),
                    )),
                    _ => Ok(()),
                }
            }
            InstructionKind::States { .. } => Err(TrainError::config(
                "instruction",
                "the trainer feeds instruction tokens; models reading precomputed instruction \
                 states are not supported",
            )),
        }
    }

    /// Optimizer steps of the whole run (the length of the learning-rate schedule); errors when
    /// `max_epochs` is so large that the count overflows.
    fn total_steps(&self, data: &TrainingData) -> Result<usize> {
        let steps_per_epoch = data.examples().len().div_ceil(self.config.batch_size);
        self.config
            .max_epochs
            .checked_mul(steps_per_epoch)
            .ok_or_else(|| {
                TrainError::config(
                    "max_epochs",
                    format!(
                        "{} epochs of {steps_per_epoch} steps overflow the step counter",
                        self.config.max_epochs
                    ),
                )
            })
    }

    /// Checks that the validation protocol can draw its candidates for every validation user.
    ///
    /// The sampled and reranking protocols draw their other candidates from the items a user
    /// never touched (history and target); checked here, so a catalog too small for the protocol
    /// fails before training instead of at the end of the first epoch.
    fn check_protocol(&self, data: &TrainingData) -> Result<()> {
        let Some(count) = self.config.protocol.other_candidates() else {
            return Ok(());
        };
        let num_items = data.num_items();
        let mut touched: Vec<u32> = Vec::new();
        for case in data.validation().iter().flat_map(EvalQueries::cases) {
            touched.clear();
            touched.extend(case.history.iter().chain(&case.targets));
            touched.sort_unstable();
            touched.dedup();
            let available = num_items.saturating_sub(touched.len());
            if count > available {
                return Err(TrainError::config(
                    "protocol",
                    format!(
                        "`{}` ranks each validation target against {count} untouched items, but \
                         user {} leaves only {available} of the {num_items} catalog items",
                        self.config.protocol, case.user
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Checks that a resumed run has the same config, seed and data as the one that wrote it.
    fn check_same_run(&self, run: &RunDir, state: &RunState, data: &TrainingData) -> Result<()> {
        let path = run.config_path();
        let saved = std::fs::read(&path).map_err(|e| TrainError::io(&path, e))?;
        let saved: serde_json::Value =
            serde_json::from_slice(&saved).map_err(|source| TrainError::Json {
                path: path.clone(),
                source,
            })?;
        // Compared as text re-read, so numbers round-trip the same way on both sides.
        let current = serde_json::to_vec(&self.config)
            .and_then(|json| serde_json::from_slice::<serde_json::Value>(&json))
            .map_err(|source| TrainError::Json {
                path: path.clone(),
                source,
            })?;
        let changed = match (saved.as_object(), current.as_object()) {
            (Some(saved), Some(current)) => current
                .keys()
                .chain(saved.keys())
                .find(|key| {
                    !RESUMABLE_CHANGES.contains(&key.as_str())
                        && saved.get(*key) != current.get(*key)
                })
                .cloned(),
            _ => Some("<root>".to_owned()),
        };
        if let Some(key) = changed {
            return Err(TrainError::Checkpoint {
                path,
                message: format!("the run was started with a different `{key}`"),
            });
        }
        if state.seed != self.config.seed || state.data_fingerprint != data.examples().fingerprint()
        {
            return Err(TrainError::Checkpoint {
                path: run.root().to_owned(),
                message: "the run was started with other training data or another seed".to_owned(),
            });
        }
        Ok(())
    }

    fn run<B, O>(
        &mut self,
        mut model: InstructRec<B>,
        mut optimizer: O,
        mut state: RunState,
        run: Option<RunDir>,
        data: &TrainingData,
        device: &B::Device,
    ) -> Result<TrainOutcome<B>>
    where
        B: AutodiffBackend,
        O: Optimizer<InstructRec<B>, B>,
    {
        let config = &self.config;
        let examples = data.examples();
        let n = examples.len();
        let targets_per_example = examples.num_targets() as f64 / n.max(1) as f64;
        let steps_per_epoch = n.div_ceil(config.batch_size);
        let schedule = config.schedule.init(self.total_steps(data)?)?;
        let heads = Heads {
            matching: config.matching.init()?,
            reranking: RerankingHeadConfig::new()
                .with_temperature(config.reranking_temperature)
                .init()?,
        };
        let sampler: Option<PopularitySampler> = match config.matching.negatives {
            Negatives::Full => None,
            _ => Some(PopularitySamplerConfig::new().init(data.train_counts())?),
        };
        let evaluator = Evaluator::new(config.protocol, data.num_items() as u32)
            .with_seed(config.eval_candidate_seed)
            .with_batch_size(config.eval_batch_size);
        let mut log = match &run {
            Some(run) => Some(MetricsLog::create(&run.metrics_path(), &state.history)?),
            None => None,
        };
        let mut progress = Progress::new(config.progress, config.log_every_steps);
        for (task, reason) in data.validation_skipped() {
            progress.note(&format!("not validating `{task}`: {reason}"));
        }
        let mut replicated = ReplicatedStep::new(config.replicas)?;
        let mut order: Vec<usize> = Vec::with_capacity(n);
        let mut best_in_memory: Option<InstructRec<B>> = None;
        let mut stop = if state.early_stopping.should_stop() {
            StopReason::EarlyStopping
        } else {
            StopReason::MaxEpochs
        };
        let first_epoch = if state.finished {
            config.max_epochs
        } else {
            state.epochs_done
        };
        for epoch in first_epoch..config.max_epochs {
            let started = Instant::now();
            B::seed(
                device,
                derive_seed(config.seed, Stream::Backend, epoch as u64),
            );
            order.clear();
            order.extend(0..n);
            order.shuffle(&mut rng(config.seed, Stream::Shuffle, epoch as u64));
            let mut negatives = rng(config.seed, Stream::Negatives, epoch as u64);
            let features = id_dropout(data.features(), config.id_dropout, config.seed, epoch)?;
            progress.start_epoch(epoch, config.max_epochs, steps_per_epoch, n);

            let context = StepContext {
                examples,
                features: &features,
                heads: &heads,
                mix: &config.data.task_mix,
                sampler: sampler.as_ref(),
                history_substitution: config.history_substitution,
                seed: config.seed,
                device,
            };
            let mut loss_sum: Option<Tensor<B::InnerBackend, 1>> = None;
            let mut done = 0;
            let mut lr = schedule.lr(state.step);
            for (i, chunk) in order.chunks(config.batch_size).enumerate() {
                let StepGradients { grads, loss } =
                    replicated.gradients(&model, chunk, state.step, &mut negatives, &context)?;
                loss_sum = Some(match loss_sum {
                    Some(sum) => sum + loss,
                    None => loss,
                });
                let grads = match config.clip_grad_norm {
                    Some(max_norm) => clip_grad_norm(&model, grads, max_norm),
                    None => grads,
                };
                lr = schedule.lr(state.step);
                model = optimizer.step(lr, model, grads);
                state.step += 1;
                done += chunk.len();
                let mean = if (i + 1) % config.log_every_steps == 0 {
                    Some(mean_loss(&loss_sum, i + 1, epoch, state.step)?)
                } else {
                    None
                };
                progress.step(i, done, mean);
            }
            let train_loss = mean_loss(&loss_sum, steps_per_epoch, epoch, state.step)?;
            let train_seconds = started.elapsed().as_secs_f64();

            let valid = model.valid();
            let catalog = valid.encode_catalog(data.features(), CATALOG_BATCH, device)?;
            let reports = data
                .validation()
                .iter()
                .map(|queries| {
                    let report = rank(
                        &valid,
                        &heads.matching,
                        catalog.clone(),
                        queries,
                        &evaluator,
                        device,
                    )?;
                    Ok((queries.task(), report))
                })
                .collect::<Result<Vec<_>>>()?;
            let report = ValidationReport::from_reports(reports);
            let seconds = started.elapsed().as_secs_f64();
            let record = EpochRecord {
                epoch,
                train_loss,
                val: report.mean.clone(),
                val_tasks: report.tasks.clone(),
                lr,
                seconds,
                sequences_per_second: n as f64 / train_seconds.max(1e-9),
                peak_rss_mb: peak_rss_mb(),
            };
            let verdict = state
                .early_stopping
                .update(epoch, report.metric(&config.monitor).unwrap_or(f64::NAN));
            state.epochs_done = epoch + 1;
            state.seconds += seconds;
            state.train_seconds += train_seconds;
            state.sequences += n as u64;
            state.history.push(record.clone());
            state.finished = verdict == Verdict::Stop || epoch + 1 == config.max_epochs;
            if verdict == Verdict::Improved {
                match &run {
                    Some(run) => {
                        let name = RunDir::best_checkpoint_name(epoch);
                        checkpoint::save_model(&run.fresh_checkpoint(&name)?, &model)?;
                        state.best_checkpoint = Some(name);
                    }
                    None => best_in_memory = Some(model.clone()),
                }
            }
            if let Some(run) = &run {
                let name = RunDir::epoch_checkpoint_name(epoch);
                checkpoint::save(&run.fresh_checkpoint(&name)?, &model, &optimizer)?;
                state.checkpoint = Some(name);
                run.commit(&state)?;
            }
            if let Some(log) = &mut log {
                log.append(&record)?;
            }
            progress.finish_epoch(&record);
            if verdict == Verdict::Stop {
                stop = StopReason::EarlyStopping;
                progress.note(&format!(
                    "early stopping: no better {} for {} epochs",
                    config.monitor, config.patience
                ));
                break;
            }
            let interrupted = self
                .hook
                .as_mut()
                .is_some_and(|hook| hook(&record) == EpochControl::Stop);
            if interrupted && !state.finished {
                stop = StopReason::Interrupted;
                break;
            }
        }

        let best_epoch = state.early_stopping.best_epoch();
        let model = match (best_in_memory, &run, &state.best_checkpoint) {
            (Some(best), _, _) => best,
            (None, Some(run), Some(name)) => {
                checkpoint::load_model(&run.checkpoint_path(name), &model, device)?
            }
            _ => model,
        };
        let outcome = TrainOutcome {
            model,
            best_epoch,
            best_metrics: best_epoch
                .and_then(|epoch| state.history.get(epoch))
                .map(|record| record.val.clone())
                .unwrap_or_default(),
            history: state.history,
            seconds: state.seconds,
            sequences_per_second: state.sequences as f64 / state.train_seconds.max(1e-9),
            targets_per_second: state.sequences as f64 * targets_per_example
                / state.train_seconds.max(1e-9),
            peak_rss_mb: peak_rss_mb(),
            stop,
        };
        progress.note(&format!(
            "best epoch {} · {} {:.4} · {:.1}s · {:.0} seq/s · peak RSS {}",
            best_epoch.map_or("-".to_owned(), |e| (e + 1).to_string()),
            config.monitor,
            outcome
                .best_metrics
                .get(&config.monitor)
                .copied()
                .unwrap_or(f64::NAN),
            outcome.seconds,
            outcome.sequences_per_second,
            outcome
                .peak_rss_mb
                .map_or("n/a".to_owned(), |mb| format!("{mb:.0} MiB")),
        ));
        Ok(outcome)
    }
}

/// The mean of `steps` summed losses; a non-finite mean is [`TrainError::Diverged`].
fn mean_loss<B: Backend>(
    sum: &Option<Tensor<B, 1>>,
    steps: usize,
    epoch: usize,
    step: usize,
) -> Result<f64> {
    let total: f64 = match sum {
        Some(sum) => sum.clone().into_scalar().elem(),
        None => 0.0,
    };
    let mean = total / steps.max(1) as f64;
    if mean.is_finite() {
        Ok(mean)
    } else {
        Err(TrainError::Diverged {
            epoch,
            step,
            loss: mean,
        })
    }
}

/// The features of an epoch: with `share > 0`, a seeded share of the known items is marked
/// unknown, which hides their ID embedding from the item tower for that epoch.
fn id_dropout(
    features: &ItemFeatures,
    share: f64,
    seed: u64,
    epoch: usize,
) -> Result<Cow<'_, ItemFeatures>> {
    if share <= 0.0 {
        return Ok(Cow::Borrowed(features));
    }
    let mut rng = rng(seed, Stream::IdDropout, epoch as u64);
    let known: Vec<bool> = (0..features.num_items() as u32)
        .map(|item| features.is_known(item) && !rng.random_bool(share))
        .collect();
    let mut epoch_features = features.clone();
    epoch_features
        .set_known_items(&known)
        .map_err(instructrec_model::ModelError::from)?;
    Ok(Cow::Owned(epoch_features))
}
