//! Hyper-parameters of a training run.

use burn::config::Config;
use instructrec_metrics::Protocol;
use instructrec_model::heads::MatchingHeadConfig;

use crate::replicas::MAX_REPLICAS;
use crate::{DataConfig, LrScheduleConfig, ProgressMode, Result, TrainError};

/// Everything that decides a training run. Two runs with equal configs, data, device and initial
/// model reach the same metrics.
#[derive(Config, Debug)]
pub struct TrainerConfig {
    /// How the training examples and validation queries are prepared (checked against the
    /// prepared [`TrainingData`](crate::TrainingData)).
    #[config(default = "DataConfig::new()")]
    pub data: DataConfig,
    /// Most epochs to train (early stopping may end sooner).
    #[config(default = 50)]
    pub max_epochs: usize,
    /// Examples per optimizer step.
    #[config(default = 128)]
    pub batch_size: usize,
    /// Model replicas that compute a step's gradients in parallel, each on its own thread and
    /// share of the batch (data parallelism on CPU cores; 1 to 64). The summed gradients equal
    /// the full batch's up to the loss weighting and negatives, which are per share; results
    /// depend on this number, not on the machine's cores. Scale [`batch_size`](Self::batch_size)
    /// with it: on Amazon Games a batch of 128 split in two reached a lower plateau than one
    /// replica, 256 split in two did not (docs/benchmarks.md §3).
    #[config(default = 1)]
    pub replicas: usize,
    /// Peak learning rate, warmup and decay.
    #[config(default = "LrScheduleConfig::new()")]
    pub schedule: LrScheduleConfig,
    /// AdamW decoupled weight decay.
    #[config(default = 0.01)]
    pub weight_decay: f32,
    /// AdamW first-moment decay.
    #[config(default = 0.9)]
    pub beta_1: f32,
    /// AdamW second-moment decay.
    #[config(default = 0.98)]
    pub beta_2: f32,
    /// Clip the global L2 norm of the gradients to this value (`None`: no clipping).
    #[config(default = "Some(1.0)")]
    pub clip_grad_norm: Option<f32>,
    /// Which items the matching loss runs its softmax over.
    #[config(default = "MatchingHeadConfig::new()")]
    pub matching: MatchingHeadConfig,
    /// Share of the items whose ID embedding is hidden during an epoch (drawn anew each epoch), so
    /// that the item tower also learns to represent items from their content alone, as it must
    /// for items unseen in training (cold start). Needs an item tower with a content modality.
    #[config(default = 0.0)]
    pub id_dropout: f64,
    /// Probability that each history item of a training example is replaced by an item drawn
    /// uniformly from the catalog, in `[0, 1)`: stochastic shared embeddings (SSE, Wu et al.
    /// 2019), a regularizer for sparse ID data. Targets are never replaced; validation and test
    /// histories are left as they are.
    #[config(default = 0.0)]
    pub history_substitution: f64,
    /// Temperature of the listwise reranking loss.
    #[config(default = 1.0)]
    pub reranking_temperature: f64,
    /// Stop after this many epochs without a better validation metric.
    #[config(default = 5)]
    pub patience: usize,
    /// An improvement must exceed this to count.
    #[config(default = 0.0)]
    pub min_delta: f64,
    /// The validation metric early stopping watches (higher is better).
    #[config(default = "String::from(\"NDCG@10\")")]
    pub monitor: String,
    /// Validation protocol. The sampled and rerank protocols need at least one other candidate,
    /// and every validation user must leave that many untouched catalog items (checked by the
    /// trainer against the data).
    #[config(default = "Protocol::Full")]
    pub protocol: Protocol,
    /// Seed of candidate sampling in validation (sampled and rerank protocols).
    #[config(default = 42)]
    pub eval_candidate_seed: u64,
    /// Users scored per evaluation batch.
    #[config(default = 256)]
    pub eval_batch_size: usize,
    /// Seed of every random choice of training: example order and dropout.
    #[config(default = 42)]
    pub seed: u64,
    /// Directory of checkpoints, state and logs (`None`: keep the best model in memory only; the
    /// run cannot be resumed).
    #[config(default = "None")]
    pub run_dir: Option<String>,
    /// Progress reporting.
    #[config(default = "ProgressMode::Auto")]
    pub progress: ProgressMode,
    /// Steps between progress lines in log mode (and between loss read-backs).
    #[config(default = 50)]
    pub log_every_steps: usize,
}

impl TrainerConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        self.data.validate()?;
        self.schedule.validate()?;
        let positive = [
            ("max_epochs", self.max_epochs),
            ("batch_size", self.batch_size),
            ("patience", self.patience),
            ("eval_batch_size", self.eval_batch_size),
            ("log_every_steps", self.log_every_steps),
        ];
        for (field, value) in positive {
            if value == 0 {
                return Err(TrainError::config(field, "must be at least 1"));
            }
        }
        let most_replicas = MAX_REPLICAS.min(self.batch_size);
        if self.replicas == 0 || self.replicas > most_replicas {
            return Err(TrainError::config(
                "replicas",
                format!(
                    "must lie in 1..={most_replicas} (at most {MAX_REPLICAS} and at most \
                     batch_size), got {}",
                    self.replicas
                ),
            ));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(TrainError::config(
                "weight_decay",
                format!("must be finite and >= 0, got {}", self.weight_decay),
            ));
        }
        for (field, beta) in [("beta_1", self.beta_1), ("beta_2", self.beta_2)] {
            if !(0.0..1.0).contains(&beta) {
                return Err(TrainError::config(
                    field,
                    format!("must lie in [0, 1), got {beta}"),
                ));
            }
        }
        if let Some(clip) = self.clip_grad_norm {
            if !(clip.is_finite() && clip > 0.0) {
                return Err(TrainError::config(
                    "clip_grad_norm",
                    format!("must be positive and finite, got {clip}"),
                ));
            }
        }
        let shares = [
            ("id_dropout", self.id_dropout),
            ("history_substitution", self.history_substitution),
        ];
        for (field, share) in shares {
            if !(0.0..1.0).contains(&share) {
                return Err(TrainError::config(
                    field,
                    format!("must lie in [0, 1), got {share}"),
                ));
            }
        }
        if !(self.reranking_temperature.is_finite() && self.reranking_temperature > 0.0) {
            return Err(TrainError::config(
                "reranking_temperature",
                format!(
                    "must be positive and finite, got {}",
                    self.reranking_temperature
                ),
            ));
        }
        if !(self.min_delta.is_finite() && self.min_delta >= 0.0) {
            return Err(TrainError::config(
                "min_delta",
                format!("must be finite and >= 0, got {}", self.min_delta),
            ));
        }
        if self.protocol.other_candidates() == Some(0) {
            return Err(TrainError::config(
                "protocol",
                format!(
                    "`{}` ranks each target against no other item: every metric would be perfect",
                    self.protocol
                ),
            ));
        }
        if !is_reported_metric(&self.monitor) {
            return Err(TrainError::config(
                "monitor",
                format!(
                    "`{}` is not a ranking metric (expected HR@k, Recall@k, NDCG@k, MAP@k or MRR)",
                    self.monitor
                ),
            ));
        }
        self.matching
            .validate()
            .map_err(|e| TrainError::config("matching", e.to_string()))
    }
}

/// Whether the metrics crate reports `name` for a ranking evaluation with cut-offs 1, 5, 10, 20.
fn is_reported_metric(name: &str) -> bool {
    if name == "MRR" {
        return true;
    }
    match name.split_once('@') {
        Some((metric, k)) => {
            ["HR", "Recall", "NDCG", "MAP"].contains(&metric)
                && instructrec_metrics::Evaluator::DEFAULT_KS
                    .iter()
                    .any(|&cutoff| k == cutoff.to_string())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_fields_are_named() {
        TrainerConfig::new().validate().unwrap();
        let field = |config: TrainerConfig| match config.validate() {
            Err(TrainError::InvalidConfig { field, .. }) => field,
            other => panic!("expected a config error, got {other:?}"),
        };
        assert_eq!(field(TrainerConfig::new().with_batch_size(0)), "batch_size");
        assert_eq!(field(TrainerConfig::new().with_max_epochs(0)), "max_epochs");
        assert_eq!(field(TrainerConfig::new().with_replicas(0)), "replicas");
        assert_eq!(field(TrainerConfig::new().with_replicas(65)), "replicas");
        assert_eq!(
            field(TrainerConfig::new().with_batch_size(4).with_replicas(5)),
            "replicas"
        );
        assert_eq!(field(TrainerConfig::new().with_beta_2(1.0)), "beta_2");
        assert_eq!(
            field(TrainerConfig::new().with_id_dropout(1.0)),
            "id_dropout"
        );
        assert_eq!(
            field(TrainerConfig::new().with_history_substitution(-0.1)),
            "history_substitution"
        );
        assert_eq!(
            field(TrainerConfig::new().with_clip_grad_norm(Some(-1.0))),
            "clip_grad_norm"
        );
        assert_eq!(
            field(TrainerConfig::new().with_weight_decay(f32::NAN)),
            "weight_decay"
        );
        assert_eq!(
            field(TrainerConfig::new().with_monitor("NDCG@7".into())),
            "monitor"
        );
        for protocol in [
            Protocol::Sampled { negatives: 0 },
            Protocol::Rerank { candidates: 0 },
        ] {
            assert_eq!(
                field(TrainerConfig::new().with_protocol(protocol)),
                "protocol"
            );
        }
        TrainerConfig::new()
            .with_protocol(Protocol::Rerank { candidates: 19 })
            .validate()
            .unwrap();
        assert_eq!(
            field(TrainerConfig::new().with_schedule(LrScheduleConfig::new().with_peak_lr(0.0))),
            "peak_lr"
        );
        assert_eq!(
            field(TrainerConfig::new().with_data(DataConfig::new().with_max_history(0))),
            "max_history"
        );
        TrainerConfig::new()
            .with_monitor("MRR".into())
            .validate()
            .unwrap();
        TrainerConfig::new()
            .with_monitor("HR@20".into())
            .validate()
            .unwrap();
    }

    #[test]
    fn round_trips_through_json() {
        let config = TrainerConfig::new()
            .with_max_epochs(3)
            .with_protocol(Protocol::Sampled { negatives: 100 })
            .with_run_dir(Some("runs/a".into()));
        let json = serde_json::to_string(&config).unwrap();
        let back: TrainerConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }
}
