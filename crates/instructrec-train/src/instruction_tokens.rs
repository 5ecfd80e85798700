//! Tokenizing many instruction texts into a flat token store, in batches.

use instructrec_instruct::TextTokenizer;

use crate::ragged::Ragged;
use crate::{Result, TrainError};

/// Texts tokenized per call of the fast batch encoder.
const CHUNK: usize = 1024;

/// Tokenizes texts into a [`Ragged`] store, truncating every text to the query tower's
/// instruction slots; texts are buffered and encoded in batches.
pub(crate) struct InstructionTokens {
    tokenizer: TextTokenizer,
    pending: Vec<String>,
    tokens: Ragged<u32>,
}

impl InstructionTokens {
    /// A store whose rows hold at most `max_tokens` tokens (special tokens included).
    pub fn new(tokenizer: &TextTokenizer, max_tokens: usize) -> Result<Self> {
        if max_tokens == 0 {
            return Err(TrainError::config(
                "max_instruction_tokens",
                "must be at least 1",
            ));
        }
        let tokenizer = if tokenizer.max_len() > max_tokens {
            tokenizer.clone().with_max_len(max_tokens)?
        } else {
            tokenizer.clone()
        };
        Ok(Self {
            tokenizer,
            pending: Vec::with_capacity(CHUNK),
            tokens: Ragged::default(),
        })
    }

    /// Queues a text (its row is the number of rows pushed before it).
    pub fn push(&mut self, text: String) -> Result<()> {
        self.pending.push(text);
        if self.pending.len() == CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    /// Adds an empty row (an example without instruction text).
    pub fn push_empty(&mut self) -> Result<()> {
        self.flush()?;
        self.tokens.push_empty();
        Ok(())
    }

    /// Encodes what is queued and returns every row.
    pub fn finish(mut self) -> Result<Ragged<u32>> {
        self.flush()?;
        Ok(self.tokens)
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = self.tokenizer.encode_batch(&self.pending)?;
        for row in 0..batch.batch_size {
            self.tokens.push(batch.tokens(row));
        }
        self.pending.clear();
        Ok(())
    }
}
