//! Shared fixtures: a small catalog with titles, a word tokenizer and tiny model configs.

use burn::backend::Flex;
use instructrec_data::Catalog;
use instructrec_fusion::{ItemFeatures, ItemFeaturesConfig, ItemTowerConfig, Modalities};
use instructrec_model::{InstructRecConfig, InstructionEncoderConfig, QueryTowerConfig};

pub type B = Flex;

/// Token ids of the instruction vocabulary (shared with item titles).
pub const VOCAB: usize = 40;
/// Number of catalog items.
pub const ITEMS: usize = 12;

/// Word-level hashing tokenizer (ids `1..VOCAB`; 0 stays free for padding).
pub fn tokenize(text: &str) -> Vec<u32> {
    text.split_whitespace()
        .map(|w| {
            let hash = w.bytes().fold(2166136261u32, |h, b| {
                (h ^ u32::from(b)).wrapping_mul(16777619)
            });
            hash % (VOCAB as u32 - 1) + 1
        })
        .collect()
}

/// `ITEMS` items titled from a few genre words.
pub fn catalog() -> Catalog {
    let words = ["crime", "comedy", "space", "drama"];
    let mut catalog = Catalog::new();
    for i in 0..ITEMS {
        let idx = catalog.intern(&format!("item{i}"));
        catalog.get_mut(idx).unwrap().title = Some(format!("{} story {i}", words[i % words.len()]));
    }
    catalog
}

pub fn features() -> ItemFeatures {
    ItemFeatures::from_catalog(&catalog(), &ItemFeaturesConfig::new(), tokenize).unwrap()
}

/// A tiny model: ID + text item tower of width 8, one-layer query tower, no dropout.
pub fn config(instruction: InstructionEncoderConfig) -> InstructRecConfig {
    let mut dims = features().dims();
    dims.vocab_size = VOCAB;
    let item_tower = ItemTowerConfig::new(8, dims, Modalities::available(&dims)).with_dropout(0.0);
    let query_tower = QueryTowerConfig::new(8)
        .with_n_layers(1)
        .with_n_heads(2)
        .with_d_ff(16)
        .with_dropout(0.0)
        .with_max_history(5)
        .with_max_instruction_tokens(6);
    InstructRecConfig::new(item_tower, query_tower).with_instruction(instruction)
}
