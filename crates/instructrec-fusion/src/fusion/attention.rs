//! Learned queries attending over the modality tokens.

use burn::config::Config;
use burn::module::{Initializer, Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::backend::Backend;
use burn::tensor::{Bool, Tensor};

use super::{masked_softmax, validate_sizes, zero_missing, FusionStrategy};
use crate::error::{ensure, Result};

/// Configuration of an [`AttentionFusion`].
#[derive(Config, Debug)]
pub struct AttentionFusionConfig {
    /// Number of modality slots `m`.
    pub num_modalities: usize,
    /// Width `d` of the modality vectors and of the output.
    pub d_model: usize,
    /// Number of heads `h`, each with its own query.
    #[config(default = 1)]
    pub n_heads: usize,
    /// Initializer of the modality-type embeddings.
    #[config(default = "Initializer::Normal { mean: 0.0, std: 0.02 }")]
    pub initializer: Initializer,
}

impl AttentionFusionConfig {
    /// Checks the hyper-parameters.
    pub fn validate(&self) -> Result<()> {
        validate_sizes(self.num_modalities, self.d_model)?;
        ensure(self.n_heads > 0, "n_heads", || {
            "must be positive".to_owned()
        })
    }

    /// Initializes an [`AttentionFusion`].
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<AttentionFusion<B>> {
        self.validate()?;
        let (d, h) = (self.d_model, self.n_heads);
        Ok(AttentionFusion {
            modality_type: self.initializer.init([self.num_modalities, d], device),
            query: Initializer::KaimingUniform {
                gain: 1.0 / 3.0f64.sqrt(),
                fan_out_only: false,
            }
            .init_with([d, h], Some(d), Some(h), device),
            output: LinearConfig::new(h * d, d).init(device),
        })
    }
}

/// Attention pooling over modality tokens.
///
/// Token `i` is modality vector `x_i` plus a learned modality-type embedding `t_i`. Head `k`
/// scores it as `q_k . (x_i + t_i) / sqrt(d)` (the learned query already folded with a key
/// projection), takes a softmax over the present tokens only, and pools the tokens; the `h`
/// pooled vectors go through one output projection (which also plays the value projection's
/// role). An item with no present modality gets the output bias.
#[derive(Module, Debug)]
pub struct AttentionFusion<B: Backend> {
    /// Modality-type embeddings `t`, `[m, d]`.
    pub modality_type: Param<Tensor<B, 2>>,
    /// The queries `q`, `[d, h]`.
    pub query: Param<Tensor<B, 2>>,
    /// `[h d, d]`.
    pub output: Linear<B>,
}

impl<B: Backend> AttentionFusion<B> {
    /// The attention weights of each head over the modality slots (zero on missing slots).
    ///
    /// # Shapes
    ///
    /// - modalities: `[n, m, d]`, missing: `[n, m]` -> `[n, m, h]`
    pub fn weights(&self, modalities: Tensor<B, 3>, missing: Tensor<B, 2, Bool>) -> Tensor<B, 3> {
        let x = zero_missing(modalities, missing.clone());
        self.weights_of(x, missing)
    }

    /// Weights over zeroed modalities `x`. Written with 2-D products and small broadcasts only:
    /// adding `t` to every token of `[n, m, d]` would be a slow broadcast on CPU backends.
    fn weights_of(&self, x: Tensor<B, 3>, missing: Tensor<B, 2, Bool>) -> Tensor<B, 3> {
        let [n, m, d] = x.dims();
        let query = self.query.val();
        let h = query.dims()[1];
        let type_scores = self.modality_type.val().matmul(query.clone()); // [m, h]
        let scores =
            x.reshape([n * m, d]).matmul(query).reshape([n, m, h]) + type_scores.reshape([1, m, h]);
        masked_softmax(scores / (d as f64).sqrt(), missing)
    }
}

impl<B: Backend> FusionStrategy<B> for AttentionFusion<B> {
    /// # Shapes
    ///
    /// - modalities: `[n, m, d]`, missing: `[n, m]` -> `[n, d]`
    fn fuse(&self, modalities: Tensor<B, 3>, missing: Tensor<B, 2, Bool>) -> Tensor<B, 2> {
        let [n, m, d] = modalities.dims();
        let x = zero_missing(modalities, missing.clone());
        let weights = self.weights_of(x.clone(), missing).swap_dims(1, 2); // [n, h, m]
        let h = weights.dims()[1];
        // sum_i w_i (x_i + t_i) = [n, h, m] x [n, m, d]  +  [n h, m] x [m, d]
        let pooled = weights.clone().matmul(x)
            + weights
                .reshape([n * h, m])
                .matmul(self.modality_type.val())
                .reshape([n, h, d]);
        self.output.forward(pooled.reshape([n, h * d]))
    }
}
