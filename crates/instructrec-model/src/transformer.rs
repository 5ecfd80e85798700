//! The transformer layer of the text encoders and the query tower: multi-head self-attention and
//! a feed-forward network, each in a residual branch, pre-norm or post-norm.
//!
//! Written for burn's CPU backends rather than taken from burn-nn: query, key and value come from
//! one fused projection, and every projection runs on a 2-D `[batch * len, d]` view. burn-nn's
//! `TransformerEncoder` runs each linear layer as a batched matmul over `[batch, len, d]` with the
//! weight broadcast per sequence, which on `Flex` costs ~3× one `[batch * len, d]` matmul.

use std::cell::RefCell;

use burn::module::Param;
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::{gelu, relu, softmax};
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;

use crate::{check, ModelError, Result};
use instructrec_fusion::dropout::{HostDropout, HostDropoutConfig};

/// The attention score of a query–key pair that the mask forbids: `exp(-1e4)` underflows to
/// zero, and unlike `-inf` it cannot turn a query whose keys are all masked (a padding slot, a
/// sequence made only of padding) into NaNs. It is also finite in f16.
const MASKED: f32 = -1.0e4;

/// Which keys each query may attend to, as the additive bias the attention adds to its scores:
/// 0 where allowed, a large negative number where not.
///
/// Built once per forward pass and shared by every layer. The first layer materializes it as one
/// contiguous `[batch, n_heads, len, len]` tensor, which the others reuse: on burn-flex, adding a
/// bias broadcast over the heads, or handing one to the fused kernel, walks it element by
/// element in every layer, forward and backward.
#[derive(Debug, Clone)]
pub struct AttentionBias<B: Backend> {
    mask: Tensor<B, 4, Bool>,
    per_head: RefCell<Option<Tensor<B, 4>>>,
}

impl<B: Backend> AttentionBias<B> {
    /// The bias of a boolean mask, `true` where attention is not allowed.
    ///
    /// # Shapes
    /// - `mask`: `[batch, 1, 1, len]` (the same keys for every query, e.g. padding) or
    ///   `[batch, 1, len, len]`
    pub fn from_mask(mask: Tensor<B, 4, Bool>) -> Self {
        Self {
            mask,
            per_head: RefCell::new(None),
        }
    }

    /// The bias, `[batch, n_heads, len, len]`.
    fn for_heads(&self, n_heads: usize) -> Tensor<B, 4> {
        let mut per_head = self.per_head.borrow_mut();
        match per_head.as_ref() {
            Some(bias) if bias.dims()[1] == n_heads => bias.clone(),
            _ => {
                let [batch, _, _, len] = self.mask.dims();
                let bias = self
                    .mask
                    .clone()
                    .expand([batch, n_heads, len, len])
                    .float()
                    .mul_scalar(MASKED);
                *per_head = Some(bias.clone());
                bias
            }
        }
    }
}

/// The non-linearity of the feed-forward sub-layers.
#[derive(Config, Debug, Copy, PartialEq, Eq)]
pub enum FeedForwardActivation {
    /// `max(0, x)`: by far the cheapest on burn's CPU backends.
    Relu,
    /// Exact (erf) GELU, as BERT and RecBole's SASRec.
    Gelu,
}

/// Hyper-parameters of a [`TransformerLayer`].
#[derive(Config, Debug)]
pub struct TransformerLayerConfig {
    /// Width of the token states.
    pub d_model: usize,
    /// Number of attention heads; must divide `d_model`.
    pub n_heads: usize,
    /// Width of the feed-forward sub-layer.
    pub d_ff: usize,
    /// Dropout on each residual branch's output and after the feed-forward activation, and, in
    /// [`TransformerLayer::forward_with_attention`], on the attention weights.
    #[config(default = 0.1)]
    pub dropout: f64,
    /// Pre-norm (normalise each sub-layer's input) instead of post-norm (normalise after each
    /// residual sum, as BERT does).
    #[config(default = true)]
    pub norm_first: bool,
    /// The feed-forward non-linearity.
    #[config(default = "FeedForwardActivation::Gelu")]
    pub activation: FeedForwardActivation,
    /// Epsilon of both LayerNorms.
    #[config(default = 1e-5)]
    pub layer_norm_eps: f64,
}

impl TransformerLayerConfig {
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
        check::dropout("dropout", self.dropout)?;
        check::positive_real("layer_norm_eps", self.layer_norm_eps)
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
            qkv: linear(self.d_model, 3 * self.d_model),
            attention_output: linear(self.d_model, self.d_model),
            feed_forward_inner: linear(self.d_model, self.d_ff),
            feed_forward_outer: linear(self.d_ff, self.d_model),
            attention_norm: norm(),
            feed_forward_norm: norm(),
            dropout: HostDropoutConfig::new(self.dropout).init(),
            n_heads: self.n_heads,
            norm_first: self.norm_first,
            activation: self.activation,
        })
    }
}

/// Multi-head self-attention and a feed-forward network, each in a residual branch.
///
/// [`forward`](Self::forward) uses the backend's fused attention kernel;
/// [`forward_with_attention`](Self::forward_with_attention) computes the softmax explicitly to
/// return the attention weights (for explanations) and to drop them out.
#[derive(Module, Debug)]
pub struct TransformerLayer<B: Backend> {
    /// Query, key and value projections side by side: `[d_model, 3 * d_model]`.
    pub(crate) qkv: Linear<B>,
    pub(crate) attention_output: Linear<B>,
    pub(crate) feed_forward_inner: Linear<B>,
    pub(crate) feed_forward_outer: Linear<B>,
    pub(crate) attention_norm: LayerNorm<B>,
    pub(crate) feed_forward_norm: LayerNorm<B>,
    dropout: HostDropout,
    n_heads: usize,
    norm_first: bool,
    activation: FeedForwardActivation,
}

impl<B: Backend> TransformerLayer<B> {
    /// Applies the layer with the backend's fused attention kernel, the fastest path.
    ///
    /// The kernel has no dropout, so attention weights are not dropped out here (sub-layer
    /// outputs are).
    ///
    /// # Shapes
    /// - `x`: `[batch, len, d_model]`
    /// - `bias`: from a mask `[batch, 1, 1 or len, len]` (see [`AttentionBias`])
    /// - output: `[batch, len, d_model]`
    pub fn forward(&self, x: Tensor<B, 3>, bias: &AttentionBias<B>) -> Tensor<B, 3> {
        let (x, ()) = self.apply(x, |query, key, value| {
            // One kernel call per head: the kernel copies its inputs to contiguous memory, and
            // one head's slice of the fused projection collapses to a 2-D copy (rows of d_head
            // values), while all heads at once are copied element by element on burn-flex.
            let bias = bias.for_heads(1);
            let head = |tensor: &Tensor<B, 4>, h| tensor.clone().narrow(1, h, 1);
            let heads = (0..self.n_heads)
                .map(|h| {
                    let options = AttentionModuleOptions::default();
                    let (query, key, value) = (head(&query, h), head(&key, h), head(&value, h));
                    attention(query, key, value, None, Some(bias.clone()), options).swap_dims(1, 2)
                })
                .collect();
            (Tensor::cat(heads, 2), ())
        });
        x
    }

    /// Applies the layer and also returns its attention weights, with the weights dropped out
    /// before they mix the values.
    ///
    /// # Shapes
    /// - `x`: `[batch, len, d_model]`
    /// - `bias`: from a mask `[batch, 1, 1 or len, len]` (see [`AttentionBias`])
    /// - output: the new states `[batch, len, d_model]` and the attention weights
    ///   `[batch, n_heads, len, len]`
    pub fn forward_with_attention(
        &self,
        x: Tensor<B, 3>,
        bias: &AttentionBias<B>,
    ) -> (Tensor<B, 3>, Tensor<B, 4>) {
        self.apply(x, |query, key, value| {
            let d_head = query.dims()[3];
            // Scaling the scores rather than the query, and adding a bias rather than filling a
            // broadcast mask, keeps both element-wise ops on contiguous tensors: on burn-flex,
            // ops on permuted or broadcast views walk them element by element.
            let scores = query
                .matmul(key.swap_dims(2, 3))
                .mul_scalar(1.0 / (d_head as f64).sqrt())
                + bias.for_heads(self.n_heads);
            let weights = softmax(scores, 3);
            let context = self.dropout.forward(weights.clone()).matmul(value);
            (context.swap_dims(1, 2), weights)
        })
    }

    /// The layer around an attention function, which maps query, key and value
    /// `[batch, n_heads, len, d_head]` to the context `[batch, len, n_heads, d_head]` (token
    /// major, as the output projection reads it) and whatever it reports besides (the attention
    /// weights, or nothing).
    fn apply<W>(
        &self,
        x: Tensor<B, 3>,
        attend: impl FnOnce(Tensor<B, 4>, Tensor<B, 4>, Tensor<B, 4>) -> (Tensor<B, 4>, W),
    ) -> (Tensor<B, 3>, W) {
        let [batch, len, d_model] = x.dims();
        let heads = self.n_heads;
        let x = x.reshape([batch * len, d_model]);
        let (x, report) = self.residual(&self.attention_norm, x, |input| {
            let qkv = self
                .qkv
                .forward(input)
                .reshape([batch, len, 3 * heads, d_model / heads])
                .swap_dims(1, 2);
            let (context, report) = attend(
                qkv.clone().narrow(1, 0, heads),
                qkv.clone().narrow(1, heads, heads),
                qkv.narrow(1, 2 * heads, heads),
            );
            let context = context.reshape([batch * len, d_model]);
            let out = self.dropout.forward(self.attention_output.forward(context));
            (out, report)
        });
        let (x, ()) = self.residual(&self.feed_forward_norm, x, |input| {
            (self.feed_forward(input), ())
        });
        (x.reshape([batch, len, d_model]), report)
    }

    /// `x + branch(x)` with `norm` on the branch's input (pre-norm) or on the sum (post-norm).
    fn residual<W>(
        &self,
        norm: &LayerNorm<B>,
        x: Tensor<B, 2>,
        branch: impl FnOnce(Tensor<B, 2>) -> (Tensor<B, 2>, W),
    ) -> (Tensor<B, 2>, W) {
        if self.norm_first {
            let (out, report) = branch(norm.forward(x.clone()));
            (x + out, report)
        } else {
            let (out, report) = branch(x.clone());
            (norm.forward(x + out), report)
        }
    }

    /// The feed-forward branch, dropout included.
    fn feed_forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        let hidden = self.feed_forward_inner.forward(x);
        let hidden = match self.activation {
            FeedForwardActivation::Relu => relu(hidden),
            FeedForwardActivation::Gelu => gelu(hidden),
        };
        let out = self
            .feed_forward_outer
            .forward(self.dropout.forward(hidden));
        self.dropout.forward(out)
    }
}

/// The query, key and value projections as the one `[query | key | value]` projection a
/// [`TransformerLayer`] stores (`qkv`), for weights kept as three (BERT checkpoints). A missing
/// bias counts as zeros.
///
/// The fused parameters are new leaves, so an optimizer updates them and not the inputs.
pub(crate) fn fused_qkv<B: Backend>(
    query: Linear<B>,
    key: Linear<B>,
    value: Linear<B>,
) -> Linear<B> {
    let parts = [query, key, value];
    let weight = Tensor::cat(parts.iter().map(|part| part.weight.val()).collect(), 1);
    let bias = parts.iter().any(|part| part.bias.is_some()).then(|| {
        let biases = parts.iter().map(|part| match &part.bias {
            Some(bias) => bias.val(),
            None => Tensor::zeros([part.weight.dims()[1]], &weight.device()),
        });
        Param::from_tensor(Tensor::cat(biases.collect(), 0).detach())
    });
    Linear {
        weight: Param::from_tensor(weight.detach()),
        bias,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;
    use burn::nn::transformer::{TransformerEncoderConfig, TransformerEncoderInput};
    use burn::tensor::{Distribution, Tolerance};

    type B = Flex;

    fn config() -> TransformerLayerConfig {
        TransformerLayerConfig::new(8, 2, 16)
    }

    /// The same weights (cloning a lazily initialised parameter would draw new ones).
    fn copy(linear: &Linear<B>) -> Linear<B> {
        Linear {
            weight: Param::from_tensor(linear.weight.val()),
            bias: linear.bias.as_ref().map(|b| Param::from_tensor(b.val())),
        }
    }

    /// `[batch, 1, 1, len]` from a `[batch, len]` padding mask.
    fn padding_mask(rows: &[[bool; 5]]) -> Tensor<B, 4, Bool> {
        let data = TensorData::new(rows.concat(), [rows.len(), 1, 1, 5]);
        Tensor::from_data(data, &Default::default())
    }

    fn padding_bias(rows: &[[bool; 5]]) -> AttentionBias<B> {
        AttentionBias::from_mask(padding_mask(rows))
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
            layer.qkv = fused_qkv(copy(&nn.mha.query), copy(&nn.mha.key), copy(&nn.mha.value));
            layer.attention_output = copy(&nn.mha.output);
            layer.attention_norm = nn.norm_1.clone();
            layer.feed_forward_inner = copy(&nn.pwff.linear_inner);
            layer.feed_forward_outer = copy(&nn.pwff.linear_outer);
            layer.feed_forward_norm = nn.norm_2.clone();
            // burn-nn pre-norm normalises the attention input with `norm_2`, post-norm with
            // `norm_1` after attention; swap to line up the pre-norm case.
            if norm_first {
                std::mem::swap(&mut layer.attention_norm, &mut layer.feed_forward_norm);
            }

            let x = Tensor::<B, 3>::random([2, 5, 16], Distribution::Default, &device);
            let rows = [[false, false, false, true, true], [false; 5]];
            let padding = Tensor::<B, 2, Bool>::from_data(rows, &device);
            let expected =
                reference.forward(TransformerEncoderInput::new(x.clone()).mask_pad(padding));
            let actual = layer.forward(x, &padding_bias(&rows));
            actual
                .into_data()
                .assert_approx_eq::<f32>(&expected.into_data(), Tolerance::absolute(1e-4));
        }
    }

    /// The explicit softmax computes what the fused kernel does, and its weights skip the
    /// masked keys.
    #[test]
    fn both_attention_paths_agree() {
        let device = Default::default();
        let layer = config().init::<B>(&device).unwrap();
        let x = Tensor::<B, 3>::random([2, 5, 8], Distribution::Default, &device);
        let rows = [[false, false, true, false, true], [false; 5]];
        let bias = AttentionBias::from_mask(padding_mask(&rows).expand([2, 1, 5, 5]));
        let fused = layer.forward(x.clone(), &bias);
        let (explicit, weights) = layer.forward_with_attention(x, &bias);
        explicit
            .into_data()
            .assert_approx_eq::<f32>(&fused.into_data(), Tolerance::absolute(1e-5));
        assert_eq!(weights.dims(), [2, 2, 5, 5]);
        let sums = weights.clone().sum_dim(3).into_data();
        sums.assert_approx_eq::<f32>(
            &TensorData::from([[[[1.0f32]; 5]; 2]; 2]),
            Tolerance::absolute(1e-5),
        );
        let masked = weights.slice(s![0..1, .., .., 2..3]).abs().sum();
        assert_eq!(masked.into_scalar(), 0.0);
    }

    #[test]
    fn an_all_padding_sequence_stays_finite() {
        let device = Default::default();
        let layer = config().init::<B>(&device).unwrap();
        let x = Tensor::<B, 3>::random([1, 5, 8], Distribution::Default, &device);
        let out = layer.forward(x, &padding_bias(&[[true; 5]]));
        assert!(!out.is_nan().any().into_scalar().to_bool());
    }

    #[test]
    fn bad_hyper_parameters_are_errors_naming_the_field() {
        config().validate().unwrap();
        let field = |change: fn(&mut TransformerLayerConfig)| {
            let mut config = config();
            change(&mut config);
            match config.init::<B>(&Default::default()) {
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
        assert_eq!(field(|c| c.layer_norm_eps = 0.0), "layer_norm_eps");
    }
}
