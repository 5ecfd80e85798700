//! Tokenizing instruction texts as the query tower reads them: truncated to its instruction
//! slots, many texts per call of the batch encoder.

use instructrec_instruct::TextTokenizer;

use crate::ragged::Ragged;
use crate::{Result, TrainError};

/// Texts tokenized per call of the fast batch encoder: enough to keep it busy, few enough that
/// its padded batch stays small.
const CHUNK: usize = 1024;

/// `tokenizer`, truncating every text at `max_tokens` tokens (special tokens included), as the
/// query tower's `max_instruction_tokens` slots hold; a tokenizer that already keeps fewer is
/// returned as it is.
///
/// Errors if `max_tokens` is 0 or leaves no room beside the special tokens.
pub fn instruction_tokenizer(
    tokenizer: &TextTokenizer,
    max_tokens: usize,
) -> Result<TextTokenizer> {
    if max_tokens == 0 {
        return Err(TrainError::config(
            "max_instruction_tokens",
            "must be at least 1",
        ));
    }
    Ok(if tokenizer.max_len() > max_tokens {
        tokenizer.clone().with_max_len(max_tokens)?
    } else {
        tokenizer.clone()
    })
}

/// Tokenizes `texts` with `tokenizer` (e.g. an [`instruction_tokenizer`]) and hands each text's
/// token ids to `row`, in the order of `texts`.
///
/// The texts are encoded a chunk at a time by the fast batch encoder, which pads every chunk to
/// its longest text: one call for all texts would hold the padded ids of every text at once.
pub fn tokenize_in_chunks<S: AsRef<str>>(
    tokenizer: &TextTokenizer,
    texts: &[S],
    mut row: impl FnMut(&[u32]),
) -> Result<()> {
    for chunk in texts.chunks(CHUNK) {
        let batch = tokenizer.encode_batch(chunk)?;
        for index in 0..batch.batch_size {
            row(batch.tokens(index));
        }
    }
    Ok(())
}

/// Tokenizes texts into a [`Ragged`] store with an [`instruction_tokenizer`]; texts are
/// buffered and encoded in batches.
pub(crate) struct InstructionTokens {
    tokenizer: TextTokenizer,
    pending: Vec<String>,
    tokens: Ragged<u32>,
}

impl InstructionTokens {
    /// A store whose rows hold at most `max_tokens` tokens (special tokens included).
    pub fn new(tokenizer: &TextTokenizer, max_tokens: usize) -> Result<Self> {
        Ok(Self {
            tokenizer: instruction_tokenizer(tokenizer, max_tokens)?,
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
        let tokens = &mut self.tokens;
        tokenize_in_chunks(&self.tokenizer, &self.pending, |row| tokens.push(row))?;
        self.pending.clear();
        Ok(())
    }
}
