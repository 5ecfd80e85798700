//! Datasets for instructrec: loaders, preprocessing, splits, negative samplers and a synthetic
//! generator.
//!
//! - [`loaders`] read RecBole atomic files, MovieLens (100K, 1M, latest), Amazon Reviews 2018 and
//!   2023, SASRec `user item` files and any CSV into a [`Dataset`]: a [`Catalog`] of items with
//!   their content and time-ordered interactions stored column-wise. Bad lines give errors that
//!   name file, line and field, or are skipped and counted ([`LoadOptions`], [`LoadReport`]).
//! - [`preprocess`] filters (k-core, implicit feedback) and renumbers ids.
//! - [`Split`] holds out data chronologically (leave-one-out, global time or per-user ratios)
//!   and hands an evaluator its cases `(user, history, target)`.
//! - [`Sampler`]s draw reproducible negatives a user has not interacted with.
//! - [`SyntheticConfig`] generates a seeded, learnable dataset for tests and the quickstart.
//! - [`shared_dir`] finds the shared data folder (`INSTRUCTREC_SHARED`, else `../shared`).
//!
//! # Example
//!
//! ```
//! use instructrec_data::{Sampler, Split, Stage, SyntheticConfig, UniformSampler};
//! use rand::{rngs::StdRng, SeedableRng};
//!
//! let config = SyntheticConfig { num_users: 50, num_items: 200, ..SyntheticConfig::default() };
//! let dataset = config.generate()?;
//! let split = Split::leave_one_out(&dataset)?;
//! let sampler = UniformSampler::new(&dataset)?;
//! let mut rng = StdRng::seed_from_u64(7);
//!
//! let case = split.cases(Stage::Test).next().expect("every synthetic user is evaluated");
//! let negatives = sampler.sample(case.user, 100, &mut rng)?;
//! assert_eq!(negatives.len(), 100);
//! assert!(negatives.iter().all(|item| !dataset.sequence(case.user).contains(item)));
//! println!(
//!     "after {} items (last: {}) the user took {}; protocol: {}",
//!     case.history.len(),
//!     dataset.catalog.display_name(case.history[case.history.len() - 1]),
//!     dataset.catalog.display_name(case.target),
//!     split.protocol(),
//! );
//! # Ok::<(), instructrec_data::DataError>(())
//! ```

mod dataset;
mod error;
mod interner;
pub mod loaders;
pub mod preprocess;
pub mod sampling;
mod shared;
pub mod split;
pub mod synthetic;

pub use dataset::{
    Catalog, Dataset, DatasetBuilder, Interaction, InteractionRef, Item, ItemIdx, Review, UserIdx,
};
pub use error::{DataError, Result};
pub use interner::Interner;
pub use loaders::{load, BadLinePolicy, CsvOptions, Format, LoadOptions, LoadReport};
pub use preprocess::{compact, implicit_feedback, KCore};
pub use sampling::{PopularitySampler, Sampler, UniformSampler};
pub use shared::{shared_dir, shared_path, SHARED_ENV};
pub use split::{EvalCase, Split, SplitProtocol, SplitRatios, Stage};
pub use synthetic::SyntheticConfig;
