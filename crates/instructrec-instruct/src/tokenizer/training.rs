//! Settings for training a subword tokenizer on a dataset's text.

use std::collections::BTreeMap;

use ahash::{AHashMap, RandomState};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use tokenizers::decoders::wordpiece::WordPiece as WordPieceDecoder;
use tokenizers::models::bpe::{BpeTrainer, BPE};
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::template::TemplateProcessing;
use tokenizers::{
    AddedToken, ModelWrapper, NormalizedString, Normalizer, OffsetReferential, OffsetType,
    PreTokenizedString, PreTokenizer, Tokenizer,
};

use super::{library_error, TrainingCorpus};
use crate::{InstructError, Result};

/// The special tokens of a trained tokenizer, in id order: `[PAD]` is 0.
pub const SPECIAL_TOKENS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/// The subword algorithm to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubwordModel {
    /// WordPiece, as BERT uses (continuation pieces start with `##`).
    WordPiece,
    /// Byte-pair encoding (continuation pieces also start with `##`).
    Bpe,
}

/// How to train a tokenizer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenizerTrainingConfig {
    /// The subword algorithm.
    pub model: SubwordModel,
    /// Target vocabulary size, special tokens included.
    pub vocab_size: usize,
    /// A merge or piece must occur this often in the corpus to be kept.
    pub min_frequency: u64,
    /// Longest encoding, `[CLS]` and `[SEP]` included; longer texts are truncated.
    pub max_len: usize,
}

impl Default for TokenizerTrainingConfig {
    fn default() -> Self {
        Self {
            model: SubwordModel::WordPiece,
            vocab_size: 8_000,
            min_frequency: 2,
            max_len: 256,
        }
    }
}

impl TokenizerTrainingConfig {
    /// Rejects a vocabulary too small to hold more than the special tokens, or a max length
    /// that leaves no room for text between `[CLS]` and `[SEP]`.
    pub fn validate(&self) -> Result<()> {
        if self.vocab_size <= SPECIAL_TOKENS.len() {
            return Err(InstructError::InvalidConfig {
                name: "vocab_size",
                message: format!(
                    "must exceed the {} special tokens, got {}",
                    SPECIAL_TOKENS.len(),
                    self.vocab_size
                ),
            });
        }
        if self.max_len < 3 {
            return Err(InstructError::InvalidConfig {
                name: "max_len",
                message: format!(
                    "must leave room for [CLS], a token and [SEP], got {}",
                    self.max_len
                ),
            });
        }
        Ok(())
    }
}

/// Trains a BERT-style tokenizer (lower-casing normalizer, whitespace-and-punctuation
/// pre-tokenizer, `[CLS] … [SEP]` post-processor) with the special tokens at ids 0–4.
pub(super) fn train_tokenizer(
    corpus: &TrainingCorpus,
    config: &TokenizerTrainingConfig,
) -> Result<Tokenizer> {
    config.validate()?;
    if corpus.is_empty() {
        return Err(InstructError::InvalidConfig {
            name: "corpus",
            message: "cannot train a tokenizer on an empty corpus".into(),
        });
    }
    let normalizer = BertNormalizer::default();
    let word_counts = count_words(corpus, &normalizer)?;
    let specials: Vec<AddedToken> = SPECIAL_TOKENS
        .iter()
        .map(|token| AddedToken::from(*token, true))
        .collect();
    let prefix = "##".to_owned();
    // WordPiece is trained as BPE and read back as a WordPiece vocabulary, which is what
    // `WordPieceTrainer` does too; calling `do_train` directly lets us own the word counts.
    let trainer = BpeTrainer::builder()
        .vocab_size(config.vocab_size)
        .min_frequency(config.min_frequency)
        .special_tokens(specials)
        .continuing_subword_prefix(prefix.clone())
        .show_progress(false)
        .build();
    let mut bpe = BPE::builder()
        .unk_token(SPECIAL_TOKENS[1].to_owned())
        .continuing_subword_prefix(prefix)
        .build()
        .map_err(library_error("building the BPE model"))?;
    let added_tokens = trainer
        .do_train(&word_counts, &mut bpe)
        .map_err(library_error("training"))?;
    let model: ModelWrapper = match config.model {
        SubwordModel::WordPiece => WordPiece::from_bpe(&bpe).into(),
        SubwordModel::Bpe => bpe.into(),
    };
    let mut tokenizer = Tokenizer::new(model);
    tokenizer
        .with_normalizer(Some(normalizer))
        .with_pre_tokenizer(Some(BertPreTokenizer))
        .with_decoder(Some(WordPieceDecoder::default()));
    tokenizer.add_special_tokens(&added_tokens);

    // Models read ids, not names: check the trainer put the special tokens first, in order.
    for (expected, token) in SPECIAL_TOKENS.iter().enumerate() {
        if tokenizer.token_to_id(token) != Some(expected as u32) {
            return Err(InstructError::Tokenizer {
                context: "training".into(),
                message: format!("special token {token} did not get id {expected}"),
            });
        }
    }
    let (cls, sep) = (SPECIAL_TOKENS[2], SPECIAL_TOKENS[3]);
    let post_processor = TemplateProcessing::builder()
        .try_single(format!("{cls} $A {sep}"))
        .and_then(|builder| builder.try_pair(format!("{cls} $A {sep} $B:1 {sep}:1")))
        .map_err(|message| InstructError::Tokenizer {
            context: "building the post-processor".into(),
            message,
        })?
        .special_tokens(vec![(cls, 2), (sep, 3)])
        .build()
        .map_err(|error| InstructError::Tokenizer {
            context: "building the post-processor".into(),
            message: error.to_string(),
        })?;
    tokenizer.with_post_processor(Some(post_processor));
    Ok(tokenizer)
}

/// Counts the corpus' words as `Tokenizer::train` would (normalized, then pre-tokenized), into a
/// map with fixed hash seeds filled in sorted order.
///
/// The trainer numbers pieces in the map's iteration order and breaks ties between equally
/// frequent merges by those numbers. `Tokenizer::train` counts into a randomly seeded map, so it
/// learns another vocabulary in every process; these counts make training reproducible.
fn count_words(
    corpus: &TrainingCorpus,
    normalizer: &BertNormalizer,
) -> Result<AHashMap<CompactString, u64>> {
    let mut sorted_counts: BTreeMap<String, u64> = BTreeMap::new();
    for text in corpus.texts() {
        let mut normalized = NormalizedString::from(text.as_str());
        normalizer
            .normalize(&mut normalized)
            .map_err(library_error("normalizing the corpus"))?;
        let mut words = PreTokenizedString::from(normalized);
        BertPreTokenizer
            .pre_tokenize(&mut words)
            .map_err(library_error("pre-tokenizing the corpus"))?;
        for (word, _, _) in words.get_splits(OffsetReferential::Original, OffsetType::Byte) {
            *sorted_counts.entry(word.to_owned()).or_default() += 1;
        }
    }
    let mut counts = AHashMap::with_hasher(RandomState::with_seeds(
        0x5EED_0001,
        0x5EED_0002,
        0x5EED_0003,
        0x5EED_0004,
    ));
    counts.extend(
        sorted_counts
            .into_iter()
            .map(|(word, count)| (CompactString::from(word), count)),
    );
    Ok(counts)
}
