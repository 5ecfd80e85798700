//! A batch of token ids, padded to one length, with its attention mask.

/// Row-major `[batch_size, seq_len]` token ids and attention mask (1 = token, 0 = padding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedBatch {
    /// Token ids, `batch_size * seq_len`, padded on the right with the pad id.
    pub ids: Vec<u32>,
    /// 1 for a real token, 0 for padding; same layout as `ids`.
    pub attention_mask: Vec<u32>,
    /// Number of texts.
    pub batch_size: usize,
    /// Length of every row (the longest text of the batch, at most the tokenizer's max length).
    pub seq_len: usize,
}

impl EncodedBatch {
    /// The ids of text `row`, padding included.
    pub fn ids_row(&self, row: usize) -> &[u32] {
        &self.ids[row * self.seq_len..(row + 1) * self.seq_len]
    }

    /// The attention mask of text `row`.
    pub fn mask_row(&self, row: usize) -> &[u32] {
        &self.attention_mask[row * self.seq_len..(row + 1) * self.seq_len]
    }

    /// The ids of text `row` without padding.
    pub fn tokens(&self, row: usize) -> &[u32] {
        let len = self.mask_row(row).iter().filter(|&&m| m == 1).count();
        &self.ids_row(row)[..len]
    }
}
