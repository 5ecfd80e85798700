//! One transformer encoder layer (self-attention + feed-forward), pre-norm or post-norm.
//!
//! burn-nn's `TransformerEncoder` runs every linear layer as a batched matmul over `[batch, len,
//! d]` with the weight broadcast per sequence, which on the CPU backend costs ~3× one
//! `[batch * len, d]` matmul. This layer flattens tokens for every linear layer and uses the
//! backend's fused attention kernel.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Gelu, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;

use crate::{ModelError, Result};

/// The additive attention bias of a padding position: `exp(-1e4)` underflows to zero, and unlike
/// `-inf` it cannot turn a sequence made only of padding into NaNs (it is also finite in f16).
const MASKED: f32 = -1.0e4;

/// Hyper-parameters of a [`TransformerLayer`].
#[derive(Config, Debug)]
pub struct TransformerLayerConfig {
    /// Width of the token states.
    pub d_model: usize,
    /// Number of attention heads; must divide `d_model`.
    pub n_heads: usize,
    /// Width of the feed-forward sub-layer.
    pub d_ff: usize,
    /// Dropout on each sub-layer's output and after the activation.
    #[config(default = 0.1)]
    pub dropout: f64,
    /// Pre-norm (normalise each sub-layer's input) instead of post-norm (normalise after each
    /// residual sum, as BERT does).
    #[config(default = true)]
    pub norm_first: bool,
    /// Epsilon of both LayerNorms.
    #[config(default = 1e-5)]
    pub layer_norm_eps: f64,
}

impl TransformerLayerConfig {
    /// Checks that the hyper-parameters are usable.
    pub fn validate(&self) -> Result<()> {
        for (field, value) in [
            ("d_model", self.d_model),
            ("n_heads", self.n_heads),
            ("d_ff", self.d_ff),
        ] {
            if value == 0 {
                return Err(ModelError::InvalidConfig {
                    field,
                    message: "must be positive".into(),
                });
            }
        }
        if self.d_model % self.n_heads != 0 {
            return Err(ModelError::InvalidConfig {
                field: "n_heads",
                message: format!(
                    "{} heads do not divide d_model {}",
                    self.n_heads, self.d_model
                ),
            });
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(ModelError::InvalidConfig {
                field: "dropout",
                message: format!("{} is outside [0, 1)", self.dropout),
            });
        }
        if !self.layer_norm_eps.is_finite() || self.layer_norm_eps <= 0.0 {
            return Err(ModelError::InvalidConfig {
                field: "layer_norm_eps",
                message: format!("{} is not a positive number", self.layer_norm_eps),
            });
        }
        Ok(())
    }

    /// Validates the config and builds a randomly initialised layer.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<TransformerLayer<B>> {
        self.validate()?;
        let linear = |d_in, d_out| LinearConfig::new(d_in, d_out).init(device);
        let norm = || {
            LayerNormConfig::new(self.d_model)
                .with_epsilon(self.layer_norm_eps)
                .init(device)
        };
        Ok(TransformerLayer {
            query: linear(self.d_model, self.d_model),
            key: linear(self.d_model, self.d_model),
            value: linear(self.d_model, self.d_model),
            attention_output: linear(self.d_model, self.d_model),
            attention_norm: norm(),
            ff_inner: linear(self.d_model, self.d_ff),
            ff_outer: linear(self.d_ff, self.d_model),
            ff_norm: norm(),
            activation: Gelu::new(),
            dropout: DropoutConfig::new(self.dropout).init(),
            n_heads: self.n_heads,
            norm_first: self.norm_first,
        })
    }
}

/// Multi-head self-attention and an exact-GELU feed-forward, each with a residual connection.
///
/// Attention probabilities are not dropped out (the fused kernel has no dropout); sub-layer
/// outputs are.
#[derive(Module, Debug)]
pub struct TransformerLayer<B: Backend> {
    pub(crate) query: Linear<B>,
    pub(crate) key: Linear<B>,
    pub(crate) value: Linear<B>,
    pub(crate) attention_output: Linear<B>,
    pub(crate) attention_norm: LayerNorm<B>,
    pub(crate) ff_inner: Linear<B>,
    pub(crate) ff_outer: Linear<B>,
    pub(crate) ff_norm: LayerNorm<B>,
    activation: Gelu,
    dropout: Dropout,
    n_heads: usize,
    norm_first: bool,
}

impl<B: Backend> TransformerLayer<B> {
    /// Applies the layer.
    ///
    /// # Shapes
    /// - `x`: `[batch, len, d_model]`
    /// - `bias`: `[batch, 1, 1, len]`, from [`padding_bias`]
    /// - output: `[batch, len, d_model]`
    pub fn forward(&self, x: Tensor<B, 3>, bias: Tensor<B, 4>) -> Tensor<B, 3> {
        let [batch, len, d_model] = x.dims();
        let heads = self.n_heads;
        let x = x.reshape([batch * len, d_model]);

        let input = self.normalized_input(&self.attention_norm, x.clone());
        let split = |linear: &Linear<B>| {
            linear
                .forward(input.clone())
                .reshape([batch, len, heads, d_model / heads])
                .swap_dims(1, 2)
        };
        let context = attention(
            split(&self.query),
            split(&self.key),
            split(&self.value),
            None,
            Some(bias.expand([batch, heads, len, len])),
            AttentionModuleOptions::default(),
        )
        .swap_dims(1, 2)
        .reshape([batch * len, d_model]);
        let x = x + self.dropout.forward(self.attention_output.forward(context));
        let x = self.normalized_output(&self.attention_norm, x);

        let input = self.normalized_input(&self.ff_norm, x.clone());
        let inner = self.activation.forward(self.ff_inner.forward(input));
        let x = x + self
            .dropout
            .forward(self.ff_outer.forward(self.dropout.forward(inner)));
        self.normalized_output(&self.ff_norm, x)
            .reshape([batch, len, d_model])
    }

    fn normalized_input(&self, norm: &LayerNorm<B>, x: Tensor<B, 2>) -> Tensor<B, 2> {
        if self.norm_first {
            norm.forward(x)
        } else {
            x
        }
    }

    fn normalized_output(&self, norm: &LayerNorm<B>, x: Tensor<B, 2>) -> Tensor<B, 2> {
        if self.norm_first {
            x
        } else {
            norm.forward(x)
        }
    }
}

/// The additive attention bias that keeps every query from attending to padding keys.
///
/// # Shapes
/// - `padding`: `[batch, len]`, `true` at padding positions
/// - output: `[batch, 1, 1, len]`
pub fn padding_bias<B: Backend>(padding: Tensor<B, 2, Bool>) -> Tensor<B, 4> {
    let [batch, len] = padding.dims();
    padding
        .float()
        .mul_scalar(MASKED)
        .reshape([batch, 1, 1, len])
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;
    use burn::module::Param;
    use burn::nn::transformer::{TransformerEncoderConfig, TransformerEncoderInput};
    use burn::tensor::{Distribution, Tolerance};

    type B = Flex;

    /// The same weights (cloning a lazily initialised parameter would draw new ones).
    fn copy(linear: &Linear<B>) -> Linear<B> {
        Linear {
            weight: Param::from_tensor(linear.weight.val()),
            bias: linear.bias.as_ref().map(|b| Param::from_tensor(b.val())),
        }
    }

    /// Same weights, same maths as burn-nn's encoder layer (which is ~3× slower on the CPU).
    #[test]
    fn matches_burn_nn_encoder_layer() {
        let device = Default::default();
        for norm_first in [true, false] {
            let reference = TransformerEncoderConfig::new(16, 32, 4, 1)
                .with_norm_first(norm_first)
                .init::<B>(&device);
            let nn = &reference.layers[0];
            let mut layer = TransformerLayerConfig::new(16, 4, 32)
                .with_norm_first(norm_first)
                .init::<B>(&device)
                .unwrap();
            layer.query = copy(&nn.mha.query);
            layer.key = copy(&nn.mha.key);
            layer.value = copy(&nn.mha.value);
            layer.attention_output = copy(&nn.mha.output);
            layer.attention_norm = nn.norm_1.clone();
            layer.ff_inner = copy(&nn.pwff.linear_inner);
            layer.ff_outer = copy(&nn.pwff.linear_outer);
            layer.ff_norm = nn.norm_2.clone();
            // burn-nn pre-norm normalises the attention input with `norm_2`, post-norm with
            // `norm_1` after attention; swap to line up the pre-norm case.
            if norm_first {
                std::mem::swap(&mut layer.attention_norm, &mut layer.ff_norm);
            }

            let x = Tensor::<B, 3>::random([2, 5, 16], Distribution::Default, &device);
            let padding = Tensor::<B, 2, Bool>::from_data(
                [[false, false, false, true, true], [false; 5]],
                &device,
            );
            let expected = reference
                .forward(TransformerEncoderInput::new(x.clone()).mask_pad(padding.clone()));
            let actual = layer.forward(x, padding_bias(padding));
            actual
                .into_data()
                .assert_approx_eq::<f32>(&expected.into_data(), Tolerance::absolute(1e-4));
        }
    }

    #[test]
    fn validate_rejects_bad_hyper_parameters() {
        let config = || TransformerLayerConfig::new(8, 2, 16);
        for (config, field) in [
            (TransformerLayerConfig::new(8, 3, 16), "n_heads"),
            (TransformerLayerConfig::new(8, 2, 0), "d_ff"),
            (config().with_dropout(1.5), "dropout"),
            (config().with_layer_norm_eps(0.0), "layer_norm_eps"),
        ] {
            match config.init::<B>(&Default::default()) {
                Err(ModelError::InvalidConfig { field: f, .. }) => assert_eq!(f, field),
                other => panic!("expected an error on `{field}`, got {other:?}"),
            }
        }
    }

    #[test]
    fn an_all_padding_sequence_stays_finite() {
        let device = Default::default();
        let layer = TransformerLayerConfig::new(8, 2, 16)
            .init::<B>(&device)
            .unwrap();
        let x = Tensor::<B, 3>::random([1, 3, 8], Distribution::Default, &device);
        let padding = Tensor::<B, 2, Bool>::from_data([[true; 3]], &device);
        let out = layer.forward(x, padding_bias(padding));
        assert!(!out.is_nan().any().into_scalar().to_bool());
    }
}
