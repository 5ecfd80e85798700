//! A batch of items as tensors: the input of modality encoders and item towers.
//!
//! Mask convention (as burn's `mask_pad`): **`true` means padding / absent**.

use burn::tensor::backend::Backend;
use burn::tensor::{Bool, Int, Tensor};

use crate::encoder::ModalityEmbedding;

/// Rows of ids padded to a common width (text tokens, categories).
///
/// # Shapes
///
/// - `ids`: `[n, L]` (padding slots hold an arbitrary valid id, 0 when built by this crate)
/// - `padding`: `[n, L]`, true where the slot is padding
#[derive(Debug, Clone)]
pub struct PaddedIds<B: Backend> {
    /// The ids.
    pub ids: Tensor<B, 2, Int>,
    /// True where a slot is padding.
    pub padding: Tensor<B, 2, Bool>,
}

/// Values with a per-value missing flag (numeric attributes).
///
/// # Shapes
///
/// - `values`: `[n, F]` (missing entries hold arbitrary values, 0 when built by this crate)
/// - `missing`: `[n, F]`, true where a value is unknown
#[derive(Debug, Clone)]
pub struct MaskedValues<B: Backend> {
    /// The values.
    pub values: Tensor<B, 2>,
    /// True where a value is unknown.
    pub missing: Tensor<B, 2, Bool>,
}

/// The features of `n` items, built by [`ItemFeatures::batch`](crate::ItemFeatures::batch).
///
/// A modality group is `None` when the batch was built without it; encoders then mark every item
/// as missing that modality.
///
/// # Shapes
///
/// - `ids`: `[n]` dense item indices
/// - `id_known`: `[n]`, false for items never seen in training (their ID modality is masked)
/// - `text`: `[n, Lt]` token ids + padding
/// - `categories`: `[n, C]` category ids + padding
/// - `numeric`: `[n, F]` normalized values + missing flags
/// - `vectors`, `text_vectors`: `[n, dim]` precomputed vectors + `[n]` missing flags
#[derive(Debug, Clone)]
pub struct ItemBatch<B: Backend> {
    /// Dense item indices.
    pub ids: Tensor<B, 1, Int>,
    /// True where the item's ID embedding was trained.
    pub id_known: Tensor<B, 1, Bool>,
    /// Token ids of the item texts.
    pub text: Option<PaddedIds<B>>,
    /// Category ids.
    pub categories: Option<PaddedIds<B>>,
    /// Normalized numeric attributes.
    pub numeric: Option<MaskedValues<B>>,
    /// Precomputed item vectors (e.g. image embeddings).
    pub vectors: Option<ModalityEmbedding<B>>,
    /// Precomputed text vectors (e.g. from a frozen text encoder).
    pub text_vectors: Option<ModalityEmbedding<B>>,
}

impl<B: Backend> ItemBatch<B> {
    /// Number of items `n`.
    pub fn len(&self) -> usize {
        self.ids.dims()[0]
    }

    /// Whether the batch holds no item (never true for batches built by this crate).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The device of the batch's tensors.
    pub fn device(&self) -> B::Device {
        self.ids.device()
    }
}
