//! Concatenation of the modalities and their presence flags, then an MLP.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Gelu, Linear, LinearConfig};
use burn::tensor::backend::Backend;
use burn::tensor::{Bool, Tensor};

use super::{validate_sizes, zero_missing, FusionStrategy};
use crate::dropout::{HostDropout, HostDropoutConfig};
use crate::error::{ensure, ensure_probability, Result};

/// Configuration of a [`ConcatMlpFusion`].
#[derive(Config, Debug)]
pub struct ConcatMlpFusionConfig {
    /// Number of modality slots `m`.
    pub num_modalities: usize,
    /// Width `d` of the modality vectors and of the output.
    pub d_model: usize,
    /// Width of the hidden layer.
    pub d_hidden: usize,
    /// Dropout after the hidden activation.
    #[config(default = 0.0)]
    pub dropout: f64,
}

impl ConcatMlpFusionConfig {
    /// Checks the hyper-parameters.
    pub fn validate(&self) -> Result<()> {
        validate_sizes(self.num_modalities, self.d_model)?;
        ensure(self.d_hidden > 0, "d_hidden", || {
            "must be positive".to_owned()
        })?;
        ensure_probability("dropout", self.dropout, false)
    }

    /// Initializes a [`ConcatMlpFusion`].
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<ConcatMlpFusion<B>> {
        self.validate()?;
        let d_input = self.num_modalities * (self.d_model + 1);
        Ok(ConcatMlpFusion {
            hidden: LinearConfig::new(d_input, self.d_hidden).init(device),
            output: LinearConfig::new(self.d_hidden, self.d_model).init(device),
            activation: Gelu::new(),
            dropout: HostDropoutConfig::new(self.dropout).init(),
        })
    }
}

/// `MLP([x_1 .. x_m, p_1 .. p_m])`: missing slots are zeroed and the presence flags `p_i` tell
/// the MLP which zeros mean "absent".
#[derive(Module, Debug)]
pub struct ConcatMlpFusion<B: Backend> {
    /// `[m (d + 1), d_hidden]`.
    pub hidden: Linear<B>,
    /// `[d_hidden, d]`.
    pub output: Linear<B>,
    /// Hidden activation.
    pub activation: Gelu,
    /// Dropout after the activation.
    pub dropout: HostDropout,
}

impl<B: Backend> FusionStrategy<B> for ConcatMlpFusion<B> {
    /// # Shapes
    ///
    /// - modalities: `[n, m, d]`, missing: `[n, m]` -> `[n, d]`
    fn fuse(&self, modalities: Tensor<B, 3>, missing: Tensor<B, 2, Bool>) -> Tensor<B, 2> {
        let [n, m, d] = modalities.dims();
        let x = zero_missing(modalities, missing.clone()).reshape([n, m * d]);
        let presence = missing.bool_not().float();
        let input = Tensor::cat(vec![x, presence], 1);
        let hidden = self
            .dropout
            .forward(self.activation.forward(self.hidden.forward(input)));
        self.output.forward(hidden)
    }
}
