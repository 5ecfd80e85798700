//! The architecture of a BERT-family encoder, read from a Hugging Face `config.json`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::text::files::read_json;
use crate::{ModelError, Result};

/// The fields of a Hugging Face BERT `config.json` that fix the architecture (other fields are
/// ignored). This mirrors the Hugging Face file format, hence serde rather than a burn `Config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BertConfig {
    /// Number of word-piece ids.
    pub vocab_size: usize,
    /// Width of the token states.
    pub hidden_size: usize,
    /// Number of encoder layers.
    pub num_hidden_layers: usize,
    /// Number of attention heads; must divide `hidden_size`.
    pub num_attention_heads: usize,
    /// Width of the feed-forward sub-layer.
    pub intermediate_size: usize,
    /// Number of learned positions (the longest sequence).
    pub max_position_embeddings: usize,
    /// Number of token types (segments).
    #[serde(default = "default_type_vocab_size")]
    pub type_vocab_size: usize,
    /// Epsilon of every LayerNorm.
    #[serde(default = "default_layer_norm_eps")]
    pub layer_norm_eps: f64,
    /// The feed-forward activation; only `"gelu"` (exact, erf-based) is supported.
    #[serde(default = "default_hidden_act")]
    pub hidden_act: String,
    /// Dropout used when fine-tuning (after embeddings, attention and feed-forward).
    #[serde(default = "default_dropout")]
    pub hidden_dropout_prob: f64,
    /// Position encoding; only `"absolute"` is supported.
    #[serde(default = "default_position_embedding_type")]
    pub position_embedding_type: String,
}

fn default_type_vocab_size() -> usize {
    2
}
fn default_layer_norm_eps() -> f64 {
    1e-12
}
fn default_hidden_act() -> String {
    "gelu".into()
}
fn default_dropout() -> f64 {
    0.1
}
fn default_position_embedding_type() -> String {
    "absolute".into()
}

impl BertConfig {
    /// Reads and validates a `config.json`.
    pub fn from_file(path: &Path) -> Result<Self> {
        let config: Self = read_json(path)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks that the architecture is one this crate implements.
    pub fn validate(&self) -> Result<()> {
        let positive = [
            ("vocab_size", self.vocab_size),
            ("hidden_size", self.hidden_size),
            ("num_hidden_layers", self.num_hidden_layers),
            ("num_attention_heads", self.num_attention_heads),
            ("intermediate_size", self.intermediate_size),
            ("max_position_embeddings", self.max_position_embeddings),
            ("type_vocab_size", self.type_vocab_size),
        ];
        for (field, value) in positive {
            if value == 0 {
                return Err(invalid(field, "must be positive".into()));
            }
        }
        if self.hidden_size % self.num_attention_heads != 0 {
            return Err(invalid(
                "num_attention_heads",
                format!(
                    "{} heads do not divide hidden_size {}",
                    self.num_attention_heads, self.hidden_size
                ),
            ));
        }
        if self.hidden_act != "gelu" {
            return Err(invalid(
                "hidden_act",
                format!("`{}` is not supported (only `gelu`)", self.hidden_act),
            ));
        }
        if self.position_embedding_type != "absolute" {
            return Err(invalid(
                "position_embedding_type",
                format!(
                    "`{}` is not supported (only `absolute`)",
                    self.position_embedding_type
                ),
            ));
        }
        if !self.layer_norm_eps.is_finite() || self.layer_norm_eps <= 0.0 {
            return Err(invalid(
                "layer_norm_eps",
                format!("{} is not a positive number", self.layer_norm_eps),
            ));
        }
        if !(0.0..1.0).contains(&self.hidden_dropout_prob) {
            return Err(invalid(
                "hidden_dropout_prob",
                format!("{} is outside [0, 1)", self.hidden_dropout_prob),
            ));
        }
        Ok(())
    }
}

fn invalid(field: &'static str, message: String) -> ModelError {
    ModelError::InvalidConfig { field, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"{"architectures": ["BertModel"], "hidden_act": "gelu",
        "hidden_size": 384, "intermediate_size": 1536, "layer_norm_eps": 1e-12,
        "max_position_embeddings": 512, "model_type": "bert", "num_attention_heads": 12,
        "num_hidden_layers": 6, "type_vocab_size": 2, "vocab_size": 30522}"#;

    #[test]
    fn parses_a_hugging_face_config_and_ignores_other_fields() {
        let config: BertConfig = serde_json::from_str(MINI).unwrap();
        config.validate().unwrap();
        assert_eq!(config.hidden_size, 384);
        assert_eq!(config.num_hidden_layers, 6);
        assert_eq!(config.hidden_dropout_prob, 0.1);
    }

    #[test]
    fn rejects_unsupported_architectures() {
        let base: BertConfig = serde_json::from_str(MINI).unwrap();
        let cases = [
            (
                BertConfig {
                    hidden_act: "relu".into(),
                    ..base.clone()
                },
                "hidden_act",
            ),
            (
                BertConfig {
                    num_attention_heads: 5,
                    ..base.clone()
                },
                "num_attention_heads",
            ),
            (
                BertConfig {
                    position_embedding_type: "relative_key".into(),
                    ..base.clone()
                },
                "position_embedding_type",
            ),
            (
                BertConfig {
                    vocab_size: 0,
                    ..base
                },
                "vocab_size",
            ),
        ];
        for (config, field) in cases {
            match config.validate() {
                Err(ModelError::InvalidConfig { field: f, .. }) => assert_eq!(f, field),
                other => panic!("expected an error on `{field}`, got {other:?}"),
            }
        }
    }
}
