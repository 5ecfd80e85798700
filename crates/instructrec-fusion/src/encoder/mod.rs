//! Modality encoders: each turns one kind of item information into one vector per item.

mod bag;
mod id;
mod numeric;
mod vector;

pub use bag::{BagEncoder, BagEncoderConfig, BagSource};
pub use id::{IdEncoder, IdEncoderConfig};
pub use numeric::{NumericEncoder, NumericEncoderConfig};
pub use vector::{VectorEncoder, VectorEncoderConfig, VectorSource};

use burn::tensor::backend::Backend;
use burn::tensor::{Bool, Tensor};

use crate::batch::ItemBatch;

/// One vector per item for one modality, with the items that lack the modality marked.
///
/// # Shapes
///
/// - `values`: `[n, d]` (rows of missing items are unspecified: consumers mask them)
/// - `missing`: `[n]`, true where the item lacks the modality
#[derive(Debug, Clone)]
pub struct ModalityEmbedding<B: Backend> {
    /// The vectors.
    pub values: Tensor<B, 2>,
    /// True where the item lacks the modality.
    pub missing: Tensor<B, 1, Bool>,
}

impl<B: Backend> ModalityEmbedding<B> {
    /// Every one of `n` items lacks the modality (zero vectors of width `d`).
    pub fn absent(n: usize, d: usize, device: &B::Device) -> Self {
        Self {
            values: Tensor::zeros([n, d], device),
            missing: Tensor::ones([n], device),
        }
    }
}

/// Encodes one modality of a batch of items.
///
/// Implement it for your own [`Module`](burn::module::Module) to add a modality (see
/// [`ItemTower::fuse_modalities`](crate::ItemTower::fuse_modalities)). An implementation must mark
/// an item missing when it lacks the modality (including when the batch does not carry the
/// modality at all) and must give results that do not depend on padded or missing inputs.
pub trait ModalityEncoder<B: Backend> {
    /// Encodes the batch.
    ///
    /// # Shapes
    ///
    /// - output: `values [n, d]`, `missing [n]`
    fn encode(&self, batch: &ItemBatch<B>) -> ModalityEmbedding<B>;
}
