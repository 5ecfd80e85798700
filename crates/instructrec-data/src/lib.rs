//! Datasets for instructrec: loaders, preprocessing, splits, samplers and a synthetic generator.

mod dataset;
mod error;
mod interner;

pub use dataset::{
    Catalog, Dataset, DatasetBuilder, Interaction, InteractionRef, Item, ItemIdx, Review, UserIdx,
};
pub use error::{DataError, Result};
pub use interner::Interner;
