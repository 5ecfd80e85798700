//! A small pre-norm transformer text encoder trained from scratch.

use burn::module::Initializer;
use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig};
use burn::prelude::*;
use instructrec_fusion::dropout::{HostDropout, HostDropoutConfig};

use super::encoder::{checked_tokens, masked_mean, TextEncoder, TextEncoderOutput};
use crate::transformer::{AttentionBias, TransformerLayer, TransformerLayerConfig};
use crate::{ModelError, Result};

/// Hyper-parameters of a [`ScratchTextEncoder`].
#[derive(Config, Debug)]
pub struct ScratchTextEncoderConfig {
    /// Number of token ids (id [`PAD_ID`](super::PAD_ID) = 0 is what padding positions read).
    pub vocab_size: usize,
    /// Width of the token states.
    #[config(default = 128)]
    pub d_model: usize,
    /// Number of transformer layers.
    #[config(default = 2)]
    pub n_layers: usize,
    /// Number of attention heads; must divide `d_model`.
    #[config(default = 4)]
    pub n_heads: usize,
    /// Width of the feed-forward sub-layer.
    #[config(default = 512)]
    pub d_ff: usize,
    /// Dropout after the embeddings and inside every layer, in `[0, 1)`.
    #[config(default = 0.1)]
    pub dropout: f64,
    /// The longest token sequence (number of learned positions).
    #[config(default = 64)]
    pub max_len: usize,
}

impl ScratchTextEncoderConfig {
    /// Checks that the hyper-parameters are usable.
    pub fn validate(&self) -> Result<()> {
        for (field, value) in [
            ("vocab_size", self.vocab_size),
            ("n_layers", self.n_layers),
            ("max_len", self.max_len),
        ] {
            if value == 0 {
                return Err(ModelError::InvalidConfig {
                    field,
                    message: "must be positive".into(),
                });
            }
        }
        self.layer().validate()
    }

    fn layer(&self) -> TransformerLayerConfig {
        TransformerLayerConfig::new(self.d_model, self.n_heads, self.d_ff)
            .with_dropout(self.dropout)
            .with_norm_first(true)
    }

    /// Validates the config and builds a randomly initialised encoder.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<ScratchTextEncoder<B>> {
        self.validate()?;
        let embedding = |n| {
            EmbeddingConfig::new(n, self.d_model)
                .with_initializer(Initializer::Normal {
                    mean: 0.0,
                    std: 0.02,
                })
                .init(device)
        };
        let layer = self.layer();
        Ok(ScratchTextEncoder {
            token_embedding: embedding(self.vocab_size),
            position_embedding: embedding(self.max_len),
            dropout: HostDropoutConfig::new(self.dropout).init(),
            layers: (0..self.n_layers)
                .map(|_| layer.init(device))
                .collect::<Result<_>>()?,
            norm: LayerNormConfig::new(self.d_model).init(device),
        })
    }
}

/// Token embedding + learned position embedding, pre-norm transformer layers, final LayerNorm.
///
/// Built by [`ScratchTextEncoderConfig::init`]; encodes through [`TextEncoder::encode`].
#[derive(Module, Debug)]
pub struct ScratchTextEncoder<B: Backend> {
    token_embedding: Embedding<B>,
    position_embedding: Embedding<B>,
    dropout: HostDropout,
    layers: Vec<TransformerLayer<B>>,
    norm: LayerNorm<B>,
}

impl<B: Backend> ScratchTextEncoder<B> {
    /// The token embedding table, `[vocab_size, d_model]`, for callers that share or tie it.
    pub fn token_embedding(&self) -> &Embedding<B> {
        &self.token_embedding
    }

    /// Number of token ids.
    pub fn vocab_size(&self) -> usize {
        self.token_embedding.weight.dims()[0]
    }

    /// The longest token sequence the encoder accepts.
    pub fn max_len(&self) -> usize {
        self.position_embedding.weight.dims()[0]
    }
}

impl<B: Backend> TextEncoder<B> for ScratchTextEncoder<B> {
    fn encode(
        &self,
        tokens: Tensor<B, 2, Int>,
        padding: Tensor<B, 2, Bool>,
    ) -> Result<TextEncoderOutput<B>> {
        let tokens = checked_tokens(tokens, &padding, self.vocab_size(), self.max_len())?;
        let [batch, len] = tokens.dims();
        let positions = self
            .position_embedding
            .weight
            .val()
            .slice(0..len)
            .unsqueeze_dim::<3>(0);
        let mut x = self
            .dropout
            .forward(self.token_embedding.forward(tokens) + positions);
        let bias = AttentionBias::from_mask(padding.clone().reshape([batch, 1, 1, len]));
        for layer in &self.layers {
            x = layer.forward(x, &bias);
        }
        let hidden = self.norm.forward(x);
        let pooled = masked_mean(hidden.clone(), padding);
        Ok(TextEncoderOutput { hidden, pooled })
    }

    fn d_model(&self) -> usize {
        self.token_embedding.weight.dims()[1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::test_support::assert_padding_is_ignored;
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::Distribution;

    type B = Flex;

    fn config() -> ScratchTextEncoderConfig {
        ScratchTextEncoderConfig::new(50)
            .with_d_model(16)
            .with_n_layers(2)
            .with_n_heads(4)
            .with_d_ff(32)
            .with_max_len(8)
    }

    #[test]
    fn validate_rejects_bad_hyper_parameters() {
        let cases = [
            (config().with_n_heads(3), "n_heads"),
            (config().with_max_len(0), "max_len"),
            (
                ScratchTextEncoderConfig {
                    vocab_size: 0,
                    ..config()
                },
                "vocab_size",
            ),
            (config().with_dropout(1.0), "dropout"),
            (config().with_dropout(-0.1), "dropout"),
        ];
        for (config, field) in cases {
            match config.validate() {
                Err(ModelError::InvalidConfig { field: f, .. }) => assert_eq!(f, field),
                other => panic!("expected an error on `{field}`, got {other:?}"),
            }
            assert!(config.init::<B>(&Default::default()).is_err());
        }
        config().validate().unwrap();
    }

    #[test]
    fn output_shapes() {
        let device = Default::default();
        let encoder = config().init::<B>(&device).unwrap();
        assert_eq!(encoder.d_model(), 16);
        assert_eq!(encoder.vocab_size(), 50);
        assert_eq!(encoder.max_len(), 8);
        assert_eq!(encoder.token_embedding().weight.dims(), [50, 16]);
        let tokens = Tensor::<B, 2, Int>::random([3, 5], Distribution::Uniform(1.0, 50.0), &device);
        let padding = Tensor::<B, 2, Bool>::from_data([[false; 5]; 3], &device);
        let out = encoder.encode(tokens, padding).unwrap();
        assert_eq!(out.hidden.dims(), [3, 5, 16]);
        assert_eq!(out.pooled.dims(), [3, 16]);
    }

    #[test]
    fn rejects_too_long_and_out_of_vocabulary_input() {
        let device = Default::default();
        let encoder = config().init::<B>(&device).unwrap();
        let long = Tensor::<B, 2, Int>::ones([1, 9], &device);
        let padding = Tensor::<B, 2, Bool>::from_data([[false; 9]], &device);
        assert!(encoder.encode(long, padding).is_err());
        let oov = Tensor::<B, 2, Int>::from_data([[1, 50]], &device);
        let padding = Tensor::<B, 2, Bool>::from_data([[false, false]], &device);
        assert!(matches!(
            encoder.encode(oov, padding),
            Err(ModelError::InvalidInput { name: "tokens", .. })
        ));
    }

    #[test]
    fn padding_does_not_change_real_tokens() {
        let encoder = config().init::<B>(&Default::default()).unwrap();
        assert_padding_is_ignored(&encoder);
    }

    #[test]
    fn gradients_reach_embeddings_and_layers() {
        type A = Autodiff<Flex>;
        let device = Default::default();
        let encoder = config().with_dropout(0.0).init::<A>(&device).unwrap();
        let tokens = Tensor::<A, 2, Int>::from_data([[4, 9, 2], [6, 1, 0]], &device);
        let padding =
            Tensor::<A, 2, Bool>::from_data([[false, false, false], [false, false, true]], &device);
        let out = encoder.encode(tokens, padding).unwrap();
        let loss = (out.pooled * Tensor::random([2, 16], Distribution::Default, &device)).sum();
        let grads = loss.backward();

        let token_grad = encoder.token_embedding.weight.grad(&grads).unwrap();
        let row_norms = token_grad
            .abs()
            .sum_dim(1)
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        for id in [4, 9, 2, 6, 1] {
            assert!(row_norms[id] > 0.0, "no gradient for token {id}");
        }
        assert_eq!(row_norms[3], 0.0, "token 3 was never used");
        for layer in &encoder.layers {
            let grad = layer.qkv.weight.grad(&grads).unwrap();
            assert!(grad.abs().sum().into_scalar() > 0.0);
        }
    }
}
