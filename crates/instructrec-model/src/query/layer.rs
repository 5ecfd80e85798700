//! One transformer layer of the query tower, which also returns its attention weights.

use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};

use crate::dropout::{HostDropout, HostDropoutConfig};
use crate::{check, ModelError, Result};
use burn::prelude::*;
use burn::tensor::activation::{gelu, relu, softmax};

/// The non-linearity of the feed-forward sub-layers.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum FeedForwardActivation {
    /// `max(0, x)`: by far the cheapest on burn's CPU backends.
    Relu,
    /// Exact (erf) GELU, as RecBole's SASRec.
    Gelu,
}

/// Hyper-parameters of a [`QueryTowerLayer`].
#[derive(Config, Debug)]
pub struct QueryTowerLayerConfig {
    /// Width of the token states.
    pub d_model: usize,
    /// Width of the feed-forward sub-layer.
    pub d_ff: usize,
    /// Number of attention heads; must divide `d_model`.
    pub n_heads: usize,
    /// Dropout on attention weights and residual branches.
    pub dropout: f64,
    /// Pre-norm (`true`: LayerNorm before each sub-layer) or post-norm (after each residual sum).
    pub norm_first: bool,
    /// The feed-forward non-linearity.
    pub activation: FeedForwardActivation,
}

impl QueryTowerLayerConfig {
    /// Checks that the hyper-parameters are usable.
    ///
    /// Each head attends over an equal `d_model / n_heads` slice of the states, so `n_heads`
    /// must be positive and divide `d_model`; otherwise the layer would divide by zero or fail
    /// to reshape in its first forward pass.
    pub fn validate(&self) -> Result<()> {
        check::positive(&[
            ("d_model", self.d_model),
            ("n_heads", self.n_heads),
            ("d_ff", self.d_ff),
        ])?;
        if self.d_model % self.n_heads != 0 {
            return Err(ModelError::InvalidConfig {
                field: "n_heads",
                message: format!(
                    "{} heads do not divide d_model {}",
                    self.n_heads, self.d_model
                ),
            });
        }
        check::dropout("dropout", self.dropout)
    }

    /// Validates the config and builds a randomly initialised layer.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<QueryTowerLayer<B>> {
        self.validate()?;
        let linear = |d_in, d_out| LinearConfig::new(d_in, d_out).init(device);
        Ok(QueryTowerLayer {
            qkv: linear(self.d_model, 3 * self.d_model),
            attention_output: linear(self.d_model, self.d_model),
            feed_forward_inner: linear(self.d_model, self.d_ff),
            feed_forward_outer: linear(self.d_ff, self.d_model),
            attention_norm: LayerNormConfig::new(self.d_model).init(device),
            feed_forward_norm: LayerNormConfig::new(self.d_model).init(device),
            dropout: HostDropoutConfig::new(self.dropout).init(),
            n_heads: self.n_heads,
            norm_first: self.norm_first,
            activation: self.activation,
        })
    }
}

/// Multi-head self-attention and a feed-forward network, each in a residual branch.
///
/// Written for burn's CPU backends rather than taken from `burn::nn`: query, key and value come
/// from one fused projection, every projection runs on a 2-D `[batch * len, d]` view (batched
/// 3-D matmuls against a shared weight are several times slower on `Flex`), the padding and
/// prefix-LM pattern arrive as one mask (one `mask_fill`), and the attention weights are
/// returned for explanations.
#[derive(Module, Debug)]
pub struct QueryTowerLayer<B: Backend> {
    qkv: Linear<B>,
    attention_output: Linear<B>,
    feed_forward_inner: Linear<B>,
    feed_forward_outer: Linear<B>,
    attention_norm: LayerNorm<B>,
    feed_forward_norm: LayerNorm<B>,
    dropout: HostDropout,
    n_heads: usize,
    norm_first: bool,
    activation: FeedForwardActivation,
}

impl<B: Backend> QueryTowerLayer<B> {
    /// Applies the layer.
    ///
    /// Errors if a dropout mask cannot be drawn (see [`HostDropout::forward`]).
    ///
    /// # Shapes
    /// - `x`: `[batch, seq_len, d_model]`
    /// - `mask`: `[batch, 1, seq_len, seq_len]`, `true` where attention is not allowed
    /// - output: the new states `[batch, seq_len, d_model]` and the attention weights
    ///   `[batch, n_heads, seq_len, seq_len]`
    pub fn forward(
        &self,
        x: Tensor<B, 3>,
        mask: Tensor<B, 4, Bool>,
    ) -> Result<(Tensor<B, 3>, Tensor<B, 4>)> {
        let [batch, len, d_model] = x.dims();
        let x = x.reshape([batch * len, d_model]);
        let (x, weights) = if self.norm_first {
            let (context, weights) =
                self.attend(self.attention_norm.forward(x.clone()), mask, batch)?;
            let x = x + context;
            let x = x.clone() + self.feed_forward(self.feed_forward_norm.forward(x))?;
            (x, weights)
        } else {
            let (context, weights) = self.attend(x.clone(), mask, batch)?;
            let x = self.attention_norm.forward(x + context);
            let x = self
                .feed_forward_norm
                .forward(x.clone() + self.feed_forward(x)?);
            (x, weights)
        };
        Ok((x.reshape([batch, len, d_model]), weights))
    }

    /// Self-attention over `[batch * len, d]` rows; returns the dropped-out context and the
    /// attention weights.
    fn attend(
        &self,
        x: Tensor<B, 2>,
        mask: Tensor<B, 4, Bool>,
        batch: usize,
    ) -> Result<(Tensor<B, 2>, Tensor<B, 4>)> {
        let [rows, d_model] = x.dims();
        let (len, heads) = (rows / batch, self.n_heads);
        let d_head = d_model / heads;
        let qkv = self
            .qkv
            .forward(x)
            .reshape([batch, len, 3 * heads, d_head])
            .swap_dims(1, 2);
        let query = qkv.clone().narrow(1, 0, heads) * (1.0 / (d_head as f64).sqrt());
        let key = qkv.clone().narrow(1, heads, heads);
        let value = qkv.narrow(1, 2 * heads, heads);
        let scores = query.matmul(key.swap_dims(2, 3)).mask_fill(mask, -1.0e4);
        let weights = softmax(scores, 3);
        let context = self
            .dropout
            .forward(weights.clone())?
            .matmul(value)
            .swap_dims(1, 2)
            .reshape([rows, d_model]);
        Ok((
            self.dropout
                .forward(self.attention_output.forward(context))?,
            weights,
        ))
    }

    /// The feed-forward branch, dropout included.
    fn feed_forward(&self, x: Tensor<B, 2>) -> Result<Tensor<B, 2>> {
        let hidden = self.feed_forward_inner.forward(x);
        let hidden = match self.activation {
            FeedForwardActivation::Relu => relu(hidden),
            FeedForwardActivation::Gelu => gelu(hidden),
        };
        let out = self
            .feed_forward_outer
            .forward(self.dropout.forward(hidden)?);
        self.dropout.forward(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;

    fn config() -> QueryTowerLayerConfig {
        QueryTowerLayerConfig::new(8, 16, 2, 0.1, true, FeedForwardActivation::Relu)
    }

    #[test]
    fn bad_hyper_parameters_are_errors_naming_the_field() {
        config().validate().unwrap();
        let field = |change: fn(&mut QueryTowerLayerConfig)| {
            let mut config = config();
            change(&mut config);
            match config.init::<Flex>(&Default::default()) {
                Err(ModelError::InvalidConfig { field, .. }) => field,
                other => panic!("expected a config error, got {other:?}"),
            }
        };
        assert_eq!(field(|c| c.n_heads = 0), "n_heads");
        assert_eq!(field(|c| c.n_heads = 3), "n_heads");
        assert_eq!(field(|c| c.d_model = 0), "d_model");
        assert_eq!(field(|c| c.d_ff = 0), "d_ff");
        assert_eq!(field(|c| c.dropout = 1.0), "dropout");
        assert_eq!(field(|c| c.dropout = f64::NAN), "dropout");
    }
}
