//! Shared fixtures of the crate's tests: a small synthetic dataset, its split and a tokenizer.

use instructrec_data::{Dataset, Split, SyntheticConfig};
use instructrec_instruct::{TextTokenizer, TokenizerTrainingConfig, TrainingCorpus};

use crate::visible_before;

/// A small synthetic dataset (seeded, so every test sees the same data).
pub fn dataset(num_users: usize, num_items: usize) -> Dataset {
    SyntheticConfig {
        num_users,
        num_items,
        num_categories: 6,
        mean_interactions: 20.0,
        ..SyntheticConfig::default()
    }
    .generate()
    .expect("valid synthetic config")
}

/// A word-piece tokenizer trained on the training part of `split` only.
pub fn tokenizer(split: &Split<'_>) -> TextTokenizer {
    let corpus = TrainingCorpus::from_dataset(&visible_before(split, None));
    let config = TokenizerTrainingConfig {
        vocab_size: 600,
        max_len: 48,
        ..TokenizerTrainingConfig::default()
    };
    TextTokenizer::train(&corpus, &config).expect("tokenizer trains")
}
