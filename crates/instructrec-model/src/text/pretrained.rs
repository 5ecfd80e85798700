//! Raw text to sentence vectors with a pretrained tokenizer and [`BertEncoder`], the way
//! sentence-transformers does it (mean pooling over the attention mask, then L2 normalisation).

use std::cmp::Reverse;
use std::path::Path;

use burn::prelude::*;
use serde::Deserialize;
use tokenizers::{Tokenizer, TruncationParams};

use super::encoder::{TextEncoder, TextEncoderOutput, PAD_ID};
use super::files::{read_json, read_required};
use super::BertEncoder;
use crate::{ModelError, Result};

/// Token ids and padding mask of a batch of texts, padded to its longest member.
#[derive(Debug, Clone)]
pub struct TokenizedBatch<B: Backend> {
    /// Word-piece ids, [`PAD_ID`] at padding positions.
    ///
    /// # Shapes
    /// `[batch, len]`
    pub tokens: Tensor<B, 2, Int>,
    /// `true` at padding positions.
    ///
    /// # Shapes
    /// `[batch, len]`
    pub padding: Tensor<B, 2, Bool>,
}

/// A batch of texts with the encoder's per-token states, e.g. to precompute instruction tokens.
#[derive(Debug, Clone)]
pub struct EncodedTexts<B: Backend> {
    /// The tokenized input (its `padding` masks `output.hidden`).
    pub batch: TokenizedBatch<B>,
    /// Hidden states `[batch, len, d]` and masked-mean pooled vectors `[batch, d]`
    /// (not normalised).
    pub output: TextEncoderOutput<B>,
}

/// The parts of sentence-transformers' `1_Pooling/config.json` this embedder checks.
#[derive(Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
}

/// A frozen pretrained text embedder: a Hugging Face tokenizer and a [`BertEncoder`].
///
/// Meant for a plain (non-autodiff) backend, to embed item texts and instructions once. For
/// fine-tuning, take the encoder out with [`into_encoder`](Self::into_encoder).
#[derive(Debug)]
pub struct PretrainedTextEmbedder<B: Backend> {
    tokenizer: Tokenizer,
    encoder: BertEncoder<B>,
    max_len: usize,
    device: B::Device,
}

impl<B: Backend> PretrainedTextEmbedder<B> {
    /// Loads a sentence-transformers / Hugging Face directory: `config.json`,
    /// `model.safetensors`, `tokenizer.json`, and when present `sentence_bert_config.json`
    /// (its `max_seq_length` sets the truncation length, else the encoder's maximum) and
    /// `1_Pooling/config.json` (which must ask for mean pooling).
    pub fn load(dir: &Path, device: &B::Device) -> Result<Self> {
        let encoder = BertEncoder::load(dir, device)?;
        check_pooling(&dir.join("1_Pooling").join("config.json"))?;
        let max_len = read_max_seq_length(&dir.join("sentence_bert_config.json"))?
            .unwrap_or(encoder.max_len());

        let path = dir.join("tokenizer.json");
        let tokenizer = Tokenizer::from_bytes(read_required(&path)?)
            .map_err(|e| ModelError::Tokenizer(format!("cannot load {}: {e}", path.display())))?;
        let tokenizer_vocab = tokenizer.get_vocab_size(true);
        if tokenizer_vocab > encoder.vocab_size() {
            return Err(ModelError::Pretrained {
                path,
                message: format!(
                    "the tokenizer knows {tokenizer_vocab} tokens but the encoder embeds only {}",
                    encoder.vocab_size()
                ),
            });
        }
        Self {
            tokenizer,
            encoder,
            max_len,
            device: device.clone(),
        }
        .with_max_len(max_len)
    }

    /// Truncates texts to `max_len` tokens (special tokens included); at most the encoder's
    /// [`max_len`](BertEncoder::max_len).
    pub fn with_max_len(mut self, max_len: usize) -> Result<Self> {
        if max_len < 2 || max_len > self.encoder.max_len() {
            return Err(ModelError::InvalidConfig {
                field: "max_len",
                message: format!(
                    "{max_len} is outside [2, {}] (room for [CLS] and [SEP], at most the \
                     encoder's positions)",
                    self.encoder.max_len()
                ),
            });
        }
        self.tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_len,
                ..Default::default()
            }))
            .map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        self.tokenizer.with_padding(None);
        self.max_len = max_len;
        Ok(self)
    }

    /// The encoder.
    pub fn encoder(&self) -> &BertEncoder<B> {
        &self.encoder
    }

    /// Takes the encoder out, e.g. to fine-tune it.
    pub fn into_encoder(self) -> BertEncoder<B> {
        self.encoder
    }

    /// The tokenizer (truncating to [`max_len`](Self::max_len), not padding).
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// The truncation length in tokens.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The width of the vectors.
    pub fn d_model(&self) -> usize {
        self.encoder.d_model()
    }

    /// The word-piece ids of each text, with `[CLS]` / `[SEP]`, truncated to `max_len`.
    pub fn token_ids(&self, texts: &[&str]) -> Result<Vec<Vec<u32>>> {
        let encodings = self
            .tokenizer
            .encode_batch_fast(texts.to_vec(), true)
            .map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        Ok(encodings.iter().map(|e| e.get_ids().to_vec()).collect())
    }

    /// Tokenizes texts into one batch padded to its longest member.
    pub fn tokenize(&self, texts: &[&str]) -> Result<TokenizedBatch<B>> {
        let ids = self.token_ids(texts)?;
        let rows: Vec<&[u32]> = ids.iter().map(Vec::as_slice).collect();
        self.batch(&rows)
    }

    /// Tokenizes and encodes texts as one batch, keeping the per-token states.
    pub fn encode(&self, texts: &[&str]) -> Result<EncodedTexts<B>> {
        let batch = self.tokenize(texts)?;
        let output = self
            .encoder
            .encode(batch.tokens.clone(), batch.padding.clone())?;
        Ok(EncodedTexts { batch, output })
    }

    /// Unit-length sentence vectors (mean pooling over the real tokens, then L2 normalisation),
    /// in the order of `texts`. Texts are grouped by length into batches of `batch_size` to
    /// limit padding.
    ///
    /// # Shapes
    /// - output: `[texts.len(), d_model]`
    pub fn embed(&self, texts: &[&str], batch_size: usize) -> Result<Tensor<B, 2>> {
        if batch_size == 0 {
            return Err(ModelError::InvalidInput {
                name: "batch_size",
                message: "must be positive".into(),
            });
        }
        if texts.is_empty() {
            return Ok(Tensor::zeros([0, self.d_model()], &self.device));
        }
        let ids = self.token_ids(texts)?;
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| Reverse(ids[i].len()));

        let mut chunks = Vec::with_capacity(order.len().div_ceil(batch_size));
        for chunk in order.chunks(batch_size) {
            let rows: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
            let batch = self.batch(&rows)?;
            let pooled = self.encoder.encode(batch.tokens, batch.padding)?.pooled;
            chunks.push(l2_normalize(pooled));
        }
        let mut position = vec![0i64; order.len()];
        for (k, &i) in order.iter().enumerate() {
            position[i] = k as i64;
        }
        let position = Tensor::from_data(TensorData::new(position, [texts.len()]), &self.device);
        Ok(Tensor::cat(chunks, 0).select(0, position))
    }

    /// Pads rows of token ids into a batch.
    fn batch(&self, rows: &[&[u32]]) -> Result<TokenizedBatch<B>> {
        let len = rows.iter().map(|row| row.len()).max().unwrap_or(0);
        if len == 0 {
            return Err(ModelError::InvalidInput {
                name: "texts",
                message: "no tokens to encode".into(),
            });
        }
        let mut tokens = vec![PAD_ID; rows.len() * len];
        let mut padding = vec![true; rows.len() * len];
        for (r, row) in rows.iter().enumerate() {
            for (c, &id) in row.iter().enumerate() {
                tokens[r * len + c] = i64::from(id);
                padding[r * len + c] = false;
            }
        }
        let shape = [rows.len(), len];
        Ok(TokenizedBatch {
            tokens: Tensor::from_data(TensorData::new(tokens, shape), &self.device),
            padding: Tensor::from_data(TensorData::new(padding, shape), &self.device),
        })
    }
}

/// Divides each row by its L2 norm (rows of zeros stay zero).
///
/// # Shapes
/// - `x`, output: `[n, d]`
fn l2_normalize<B: Backend>(x: Tensor<B, 2>) -> Tensor<B, 2> {
    let norm = x.clone().powi_scalar(2).sum_dim(1).sqrt().clamp_min(1e-12);
    x / norm
}

/// Errors unless the optional sentence-transformers pooling config asks for plain mean pooling.
fn check_pooling(path: &Path) -> Result<()> {
    if !path.is_file() {
        return Ok(());
    }
    let config: PoolingConfig = read_json(path)?;
    let mean_only = config.pooling_mode_mean_tokens
        && !config.pooling_mode_cls_token
        && !config.pooling_mode_max_tokens
        && !config.pooling_mode_mean_sqrt_len_tokens;
    if mean_only {
        Ok(())
    } else {
        Err(ModelError::Pretrained {
            path: path.to_path_buf(),
            message: "only mean pooling (`pooling_mode_mean_tokens`) is supported".into(),
        })
    }
}

/// `max_seq_length` from an optional `sentence_bert_config.json`.
fn read_max_seq_length(path: &Path) -> Result<Option<usize>> {
    #[derive(Deserialize)]
    struct SentenceBertConfig {
        max_seq_length: Option<usize>,
    }
    if !path.is_file() {
        return Ok(None);
    }
    Ok(read_json::<SentenceBertConfig>(path)?.max_seq_length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::test_support::{shared_dir, write_word_tokenizer, FakeBert, TempDir};
    use burn::backend::Flex;
    use burn::tensor::Tolerance;
    use safetensors::Dtype;

    type B = Flex;

    const WORDS: [&str; 8] = ["a", "puzzle", "game", "for", "my", "son", "racing", "cheap"];

    /// A tiny embedder: a fake BERT (vocabulary 20, 10 positions) and a word-level tokenizer.
    fn fake_dir() -> TempDir {
        let dir = TempDir::new();
        FakeBert::new().write(dir.path(), Dtype::F32);
        write_word_tokenizer(dir.path(), &WORDS);
        dir
    }

    fn load(dir: &TempDir) -> Result<PretrainedTextEmbedder<B>> {
        PretrainedTextEmbedder::load(dir.path(), &Default::default())
    }

    #[test]
    fn tokenizes_with_special_tokens_and_truncates() {
        let dir = fake_dir();
        let embedder = load(&dir).unwrap();
        assert_eq!(embedder.max_len(), 10);
        let ids = embedder
            .token_ids(&["a puzzle game", "cheap unknown"])
            .unwrap();
        assert_eq!(ids, vec![vec![2, 4, 5, 6, 3], vec![2, 11, 1, 3]]);

        let embedder = embedder.with_max_len(4).unwrap();
        let ids = embedder.token_ids(&["a puzzle game for my son"]).unwrap();
        assert_eq!(ids, vec![vec![2, 4, 5, 3]]);

        let batch = embedder.tokenize(&["a puzzle game", "son"]).unwrap();
        batch
            .tokens
            .into_data()
            .assert_eq(&TensorData::from([[2i64, 4, 5, 3], [2, 9, 3, 0]]), false);
        batch.padding.into_data().assert_eq(
            &TensorData::from([[false, false, false, false], [false, false, false, true]]),
            false,
        );
    }

    #[test]
    fn embed_is_unit_length_in_input_order_and_independent_of_batching() {
        let dir = fake_dir();
        let embedder = load(&dir).unwrap();
        let texts = [
            "son",
            "a puzzle game for my son",
            "cheap racing game",
            "my game",
            "a",
        ];
        let one_by_one = embedder.embed(&texts, 1).unwrap();
        let batched = embedder.embed(&texts, 2).unwrap();
        assert_eq!(batched.dims(), [5, 8]);
        batched
            .clone()
            .into_data()
            .assert_approx_eq::<f32>(&one_by_one.into_data(), Tolerance::absolute(1e-5));
        let norms = batched.clone().powi_scalar(2).sum_dim(1).sqrt();
        norms
            .into_data()
            .assert_approx_eq::<f32>(&TensorData::from([[1.0f32]; 5]), Tolerance::absolute(1e-5));

        // `encode` keeps the token states; its pooled vectors normalise to the embeddings.
        let encoded = embedder.encode(&texts).unwrap();
        assert_eq!(encoded.output.hidden.dims(), [5, 8, 8]);
        assert_eq!(encoded.batch.padding.dims(), [5, 8]);
        l2_normalize(encoded.output.pooled)
            .into_data()
            .assert_approx_eq::<f32>(&batched.into_data(), Tolerance::absolute(1e-5));

        assert_eq!(embedder.embed(&[], 4).unwrap().dims(), [0, 8]);
        assert!(matches!(
            embedder.embed(&texts, 0),
            Err(ModelError::InvalidInput {
                name: "batch_size",
                ..
            })
        ));
    }

    #[test]
    fn directory_errors_are_clear() {
        let dir = fake_dir();
        std::fs::remove_file(dir.path().join("tokenizer.json")).unwrap();
        match load(&dir).unwrap_err() {
            ModelError::Pretrained { path, message } => {
                assert!(path.ends_with("tokenizer.json"), "{path:?}");
                assert!(message.contains("missing file"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }

        std::fs::write(dir.path().join("tokenizer.json"), b"{}").unwrap();
        assert!(matches!(load(&dir), Err(ModelError::Tokenizer(_))));

        // A tokenizer whose ids exceed the encoder's vocabulary (20).
        let words: Vec<String> = (0..20).map(|i| format!("w{i}")).collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        write_word_tokenizer(dir.path(), &words);
        let err = load(&dir).unwrap_err().to_string();
        assert!(
            err.contains("knows 24 tokens but the encoder embeds only 20"),
            "{err}"
        );

        write_word_tokenizer(dir.path(), &WORDS);
        let pooling = dir.path().join("1_Pooling");
        std::fs::create_dir(&pooling).unwrap();
        std::fs::write(
            pooling.join("config.json"),
            br#"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}"#,
        )
        .unwrap();
        let err = load(&dir).unwrap_err().to_string();
        assert!(err.contains("only mean pooling"), "{err}");
        std::fs::remove_dir_all(&pooling).unwrap();

        std::fs::write(
            dir.path().join("sentence_bert_config.json"),
            br#"{"max_seq_length": 11}"#,
        )
        .unwrap();
        assert!(matches!(
            load(&dir),
            Err(ModelError::InvalidConfig {
                field: "max_len",
                ..
            })
        ));
    }

    #[derive(Deserialize)]
    struct Reference {
        cosine_matrix: Vec<Vec<f32>>,
        sentences: Vec<ReferenceSentence>,
    }

    #[derive(Deserialize)]
    struct ReferenceSentence {
        text: String,
        input_ids: Vec<u32>,
        last_hidden_state_token0_first8: Vec<f32>,
        last_hidden_state_last_token_first8: Vec<f32>,
        mean_pooled_normalized: Vec<f32>,
    }

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
        dot / (norm(a) * norm(b))
    }

    /// all-MiniLM-L6-v2 against the Hugging Face reference: same token ids, same vectors.
    #[test]
    fn minilm_matches_the_reference_implementation() {
        let dir = shared_dir().join("models").join("all-MiniLM-L6-v2");
        let reference: Reference = read_json(&dir.join("reference.json"))
            .unwrap_or_else(|e| panic!("the MiniLM reference is unreadable: {e}"));
        let embedder = PretrainedTextEmbedder::<B>::load(&dir, &Default::default()).unwrap();
        assert_eq!((embedder.d_model(), embedder.max_len()), (384, 256));

        let texts: Vec<&str> = reference
            .sentences
            .iter()
            .map(|s| s.text.as_str())
            .collect();
        let expected: Vec<Vec<u32>> = reference
            .sentences
            .iter()
            .map(|s| s.input_ids.clone())
            .collect();
        assert_eq!(embedder.token_ids(&texts).unwrap(), expected);

        // Batches of 2 mix lengths, so padding is exercised.
        let vectors = embedder.embed(&texts, 2).unwrap();
        let rows: Vec<Vec<f32>> = (0..texts.len())
            .map(|i| {
                let row = vectors.clone().slice(i..i + 1);
                row.into_data().to_vec::<f32>().unwrap()
            })
            .collect();
        let mut worst = 1.0f32;
        for (row, sentence) in rows.iter().zip(&reference.sentences) {
            let cos = cosine(row, &sentence.mean_pooled_normalized);
            assert!(cos >= 0.999, "cosine {cos} for {:?}", sentence.text);
            worst = worst.min(cos);
        }
        println!("all-MiniLM-L6-v2: worst cosine with the reference {worst:.7}");
        for (i, expected_row) in reference.cosine_matrix.iter().enumerate() {
            for (j, &expected) in expected_row.iter().enumerate() {
                let cos = cosine(&rows[i], &rows[j]);
                assert!((cos - expected).abs() < 1e-3, "cosine[{i}][{j}] = {cos}");
            }
        }

        // Raw hidden states of the first and last real token.
        let encoded = embedder.encode(&texts).unwrap();
        for (i, sentence) in reference.sentences.iter().enumerate() {
            let last = sentence.input_ids.len() - 1;
            for (position, expected) in [
                (0, &sentence.last_hidden_state_token0_first8),
                (last, &sentence.last_hidden_state_last_token_first8),
            ] {
                let state =
                    encoded
                        .output
                        .hidden
                        .clone()
                        .slice([i..i + 1, position..position + 1, 0..8]);
                state.into_data().assert_approx_eq::<f32>(
                    &TensorData::new(expected.clone(), [1, 1, 8]),
                    Tolerance::absolute(1e-4),
                );
            }
        }
    }
}
