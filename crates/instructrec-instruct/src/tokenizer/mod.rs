//! Tokenization of instruction and item text through the `tokenizers` library: load any
//! `tokenizer.json`, or train a WordPiece / BPE tokenizer on a dataset's own text.

mod corpus;
mod encoded_batch;
mod text_tokenizer;
mod training;

pub use corpus::TrainingCorpus;
pub use encoded_batch::EncodedBatch;
pub use text_tokenizer::TextTokenizer;
pub use training::{SubwordModel, TokenizerTrainingConfig, SPECIAL_TOKENS};

use crate::InstructError;

/// Wraps an error of the `tokenizers` library with what was being done.
fn library_error(context: impl Into<String>) -> impl FnOnce(tokenizers::Error) -> InstructError {
    let context = context.into();
    move |error| InstructError::Tokenizer {
        context,
        message: error.to_string(),
    }
}
