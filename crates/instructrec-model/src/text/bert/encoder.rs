//! A BERT-family encoder (post-norm transformer, exact GELU) with weights loaded from a Hugging
//! Face directory.

use std::path::Path;

use burn::nn::{Embedding, LayerNorm};
use burn::prelude::*;
use instructrec_fusion::dropout::{HostDropout, HostDropoutConfig};

use super::config::BertConfig;
use super::weights::SafetensorsWeights;
use crate::text::encoder::{checked_tokens, masked_mean, TextEncoder, TextEncoderOutput};
use crate::text::files::read_required;
use crate::transformer::{
    fused_qkv, AttentionBias, FeedForwardActivation, TransformerLayer, TransformerLayerConfig,
};
use crate::Result;

/// A pretrained BERT encoder: word + position + token-type embeddings, LayerNorm, then post-norm
/// transformer layers. Every token has token type 0 (single-segment input).
///
/// Runs frozen on a plain backend, or fine-tunes on an autodiff backend.
#[derive(Module, Debug)]
pub struct BertEncoder<B: Backend> {
    word_embeddings: Embedding<B>,
    position_embeddings: Embedding<B>,
    token_type_embeddings: Embedding<B>,
    embedding_norm: LayerNorm<B>,
    dropout: HostDropout,
    layers: Vec<TransformerLayer<B>>,
}

impl<B: Backend> BertEncoder<B> {
    /// Loads `config.json` and `model.safetensors` from a Hugging Face model directory.
    ///
    /// Errors name the missing file, or the tensor that is missing or whose shape or dtype does
    /// not fit the config. Tensors the encoder does not use (e.g. the pooler) are ignored.
    pub fn load(dir: &Path, device: &B::Device) -> Result<Self> {
        let config = BertConfig::from_file(&dir.join("config.json"))?;
        let path = dir.join("model.safetensors");
        let bytes = read_required(&path)?;
        let weights =
            SafetensorsWeights::parse(&path, &bytes, "embeddings.word_embeddings.weight")?;
        Self::from_weights(&config, &weights, device)
    }

    fn from_weights(
        config: &BertConfig,
        weights: &SafetensorsWeights<'_>,
        device: &B::Device,
    ) -> Result<Self> {
        config.validate()?;
        let d = config.hidden_size;
        let d_ff = config.intermediate_size;
        let eps = config.layer_norm_eps;
        let layer_config = TransformerLayerConfig::new(d, config.num_attention_heads, d_ff)
            .with_dropout(config.hidden_dropout_prob)
            .with_norm_first(false)
            .with_activation(FeedForwardActivation::Gelu)
            .with_layer_norm_eps(eps);
        let mut layers = Vec::with_capacity(config.num_hidden_layers);
        for i in 0..config.num_hidden_layers {
            let name = |suffix: &str| format!("encoder.layer.{i}.{suffix}");
            // The initial parameters are lazy: replacing them never allocates them.
            let mut layer = layer_config.init(device)?;
            let projection =
                |kind: &str| weights.linear(&name(&format!("attention.self.{kind}")), d, d, device);
            layer.qkv = fused_qkv(
                projection("query")?,
                projection("key")?,
                projection("value")?,
            );
            layer.attention_output =
                weights.linear(&name("attention.output.dense"), d, d, device)?;
            layer.attention_norm =
                weights.layer_norm(&name("attention.output.LayerNorm"), d, eps, device)?;
            layer.feed_forward_inner =
                weights.linear(&name("intermediate.dense"), d, d_ff, device)?;
            layer.feed_forward_outer = weights.linear(&name("output.dense"), d_ff, d, device)?;
            layer.feed_forward_norm =
                weights.layer_norm(&name("output.LayerNorm"), d, eps, device)?;
            layers.push(layer);
        }
        Ok(Self {
            word_embeddings: weights.embedding(
                "embeddings.word_embeddings",
                config.vocab_size,
                d,
                device,
            )?,
            position_embeddings: weights.embedding(
                "embeddings.position_embeddings",
                config.max_position_embeddings,
                d,
                device,
            )?,
            token_type_embeddings: weights.embedding(
                "embeddings.token_type_embeddings",
                config.type_vocab_size,
                d,
                device,
            )?,
            embedding_norm: weights.layer_norm("embeddings.LayerNorm", d, eps, device)?,
            dropout: HostDropoutConfig::new(config.hidden_dropout_prob).init(),
            layers,
        })
    }

    /// Number of word-piece ids.
    pub fn vocab_size(&self) -> usize {
        self.word_embeddings.weight.dims()[0]
    }

    /// The longest token sequence the encoder accepts.
    pub fn max_len(&self) -> usize {
        self.position_embeddings.weight.dims()[0]
    }
}

impl<B: Backend> TextEncoder<B> for BertEncoder<B> {
    fn encode(
        &self,
        tokens: Tensor<B, 2, Int>,
        padding: Tensor<B, 2, Bool>,
    ) -> Result<TextEncoderOutput<B>> {
        let tokens = checked_tokens(tokens, &padding, self.vocab_size(), self.max_len())?;
        let [batch, len] = tokens.dims();
        let positions = self
            .position_embeddings
            .weight
            .val()
            .slice(0..len)
            .unsqueeze_dim::<3>(0);
        let token_type = self
            .token_type_embeddings
            .weight
            .val()
            .slice(0..1)
            .unsqueeze_dim::<3>(0);
        let x = self.word_embeddings.forward(tokens) + positions + token_type;
        let mut hidden = self.dropout.forward(self.embedding_norm.forward(x));
        let bias = AttentionBias::from_mask(padding.clone().reshape([batch, 1, 1, len]));
        for layer in &self.layers {
            hidden = layer.forward(hidden, &bias);
        }
        let pooled = masked_mean(hidden.clone(), padding);
        Ok(TextEncoderOutput { hidden, pooled })
    }

    fn d_model(&self) -> usize {
        self.word_embeddings.weight.dims()[1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::test_support::{assert_padding_is_ignored, FakeBert, TempDir};
    use crate::ModelError;
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::Tolerance;
    use safetensors::Dtype;

    type B = Flex;

    fn write(fake: &FakeBert, dtype: Dtype) -> TempDir {
        let dir = TempDir::new();
        fake.write(dir.path(), dtype);
        dir
    }

    fn pooled(encoder: &BertEncoder<B>) -> TensorData {
        let device = Default::default();
        let tokens = Tensor::<B, 2, Int>::from_data([[1, 5, 19, 2], [3, 4, 0, 0]], &device);
        let padding = Tensor::<B, 2, Bool>::from_data(
            [[false, false, false, false], [false, false, true, true]],
            &device,
        );
        encoder.encode(tokens, padding).unwrap().pooled.into_data()
    }

    fn load_error(dir: &TempDir) -> ModelError {
        BertEncoder::<B>::load(dir.path(), &Default::default()).unwrap_err()
    }

    fn assert_pretrained_error(err: ModelError, file: &str, needle: &str) {
        match &err {
            ModelError::Pretrained { path, message } => {
                assert!(path.ends_with(file), "error names {path:?}, not {file}");
                assert!(message.contains(needle), "`{message}` lacks `{needle}`");
            }
            other => panic!("expected a Pretrained error, got {other:?}"),
        }
    }

    #[test]
    fn loads_and_encodes_a_checkpoint() {
        let dir = write(&FakeBert::new(), Dtype::F32);
        let encoder = BertEncoder::<B>::load(dir.path(), &Default::default()).unwrap();
        assert_eq!(
            (encoder.d_model(), encoder.vocab_size(), encoder.max_len()),
            (8, 20, 10)
        );
        let device = Default::default();
        let tokens = Tensor::<B, 2, Int>::from_data([[1, 5, 19, 2], [3, 4, 0, 0]], &device);
        let padding = Tensor::<B, 2, Bool>::from_data([[false; 4]; 2], &device);
        let out = encoder.encode(tokens, padding).unwrap();
        assert_eq!(out.hidden.dims(), [2, 4, 8]);
        assert_eq!(out.pooled.dims(), [2, 8]);
        // Post-norm: every token state is the output of the last layer's LayerNorm, so undoing
        // its affine part leaves zero mean and unit variance per token.
        let norm = &encoder.layers[1].feed_forward_norm;
        let gamma = norm.gamma.val().reshape([1, 1, 8]);
        let beta = norm.beta.as_ref().unwrap().val().reshape([1, 1, 8]);
        let standard = (out.hidden.clone() - beta) / gamma;
        let (var, mean) = standard.var_mean_bias(2);
        let ones = TensorData::from([[[1.0f32]; 4]; 2]);
        let zeros = TensorData::from([[[0.0f32]; 4]; 2]);
        let tolerance = Tolerance::<f32>::absolute(1e-4);
        var.into_data().assert_approx_eq::<f32>(&ones, tolerance);
        mean.into_data().assert_approx_eq::<f32>(&zeros, tolerance);
        let [a, b] = [0, 1].map(|i| out.pooled.clone().slice(i..i + 1));
        assert!((a - b).abs().sum().into_scalar() > 1e-3);
    }

    #[test]
    fn prefixed_and_legacy_names_load_the_same_weights() {
        let fake = FakeBert::new();
        let plain =
            BertEncoder::<B>::load(write(&fake, Dtype::F32).path(), &Default::default()).unwrap();
        let mut renamed = FakeBert::new();
        renamed.rename(|name| {
            let name = name
                .replace("LayerNorm.weight", "LayerNorm.gamma")
                .replace("LayerNorm.bias", "LayerNorm.beta");
            format!("bert.{name}")
        });
        let legacy =
            BertEncoder::<B>::load(write(&renamed, Dtype::F32).path(), &Default::default())
                .unwrap();
        pooled(&legacy).assert_eq(&pooled(&plain), true);
    }

    #[test]
    fn half_precision_files_decode_exactly() {
        for dtype in [Dtype::F16, Dtype::BF16] {
            let mut fake = FakeBert::new();
            fake.round_to(dtype);
            let device = Default::default();
            let full = BertEncoder::<B>::load(write(&fake, Dtype::F32).path(), &device).unwrap();
            let half = BertEncoder::<B>::load(write(&fake, dtype).path(), &device).unwrap();
            pooled(&half).assert_approx_eq::<f32>(&pooled(&full), Tolerance::absolute(1e-6));
        }
    }

    #[test]
    fn missing_files_are_named() {
        let dir = TempDir::new();
        assert_pretrained_error(load_error(&dir), "config.json", "missing file");
        FakeBert::new().write(dir.path(), Dtype::F32);
        std::fs::remove_file(dir.path().join("model.safetensors")).unwrap();
        assert_pretrained_error(load_error(&dir), "model.safetensors", "missing file");
        std::fs::write(dir.path().join("model.safetensors"), b"not safetensors").unwrap();
        assert_pretrained_error(
            load_error(&dir),
            "model.safetensors",
            "not a safetensors file",
        );
        std::fs::write(dir.path().join("config.json"), b"{\"vocab_size\": 3}").unwrap();
        assert_pretrained_error(
            load_error(&dir),
            "config.json",
            "missing field `hidden_size`",
        );
    }

    #[test]
    fn missing_tensor_is_named() {
        let mut fake = FakeBert::new();
        fake.tensors.remove("encoder.layer.1.output.dense.weight");
        let err = load_error(&write(&fake, Dtype::F32));
        assert_pretrained_error(
            err,
            "model.safetensors",
            "missing tensor `encoder.layer.1.output.dense.weight`",
        );
    }

    #[test]
    fn wrong_shape_and_dtype_are_named() {
        let mut fake = FakeBert::new();
        let name = "encoder.layer.0.intermediate.dense.weight";
        fake.tensors
            .insert(name.into(), (vec![16, 7], vec![0.0; 112]));
        let err = load_error(&write(&fake, Dtype::F32));
        assert_pretrained_error(
            err,
            "model.safetensors",
            &format!("tensor `{name}` has shape [16, 7], the config expects [16, 8]"),
        );

        let err = load_error(&write(&FakeBert::new(), Dtype::I64));
        assert_pretrained_error(err, "model.safetensors", "has dtype I64");
    }

    #[test]
    fn config_that_does_not_fit_the_weights_is_an_error() {
        let mut fake = FakeBert::new();
        fake.config.vocab_size = 21;
        let err = load_error(&write(&fake, Dtype::F32));
        assert_pretrained_error(
            err,
            "model.safetensors",
            "`embeddings.word_embeddings.weight` has shape [20, 8], the config expects [21, 8]",
        );

        let mut fake = FakeBert::new();
        fake.config.hidden_act = "swish".into();
        assert!(matches!(
            load_error(&write(&fake, Dtype::F32)),
            ModelError::InvalidConfig {
                field: "hidden_act",
                ..
            }
        ));
    }

    #[test]
    fn padding_does_not_change_real_tokens() {
        let dir = write(&FakeBert::new(), Dtype::F32);
        let encoder = BertEncoder::<B>::load(dir.path(), &Default::default()).unwrap();
        assert_padding_is_ignored(&encoder);
    }

    #[test]
    fn fine_tuning_gradients_reach_the_pretrained_weights() {
        type A = Autodiff<Flex>;
        let mut fake = FakeBert::new();
        fake.config.hidden_dropout_prob = 0.0;
        let dir = write(&fake, Dtype::F32);
        let device = Default::default();
        let encoder = BertEncoder::<A>::load(dir.path(), &device).unwrap();
        let tokens = Tensor::<A, 2, Int>::from_data([[1, 5, 19, 2]], &device);
        let padding = Tensor::<A, 2, Bool>::from_data([[false; 4]], &device);
        let out = encoder.encode(tokens, padding).unwrap();
        let target =
            Tensor::<A, 2>::from_data([[1.0, -1.0, 0.5, 0.0, 2.0, -0.5, 0.3, 1.0]], &device);
        let grads = (out.pooled * target).sum().backward();

        let words = encoder.word_embeddings.weight.grad(&grads).unwrap();
        let rows = words.abs().sum_dim(1).into_data().to_vec::<f32>().unwrap();
        assert!(rows[5] > 0.0 && rows[19] > 0.0);
        assert_eq!(rows[6], 0.0, "token 6 was not in the input");
        for layer in &encoder.layers {
            let grad = layer.feed_forward_inner.weight.grad(&grads).unwrap();
            assert!(grad.abs().sum().into_scalar() > 0.0);
        }
    }
}
