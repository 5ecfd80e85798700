//! Test helpers: temporary directories, tiny BERT checkpoints written with the safetensors crate,
//! and the location of the shared data directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use burn::prelude::*;
use burn::tensor::{bf16, f16, Tolerance};
use safetensors::tensor::TensorView;
use safetensors::Dtype;

use super::{BertConfig, TextEncoder};

/// A directory under the system temp dir, removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "instructrec-text-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a temp dir");
        Self(dir)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A tiny random BERT checkpoint in Hugging Face layout (names, `[out, in]` linear weights).
pub(crate) struct FakeBert {
    pub(crate) config: BertConfig,
    /// name → (shape, values).
    pub(crate) tensors: BTreeMap<String, (Vec<usize>, Vec<f32>)>,
}

impl FakeBert {
    pub(crate) fn new() -> Self {
        let config = BertConfig {
            vocab_size: 20,
            hidden_size: 8,
            num_hidden_layers: 2,
            num_attention_heads: 2,
            intermediate_size: 16,
            max_position_embeddings: 10,
            type_vocab_size: 2,
            layer_norm_eps: 1e-12,
            hidden_act: "gelu".into(),
            hidden_dropout_prob: 0.1,
            position_embedding_type: "absolute".into(),
        };
        let (d, ff) = (config.hidden_size, config.intermediate_size);
        let mut shapes: Vec<(String, Vec<usize>)> = vec![
            ("embeddings.word_embeddings.weight".into(), vec![20, d]),
            ("embeddings.position_embeddings.weight".into(), vec![10, d]),
            ("embeddings.token_type_embeddings.weight".into(), vec![2, d]),
            ("embeddings.LayerNorm.weight".into(), vec![d]),
            ("embeddings.LayerNorm.bias".into(), vec![d]),
            // Not used by the encoder; must be ignored.
            ("pooler.dense.weight".into(), vec![d, d]),
            ("pooler.dense.bias".into(), vec![d]),
        ];
        for i in 0..config.num_hidden_layers {
            let p = format!("encoder.layer.{i}");
            for (name, shape) in [
                ("attention.self.query.weight", vec![d, d]),
                ("attention.self.query.bias", vec![d]),
                ("attention.self.key.weight", vec![d, d]),
                ("attention.self.key.bias", vec![d]),
                ("attention.self.value.weight", vec![d, d]),
                ("attention.self.value.bias", vec![d]),
                ("attention.output.dense.weight", vec![d, d]),
                ("attention.output.dense.bias", vec![d]),
                ("attention.output.LayerNorm.weight", vec![d]),
                ("attention.output.LayerNorm.bias", vec![d]),
                ("intermediate.dense.weight", vec![ff, d]),
                ("intermediate.dense.bias", vec![ff]),
                ("output.dense.weight", vec![d, ff]),
                ("output.dense.bias", vec![d]),
                ("output.LayerNorm.weight", vec![d]),
                ("output.LayerNorm.bias", vec![d]),
            ] {
                shapes.push((format!("{p}.{name}"), shape));
            }
        }
        // A fixed xorshift stream: deterministic, no extra dependency.
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        };
        let tensors = shapes
            .into_iter()
            .map(|(name, shape)| {
                let n = shape.iter().product();
                let offset = if name.ends_with("LayerNorm.weight") {
                    1.0
                } else {
                    0.0
                };
                let values = (0..n).map(|_| offset + next()).collect();
                (name, (shape, values))
            })
            .collect();
        Self { config, tensors }
    }

    /// Renames every tensor with `f(name)`.
    pub(crate) fn rename(&mut self, f: impl Fn(&str) -> String) {
        self.tensors = std::mem::take(&mut self.tensors)
            .into_iter()
            .map(|(name, t)| (f(&name), t))
            .collect();
    }

    /// Rounds every value through `dtype`, so that an F32 file holds what a `dtype` file decodes to.
    pub(crate) fn round_to(&mut self, dtype: Dtype) {
        for (_, values) in self.tensors.values_mut() {
            for v in values.iter_mut() {
                *v = match dtype {
                    Dtype::F16 => f16::from_f32(*v).to_f32(),
                    Dtype::BF16 => bf16::from_f32(*v).to_f32(),
                    _ => *v,
                };
            }
        }
    }

    /// Writes `config.json` and `model.safetensors` (every tensor as `dtype`) into `dir`.
    pub(crate) fn write(&self, dir: &Path, dtype: Dtype) {
        std::fs::write(
            dir.join("config.json"),
            serde_json::to_vec(&self.config).unwrap(),
        )
        .unwrap();
        let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = self
            .tensors
            .iter()
            .map(|(name, (shape, values))| {
                let bytes = values
                    .iter()
                    .flat_map(|&v| match dtype {
                        Dtype::F32 => v.to_le_bytes().to_vec(),
                        Dtype::F16 => f16::from_f32(v).to_le_bytes().to_vec(),
                        Dtype::BF16 => bf16::from_f32(v).to_le_bytes().to_vec(),
                        Dtype::I64 => (v as i64).to_le_bytes().to_vec(),
                        other => panic!("the fake writer does not encode {other:?}"),
                    })
                    .collect();
                (name.clone(), shape.clone(), bytes)
            })
            .collect();
        let views = bytes.iter().map(|(name, shape, data)| {
            (
                name.as_str(),
                TensorView::new(dtype, shape.clone(), data).unwrap(),
            )
        });
        let file = safetensors::serialize(views, None).unwrap();
        std::fs::write(dir.join("model.safetensors"), file).unwrap();
    }
}

/// The shared data directory: `$INSTRUCTREC_SHARED`, else `shared/` beside the workspace root.
/// Panics (failing the test) with a clear message when it cannot be found.
pub(crate) fn shared_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("INSTRUCTREC_SHARED") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "INSTRUCTREC_SHARED={} is not a directory",
            dir.display()
        );
        return dir;
    }
    let start = std::env::current_dir().expect("current dir");
    let root = start
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|toml| toml.lines().any(|line| line.trim() == "[workspace]"))
        })
        .unwrap_or_else(|| panic!("no workspace root above {}", start.display()));
    let shared = root.join("../shared");
    assert!(
        shared.is_dir(),
        "shared data directory {} is missing: set INSTRUCTREC_SHARED to the directory holding \
         models/all-MiniLM-L6-v2",
        shared.display()
    );
    shared
}

/// Checks that padding a sequence — with arbitrary ids, even outside the vocabulary — changes
/// neither its pooled vector nor the states of its real tokens.
pub(crate) fn assert_padding_is_ignored<B: Backend, E: TextEncoder<B>>(encoder: &E) {
    let device = Default::default();
    let short = Tensor::<B, 2, Int>::from_data([[7, 3, 12]], &device);
    let none = Tensor::<B, 2, Bool>::from_data([[false; 3]], &device);
    let reference = encoder.encode(short, none).unwrap();

    let padded = Tensor::<B, 2, Int>::from_data([[7, 3, 12, 5, -5, 1000]], &device);
    let padding =
        Tensor::<B, 2, Bool>::from_data([[false, false, false, true, true, true]], &device);
    let out = encoder.encode(padded, padding).unwrap();
    let tolerance = Tolerance::<f32>::absolute(1e-5);
    out.pooled
        .into_data()
        .assert_approx_eq::<f32>(&reference.pooled.into_data(), tolerance);
    out.hidden
        .slice([0..1, 0..3])
        .into_data()
        .assert_approx_eq::<f32>(&reference.hidden.into_data(), tolerance);
}

/// Writes a word-level `tokenizer.json` that whitespace-splits, adds `[CLS]` (2) / `[SEP]` (3),
/// and maps `words` to ids 4, 5, … (`[PAD]` = 0, `[UNK]` = 1).
pub(crate) fn write_word_tokenizer(dir: &Path, words: &[&str]) {
    let mut vocab = serde_json::Map::new();
    for (id, word) in ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
        .iter()
        .chain(words)
        .enumerate()
    {
        vocab.insert((*word).into(), id.into());
    }
    let tokenizer = serde_json::json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": [],
        "normalizer": null,
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
        "decoder": null,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"}
    });
    std::fs::write(
        dir.join("tokenizer.json"),
        serde_json::to_vec(&tokenizer).unwrap(),
    )
    .unwrap();
}
