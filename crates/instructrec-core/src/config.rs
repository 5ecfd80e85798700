//! The settings of a recommender: model size, text handling and training.

use std::fmt;
use std::str::FromStr;

use burn::config::Config;
use instructrec_fusion::{FusionError, FusionKind, ItemFeatures, ItemTowerConfig, Modalities};
use instructrec_instruct::{InstructError, TextTokenizer, TokenizerTrainingConfig};
use instructrec_model::text::ScratchTextEncoderConfig;
use instructrec_model::{
    InstructRecConfig, InstructionEncoderConfig, ModelError, QueryTowerConfig,
};
use instructrec_train::{TrainError, TrainerConfig};
use serde::{Deserialize, Serialize};

use crate::{CoreError, Result};

/// How item text reaches the item tower.
///
/// Instructions are always read as tokens of a tokenizer trained on the dataset's text, embedded
/// with the item tower's token table (so item text and instructions share word vectors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoder {
    /// Item text as a bag of those tokens, learned from scratch.
    Scratch,
    /// In addition, one vector per item from a frozen pretrained sentence encoder (e.g.
    /// all-MiniLM-L6-v2) in the local directory `dir` (`config.json`, `tokenizer.json`,
    /// `model.safetensors`), computed once over every item's text. The vectors are saved with
    /// the recommender, so serving does not need the directory.
    Pretrained {
        /// The encoder's directory.
        dir: String,
    },
}

impl fmt::Display for TextEncoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextEncoder::Scratch => f.write_str("scratch"),
            TextEncoder::Pretrained { dir } => f.write_str(dir),
        }
    }
}

impl FromStr for TextEncoder {
    type Err = CoreError;

    /// `scratch`, or the directory of a pretrained encoder.
    fn from_str(text: &str) -> Result<Self> {
        match text.trim() {
            "" => Err(CoreError::config(
                "text_encoder",
                "expected `scratch` or the directory of a pretrained encoder",
            )),
            "scratch" => Ok(TextEncoder::Scratch),
            dir => Ok(TextEncoder::Pretrained {
                dir: dir.to_owned(),
            }),
        }
    }
}

/// Everything that decides a [`Recommender`](crate::Recommender): the model's size, how text is
/// read, and the whole training run ([`TrainerConfig`], which holds the task mixture, history
/// and instruction lengths, schedule, early stopping and seeds).
///
/// Equal configs on equal data and device give equal models.
#[derive(Config, Debug)]
pub struct RecommenderConfig {
    /// Width of item vectors, query vectors and the shared token embedding.
    #[config(default = 64)]
    pub d_model: usize,
    /// Transformer layers of the query tower.
    #[config(default = 2)]
    pub n_layers: usize,
    /// Attention heads per layer (must divide `d_model`).
    #[config(default = 2)]
    pub n_heads: usize,
    /// Width of the feed-forward layers.
    #[config(default = 256)]
    pub d_ff: usize,
    /// Dropout in both towers during training.
    #[config(default = 0.2)]
    pub dropout: f64,
    /// Dropout on the item tower's modality vectors when it differs from `dropout` (`None`: the
    /// same). The query tower drops its input slots again, so with one `dropout` a history item
    /// is kept with probability `(1 - dropout)²` and every scored item vector is noised too;
    /// SASRec's recipe for sparse data (dropout 0.5) drops history embeddings once and scores
    /// clean item vectors, which is `dropout 0.5` with `item_dropout Some(0.0)`.
    #[config(default = "None")]
    pub item_dropout: Option<f64>,
    /// How the item tower fuses an item's modalities.
    #[config(default = "FusionKind::Attention { n_heads: 1 }")]
    pub fusion: FusionKind,
    /// How item content becomes features (text length, categories, numeric normalization).
    #[config(default = "instructrec_fusion::ItemFeaturesConfig::new()")]
    pub features: instructrec_fusion::ItemFeaturesConfig,
    /// The tokenizer trained on the dataset's text (item content and training reviews).
    #[config(default = "TokenizerTrainingConfig::default()")]
    pub tokenizer: TokenizerTrainingConfig,
    /// Whether item text also gets frozen pretrained vectors.
    #[config(default = "TextEncoder::Scratch")]
    pub text_encoder: TextEncoder,
    /// Whether items are represented by their content (text, categories, numbers, vectors) as
    /// well as by a learned ID embedding. `false` is the ID-only configuration, which with the
    /// sequential task alone is SASRec; it cannot recommend items unseen in training.
    #[config(default = true)]
    pub item_content: bool,
    /// Whether items are also scored by a content term that a request's stated need is matched
    /// against directly ([`InstructRecConfig::content_match`]); used only when the items have
    /// content.
    #[config(default = false)]
    pub content_match: bool,
    /// The training run ([`default_trainer`] unless set).
    #[config(default = "default_trainer()")]
    pub trainer: TrainerConfig,
}

/// History titles an implicit-preference instruction quotes by default.
const DEFAULT_HISTORY_TITLES: usize = 2;
/// Instruction tokens the query tower reads by default.
const DEFAULT_INSTRUCTION_TOKENS: usize = 48;
/// Training replicas by default: one per core of a 2-core machine, where they train about 1.8x
/// as many examples per second as one replica (docs/benchmarks.md §5).
const DEFAULT_REPLICAS: usize = 2;

/// [`TrainerConfig::new`], with instructions that fit the query tower (implicit-preference
/// instructions quote 2 history titles and the tower reads 48 instruction tokens) and two
/// training replicas ([`TrainerConfig::replicas`]).
///
/// The query tower reads the whole history as item vectors already, so titles in the text add
/// little; with the generator's default of 10 titles, the templates that state the history
/// before the intention ("The user has recently interacted with: …. They say: …") are cut before
/// the intention, and vague-intent or search instructions lose what makes them differ from plain
/// sequential recommendation.
pub fn default_trainer() -> TrainerConfig {
    let mut trainer = TrainerConfig::new();
    trainer.data.generator.history_titles = DEFAULT_HISTORY_TITLES;
    trainer.data.max_instruction_tokens = DEFAULT_INSTRUCTION_TOKENS;
    trainer.replicas = DEFAULT_REPLICAS;
    trainer
}

impl RecommenderConfig {
    /// Sets every seed of the run: initial weights, example order and dropout, training
    /// examples, evaluation instructions and evaluation candidates.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.trainer.seed = seed;
        self.trainer.eval_candidate_seed = seed;
        self.trainer.data.seed = seed;
        self.trainer.data.eval_seed = seed;
        self
    }

    /// Sets the most epochs to train (early stopping may end sooner).
    pub fn with_epochs(mut self, epochs: usize) -> Self {
        self.trainer.max_epochs = epochs;
        self
    }

    /// Checks every setting; the field of the first bad one is named in
    /// [`CoreError::InvalidConfig`].
    pub fn validate(&self) -> Result<()> {
        self.query_tower().validate().map_err(model_config)?;
        if let Some(p) = self.item_dropout {
            if !(0.0..1.0).contains(&p) {
                return Err(CoreError::config(
                    "item_dropout",
                    format!("must lie in [0, 1), got {p}"),
                ));
            }
        }
        self.fusion.validate().map_err(fusion_config)?;
        self.features.validate().map_err(fusion_config)?;
        self.tokenizer.validate().map_err(instruct_config)?;
        self.trainer.validate().map_err(train_config)?;
        if self.trainer.data.max_instruction_tokens > self.tokenizer.max_len {
            return Err(CoreError::config(
                "trainer.data.max_instruction_tokens",
                format!(
                    "{} exceeds the tokenizer's max_len {}",
                    self.trainer.data.max_instruction_tokens, self.tokenizer.max_len
                ),
            ));
        }
        Ok(())
    }

    /// The query tower these settings describe (its history and instruction lengths are the
    /// training data's).
    fn query_tower(&self) -> QueryTowerConfig {
        QueryTowerConfig::new(self.d_model)
            .with_n_layers(self.n_layers)
            .with_n_heads(self.n_heads)
            .with_d_ff(self.d_ff)
            .with_dropout(self.dropout)
            .with_max_history(self.trainer.data.max_history)
            .with_max_instruction_tokens(self.trainer.data.max_instruction_tokens)
    }

    /// The model for items with `features` and instructions tokenized by `tokenizer`: every
    /// modality the features have, and instruction tokens embedded with the item tower's token
    /// table, widened to the tokenizer's vocabulary. A catalog without any item text (bare ids)
    /// has no token table, so its instructions get their own one-layer encoder.
    pub(crate) fn model(
        &self,
        features: &ItemFeatures,
        tokenizer: &TextTokenizer,
    ) -> Result<InstructRecConfig> {
        let mut dims = features.dims();
        let modalities = if self.item_content {
            Modalities::available(&dims)
        } else {
            Modalities::id_only()
        };
        dims.vocab_size = dims.vocab_size.max(tokenizer.vocab_size());
        let item_tower = ItemTowerConfig::new(self.d_model, dims, modalities)
            .with_fusion(self.fusion)
            .with_dropout(self.item_dropout.unwrap_or(self.dropout));
        let instruction = if modalities.text {
            InstructionEncoderConfig::SharedTokens
        } else {
            InstructionEncoderConfig::Scratch(
                ScratchTextEncoderConfig::new(tokenizer.vocab_size())
                    .with_d_model(self.d_model)
                    .with_n_layers(1)
                    .with_n_heads(self.n_heads)
                    .with_d_ff(self.d_ff)
                    .with_dropout(self.dropout)
                    .with_max_len(self.trainer.data.max_instruction_tokens),
            )
        };
        let config = InstructRecConfig::new(item_tower, self.query_tower())
            .with_instruction(instruction)
            .with_content_match(self.content_match && modalities.count() > 1);
        config.validate().map_err(model_config)?;
        Ok(config)
    }
}

/// A config error of the model crate as a [`CoreError::InvalidConfig`].
fn model_config(error: ModelError) -> CoreError {
    match error {
        ModelError::InvalidConfig { field, message } => CoreError::config(field, message),
        other => other.into(),
    }
}

/// A config error of the fusion crate as a [`CoreError::InvalidConfig`].
fn fusion_config(error: FusionError) -> CoreError {
    match error {
        FusionError::InvalidConfig { name, message } => CoreError::config(name, message),
        other => other.into(),
    }
}

/// A config error of the instruct crate as a [`CoreError::InvalidConfig`].
fn instruct_config(error: InstructError) -> CoreError {
    match error {
        InstructError::InvalidConfig { name, message } => {
            CoreError::config("tokenizer", format!("{name}: {message}"))
        }
        other => other.into(),
    }
}

/// A config error of the train crate as a [`CoreError::InvalidConfig`].
fn train_config(error: TrainError) -> CoreError {
    match error {
        TrainError::InvalidConfig { field, message } => CoreError::config(field, message),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(config: RecommenderConfig) -> &'static str {
        match config.validate() {
            Err(CoreError::InvalidConfig { field, .. }) => field,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_valid_and_bad_settings_are_named() {
        RecommenderConfig::new().validate().unwrap();
        assert_eq!(field(RecommenderConfig::new().with_d_model(0)), "d_model");
        assert_eq!(field(RecommenderConfig::new().with_n_heads(3)), "n_heads");
        assert_eq!(field(RecommenderConfig::new().with_dropout(1.5)), "dropout");
        for bad in [1.0, -0.1, f64::NAN] {
            let config = RecommenderConfig::new().with_item_dropout(Some(bad));
            assert_eq!(field(config), "item_dropout");
        }
        RecommenderConfig::new()
            .with_item_dropout(Some(0.0))
            .validate()
            .unwrap();
        assert_eq!(field(RecommenderConfig::new().with_epochs(0)), "max_epochs");
        assert_eq!(
            field(RecommenderConfig::new().with_fusion(FusionKind::Attention { n_heads: 0 })),
            "n_heads"
        );
        let short = TokenizerTrainingConfig {
            max_len: 8,
            ..TokenizerTrainingConfig::default()
        };
        assert_eq!(
            field(RecommenderConfig::new().with_tokenizer(short)),
            "trainer.data.max_instruction_tokens"
        );
        let tiny = TokenizerTrainingConfig {
            vocab_size: 3,
            ..TokenizerTrainingConfig::default()
        };
        assert_eq!(
            field(RecommenderConfig::new().with_tokenizer(tiny)),
            "tokenizer"
        );
    }

    #[test]
    fn seeds_and_epochs_reach_the_trainer_and_the_config_round_trips() {
        let config = RecommenderConfig::new().with_seed(9).with_epochs(3);
        assert_eq!(config.trainer.max_epochs, 3);
        assert_eq!(
            [
                config.trainer.seed,
                config.trainer.eval_candidate_seed,
                config.trainer.data.seed,
                config.trainer.data.eval_seed
            ],
            [9; 4]
        );
        let json = serde_json::to_string(&config).unwrap();
        let back: RecommenderConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }

    #[test]
    fn text_encoders_parse_from_the_command_line_form() {
        assert_eq!(
            "scratch".parse::<TextEncoder>().unwrap(),
            TextEncoder::Scratch
        );
        assert_eq!(
            "models/minilm".parse::<TextEncoder>().unwrap(),
            TextEncoder::Pretrained {
                dir: "models/minilm".into()
            }
        );
        assert!(" ".parse::<TextEncoder>().is_err());
    }
}
