//! instructrec: recommendation as instruction following (after InstructRec, Zhang et al. 2023).
//!
//! A user's need is a natural-language instruction — their preference (none, a history, stated
//! tastes), their intention (none, vague, specific) and a task form — and one attention model
//! trained on many such instructions ranks the whole catalog for it. This crate is the facade:
//! a [`Recommender`] built from a dataset and a [`RecommenderConfig`] is trained with
//! [`fit`](Recommender::fit), measured per task with [`evaluate`](Recommender::evaluate),
//! asked with [`recommend`](Recommender::recommend) / [`explain`](Recommender::explain), and
//! kept with [`save`](Recommender::save) / [`load`](Recommender::load). The device is chosen at
//! run time ([`Device::Cpu`], or [`Device::Cuda`] in builds with the `cuda` feature).
//!
//! ```
//! use instructrec_core::data::SyntheticConfig;
//! use instructrec_core::train::{ProgressMode, TrainerConfig};
//! use instructrec_core::{Device, EvaluationOptions, Recommender, RecommenderConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dataset = SyntheticConfig { num_users: 40, num_items: 50, num_categories: 4,
//!     mean_interactions: 10.0, ..SyntheticConfig::default() }.generate()?;
//! let config = RecommenderConfig::new().with_d_model(16).with_n_layers(1).with_d_ff(32)
//!     .with_trainer(TrainerConfig::new().with_progress(ProgressMode::Silent))
//!     .with_epochs(1).with_seed(7);
//! let mut recommender = Recommender::new(&dataset, config, Device::Cpu)?;
//! let summary = recommender.fit(&dataset)?;
//! let evaluation = recommender.evaluate(&dataset, &EvaluationOptions::new())?;
//! let answer = recommender.explain("a fantasy quest with dragons", &["i01", "i02"], 5)?;
//! let dir = tempfile::tempdir()?;
//! recommender.save(dir.path())?;
//! let loaded = Recommender::load(dir.path(), Device::Cpu)?;
//! assert_eq!(loaded.explain("a fantasy quest with dragons", &["i01", "i02"], 5)?.items, answer.items);
//!
//! assert_eq!(summary.epochs, 1);
//! println!("{evaluation}");
//! for item in &answer.items {
//!     println!("{:>8.3}  {} ({})", item.score, item.title, item.id);
//! }
//! println!("{}", answer.explanation.expect("explain always explains"));
//! # Ok(())
//! # }
//! ```
//!
//! # Features
//! - `data`, `instruct`, `metrics`, `fusion`, `model`, `train` (all default): re-export the
//!   crate of that name (`instructrec_core::data` is `instructrec_data`, …) for the parts the
//!   facade does not wrap: loaders, custom generators, heads, the trainer itself.
//! - `cuda`: the burn-cuda backend behind [`Device::Cuda`]; the driver is loaded at run time.

mod config;
mod device;
mod engine;
mod error;
mod evaluation;
mod persist;
mod pointwise;
mod recommendation;
mod recommender;

pub use config::{default_trainer, RecommenderConfig, TextEncoder};
pub use device::Device;
pub use error::{CoreError, Result};
pub use evaluation::{Evaluation, EvaluationOptions, TargetCountStratum, TaskScores};
pub use persist::FORMAT_VERSION;
pub use recommendation::{
    AttendedItem, AttendedWord, Explanation, Recommendation, RecommendedItem,
};
pub use recommender::{DatasetInfo, Recommender, TrainSummary};

/// Datasets: loaders, splits, samplers, the synthetic generator.
#[cfg(feature = "data")]
pub use instructrec_data as data;
/// Items as multimodal features, and the item tower.
#[cfg(feature = "fusion")]
pub use instructrec_fusion as fusion;
/// Instructions: format, templates, generators, tokenizers.
#[cfg(feature = "instruct")]
pub use instructrec_instruct as instruct;
/// Metrics and evaluation protocols.
#[cfg(feature = "metrics")]
pub use instructrec_metrics as metrics;
/// The attention recommender: text encoders, query tower, heads, inference index.
#[cfg(feature = "model")]
pub use instructrec_model as model;
/// Training loops, per-task evaluation, checkpoints and resume.
#[cfg(feature = "train")]
pub use instructrec_train as train;
