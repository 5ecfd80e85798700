//! Fusion strategies: combine an item's modality vectors into one vector, ignoring missing ones.

mod attention;
mod concat;
mod gated;
mod sum;

pub use attention::{AttentionFusion, AttentionFusionConfig};
pub use concat::{ConcatMlpFusion, ConcatMlpFusionConfig};
pub use gated::{GatedSumFusion, GatedSumFusionConfig};
pub use sum::SumFusion;

use burn::module::Module;
use burn::tensor::activation::softmax;
use burn::tensor::backend::Backend;
use burn::tensor::{Bool, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::{ensure, Result};

/// Combines `m` modality vectors per item into one.
///
/// Slots marked missing may hold anything (even NaN): an implementation must give the same
/// result whatever they hold, and a finite result when every slot of an item is missing.
pub trait FusionStrategy<B: Backend> {
    /// Fuses the modalities of `n` items.
    ///
    /// # Shapes
    ///
    /// - modalities: `[n, m, d]`
    /// - missing: `[n, m]`, true where an item lacks a modality
    /// - output: `[n, d]`
    fn fuse(&self, modalities: Tensor<B, 3>, missing: Tensor<B, 2, Bool>) -> Tensor<B, 2>;
}

/// The built-in fusion strategies, selectable in a config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FusionKind {
    /// Concatenate the (zeroed where missing) modality vectors and presence flags, then an MLP.
    ConcatMlp {
        /// Width of the MLP's hidden layer.
        d_hidden: usize,
    },
    /// Weighted sum with a softmax gate over the present modalities.
    GatedSum,
    /// Learned queries attend over the present modality tokens.
    Attention {
        /// Number of attention heads (each with its own query).
        n_heads: usize,
    },
    /// Plain sum of the present modality vectors (no parameter). The identity for one modality:
    /// a tower with a single modality always uses it.
    Sum,
}

impl FusionKind {
    /// Checks the strategy's own hyper-parameters.
    pub fn validate(&self) -> Result<()> {
        match *self {
            FusionKind::ConcatMlp { d_hidden } => {
                ensure(d_hidden > 0, "d_hidden", || "must be positive".to_owned())
            }
            FusionKind::Attention { n_heads } => {
                ensure(n_heads > 0, "n_heads", || "must be positive".to_owned())
            }
            FusionKind::GatedSum | FusionKind::Sum => Ok(()),
        }
    }

    /// Initializes the strategy for `num_modalities` vectors of width `d_model`; `dropout` applies
    /// inside the concat MLP.
    pub fn init<B: Backend>(
        &self,
        num_modalities: usize,
        d_model: usize,
        dropout: f64,
        device: &B::Device,
    ) -> Result<Fusion<B>> {
        self.validate()?;
        Ok(match *self {
            FusionKind::ConcatMlp { d_hidden } => Fusion::ConcatMlp(
                ConcatMlpFusionConfig::new(num_modalities, d_model, d_hidden)
                    .with_dropout(dropout)
                    .init(device)?,
            ),
            FusionKind::GatedSum => {
                Fusion::GatedSum(GatedSumFusionConfig::new(num_modalities, d_model).init(device)?)
            }
            FusionKind::Attention { n_heads } => Fusion::Attention(
                AttentionFusionConfig::new(num_modalities, d_model)
                    .with_n_heads(n_heads)
                    .init(device)?,
            ),
            FusionKind::Sum => Fusion::Sum(SumFusion),
        })
    }
}

/// One of the built-in strategies (the default fusion of an [`ItemTower`](crate::ItemTower)).
#[derive(Module, Debug)]
pub enum Fusion<B: Backend> {
    /// See [`ConcatMlpFusion`].
    ConcatMlp(ConcatMlpFusion<B>),
    /// See [`GatedSumFusion`].
    GatedSum(GatedSumFusion<B>),
    /// See [`AttentionFusion`].
    Attention(AttentionFusion<B>),
    /// See [`SumFusion`].
    Sum(SumFusion),
}

impl<B: Backend> FusionStrategy<B> for Fusion<B> {
    fn fuse(&self, modalities: Tensor<B, 3>, missing: Tensor<B, 2, Bool>) -> Tensor<B, 2> {
        match self {
            Fusion::ConcatMlp(f) => f.fuse(modalities, missing),
            Fusion::GatedSum(f) => f.fuse(modalities, missing),
            Fusion::Attention(f) => f.fuse(modalities, missing),
            Fusion::Sum(f) => f.fuse(modalities, missing),
        }
    }
}

/// Checks the size shared by every strategy config.
fn validate_sizes(num_modalities: usize, d_model: usize) -> Result<()> {
    ensure(num_modalities > 0, "num_modalities", || {
        "at least one modality is needed".to_owned()
    })?;
    ensure(d_model > 0, "d_model", || "must be positive".to_owned())
}

/// Sets missing slots to zero (a select, so NaN garbage cannot leak through).
///
/// # Shapes
///
/// - modalities: `[n, m, d]`, missing: `[n, m]` -> `[n, m, d]`
fn zero_missing<B: Backend>(modalities: Tensor<B, 3>, missing: Tensor<B, 2, Bool>) -> Tensor<B, 3> {
    let [n, m, d] = modalities.dims();
    modalities.mask_fill(missing.reshape([n, m, 1]).expand([n, m, d]), 0.0)
}

/// Softmax over the modality axis restricted to present slots; an item with no present slot
/// gets all-zero weights.
///
/// # Shapes
///
/// - logits: `[n, m, h]`, missing: `[n, m]` -> `[n, m, h]`
fn masked_softmax<B: Backend>(logits: Tensor<B, 3>, missing: Tensor<B, 2, Bool>) -> Tensor<B, 3> {
    let [n, m, h] = logits.dims();
    let mask = missing.reshape([n, m, 1]).expand([n, m, h]);
    // A large negative logit gives an exact zero weight next to any present slot.
    softmax(logits.mask_fill(mask.clone(), -1.0e9), 1).mask_fill(mask, 0.0)
}
