//! A tokenizer that turns batches of text into padded ids and attention masks.

use std::path::Path;

use tokenizers::{PaddingDirection, PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

use super::training::train_tokenizer;
use super::{library_error, EncodedBatch, TokenizerTrainingConfig, TrainingCorpus, SPECIAL_TOKENS};
use crate::{InstructError, Result};

/// Longest encoding when the tokenizer file sets no truncation (BERT's limit).
const DEFAULT_MAX_LEN: usize = 512;

/// A `tokenizers` tokenizer set up to pad each batch to its longest text and truncate at
/// `max_len` tokens (special tokens included).
#[derive(Debug, Clone)]
pub struct TextTokenizer {
    inner: Tokenizer,
    max_len: usize,
    pad_id: u32,
}

impl TextTokenizer {
    /// Loads a `tokenizer.json` (Hugging Face format). Its truncation length is kept as the max
    /// length (else 512); its padding token is kept (else `[PAD]`, which must then exist).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let json = std::fs::read(path).map_err(|source| InstructError::Io {
            path: path.to_owned(),
            source,
        })?;
        let inner = Tokenizer::from_bytes(json)
            .map_err(library_error(format!("reading {}", path.display())))?;
        let (pad_token, pad_id) = match inner.get_padding() {
            Some(padding) => (padding.pad_token.clone(), padding.pad_id),
            None => {
                let pad_token = SPECIAL_TOKENS[0];
                let pad_id =
                    inner
                        .token_to_id(pad_token)
                        .ok_or_else(|| InstructError::Tokenizer {
                            context: format!("reading {}", path.display()),
                            message: format!("no padding configured and no {pad_token} token"),
                        })?;
                (pad_token.to_owned(), pad_id)
            }
        };
        let max_len = inner
            .get_truncation()
            .map_or(DEFAULT_MAX_LEN, |truncation| truncation.max_length);
        Self::configure(inner, max_len, pad_token, pad_id)
    }

    /// Trains a tokenizer on `corpus`; `[PAD]` is id 0, then `[UNK]`, `[CLS]`, `[SEP]`, `[MASK]`.
    pub fn train(corpus: &TrainingCorpus, config: &TokenizerTrainingConfig) -> Result<Self> {
        let inner = train_tokenizer(corpus, config)?;
        Self::configure(inner, config.max_len, SPECIAL_TOKENS[0].to_owned(), 0)
    }

    fn configure(
        mut inner: Tokenizer,
        max_len: usize,
        pad_token: String,
        pad_id: u32,
    ) -> Result<Self> {
        inner.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            direction: PaddingDirection::Right,
            pad_to_multiple_of: None,
            pad_id,
            pad_type_id: 0,
            pad_token,
        }));
        let mut tokenizer = Self {
            inner,
            max_len: 0,
            pad_id,
        };
        tokenizer.set_max_len(max_len)?;
        Ok(tokenizer)
    }

    /// The same tokenizer truncating at `max_len` tokens (special tokens included).
    pub fn with_max_len(mut self, max_len: usize) -> Result<Self> {
        self.set_max_len(max_len)?;
        Ok(self)
    }

    fn set_max_len(&mut self, max_len: usize) -> Result<()> {
        let special = self.inner.get_post_processor().map_or(0, |p| {
            use tokenizers::PostProcessor;
            p.added_tokens(false)
        });
        if max_len <= special {
            return Err(InstructError::InvalidConfig {
                name: "max_len",
                message: format!(
                    "must exceed the {special} special tokens added to every text, got {max_len}"
                ),
            });
        }
        self.inner
            .with_truncation(Some(TruncationParams {
                max_length: max_len,
                ..TruncationParams::default()
            }))
            .map_err(library_error("setting the truncation"))?;
        self.max_len = max_len;
        Ok(())
    }

    /// Saves the tokenizer (with its padding and truncation) as a `tokenizer.json`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        self.inner
            .save(path, true)
            .map_err(library_error(format!("saving {}", path.display())))
    }

    /// The ids of one text, special tokens included, truncated, not padded.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let encoding = self
            .inner
            .encode_fast(text, true)
            .map_err(library_error("encoding"))?;
        Ok(encoding.get_ids().to_vec())
    }

    /// Ids and attention masks of a batch, each truncated to `max_len` and padded on the
    /// right to the batch's longest.
    pub fn encode_batch<S: AsRef<str>>(&self, texts: &[S]) -> Result<EncodedBatch> {
        let inputs: Vec<&str> = texts.iter().map(AsRef::as_ref).collect();
        let encodings = self
            .inner
            .encode_batch_fast(inputs, true)
            .map_err(library_error("encoding a batch"))?;
        let seq_len = encodings.first().map_or(0, |encoding| encoding.len());
        let mut batch = EncodedBatch {
            ids: Vec::with_capacity(seq_len * encodings.len()),
            attention_mask: Vec::with_capacity(seq_len * encodings.len()),
            batch_size: encodings.len(),
            seq_len,
        };
        for encoding in &encodings {
            batch.ids.extend_from_slice(encoding.get_ids());
            batch
                .attention_mask
                .extend_from_slice(encoding.get_attention_mask());
        }
        Ok(batch)
    }

    /// Number of tokens, special and added ones included.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The id of a token, if it is in the vocabulary.
    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// The padding id.
    pub fn pad_id(&self) -> u32 {
        self.pad_id
    }

    /// The longest encoding, special tokens included.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The underlying `tokenizers` tokenizer, for what this wrapper does not expose.
    pub fn inner(&self) -> &Tokenizer {
        &self.inner
    }
}
