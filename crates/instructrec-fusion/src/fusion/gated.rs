//! Softmax-gated sum of the present modalities.

use burn::config::Config;
use burn::module::{Initializer, Module, Param};
use burn::tensor::backend::Backend;
use burn::tensor::{Bool, Tensor};

use super::{masked_softmax, validate_sizes, zero_missing, FusionStrategy};
use crate::error::Result;

/// Configuration of a [`GatedSumFusion`].
#[derive(Config, Debug)]
pub struct GatedSumFusionConfig {
    /// Number of modality slots `m`.
    pub num_modalities: usize,
    /// Width `d` of the modality vectors.
    pub d_model: usize,
}

impl GatedSumFusionConfig {
    /// Checks the hyper-parameters.
    pub fn validate(&self) -> Result<()> {
        validate_sizes(self.num_modalities, self.d_model)
    }

    /// Initializes a [`GatedSumFusion`]: gates start at zero, i.e. as the mean of the present
    /// modalities.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<GatedSumFusion<B>> {
        self.validate()?;
        Ok(GatedSumFusion {
            gate: Initializer::Zeros.init([self.num_modalities, self.d_model], device),
            bias: Initializer::Zeros.init([self.num_modalities], device),
        })
    }
}

/// `sum_i w_i x_i` with `w = softmax_i(g_i . x_i + b_i)` over the present slots: each modality
/// slot `i` has its own gate vector `g_i` and bias `b_i`, so the weight of a modality depends on
/// what it says about the item.
#[derive(Module, Debug)]
pub struct GatedSumFusion<B: Backend> {
    /// Gate vectors `[m, d]`.
    pub gate: Param<Tensor<B, 2>>,
    /// Gate biases `[m]`.
    pub bias: Param<Tensor<B, 1>>,
}

impl<B: Backend> FusionStrategy<B> for GatedSumFusion<B> {
    /// # Shapes
    ///
    /// - modalities: `[n, m, d]`, missing: `[n, m]` -> `[n, d]`
    fn fuse(&self, modalities: Tensor<B, 3>, missing: Tensor<B, 2, Bool>) -> Tensor<B, 2> {
        let [n, m, d] = modalities.dims();
        let x = zero_missing(modalities, missing.clone());
        // g_i . x_i for every slot: [m, n, d] x [m, d, 1] -> [m, n, 1] (a broadcast mul + sum
        // over [n, m, d] is far slower on CPU backends).
        let logits = x
            .clone()
            .swap_dims(0, 1)
            .matmul(self.gate.val().reshape([m, d, 1]))
            .swap_dims(0, 1)
            + self.bias.val().reshape([1, m, 1]);
        let weights = masked_softmax(logits, missing); // [n, m, 1]
        weights.swap_dims(1, 2).matmul(x).reshape([n, d])
    }
}
