//! Where the three segments sit in the query tower's sequence, and what each slot may attend to.

use burn::prelude::*;

use crate::{ModelError, Result};

/// The segment a slot of the query tower's sequence belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// An instruction token.
    Instruction = 0,
    /// A history item.
    History = 1,
    /// The learned query token.
    Query = 2,
}

impl Segment {
    /// Number of segments (rows of the segment embedding).
    pub const COUNT: usize = 3;
}

/// The CPU-side layout of a batch of query sequences `[instruction ; history ; query]`.
///
/// Each row holds `instruction_len` instruction slots (the first `instruction_lengths[i]` are
/// real, the rest padding), then `history_len` history slots in chronological order (the first
/// `history_lengths[i]` are real: slot 0 is the oldest kept item), then one query token. Both
/// segments have at least one slot, so an empty instruction or history is an all-padding segment.
///
/// The attention pattern is a prefix-LM:
/// - instruction tokens see every real instruction token;
/// - history slot `t` sees the real instruction tokens and the real history slots `<= t` (causal);
/// - the query token sees every real slot and itself.
///
/// History positions are counted back from the most recent item (the newest real item has
/// position 0), so "recent" means the same at any history length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceLayout {
    instruction_len: usize,
    history_len: usize,
    instruction_lengths: Vec<usize>,
    history_lengths: Vec<usize>,
}

/// The tensors a [`SequenceLayout`] describes, on a device.
#[derive(Debug, Clone)]
pub struct LayoutTensors<B: Backend> {
    /// Segment of every slot (see [`Segment`]).
    ///
    /// # Shapes
    /// `[batch, seq_len]`
    pub segments: Tensor<B, 2, Int>,
    /// Row of the position embedding of every slot: instruction slot `j` reads row `j`, history
    /// slot with recency `r` reads row `max_instruction_tokens + r`, the query token reads the last
    /// row (`max_instruction_tokens + max_history`). Padding slots read row 0.
    ///
    /// # Shapes
    /// `[batch, seq_len]`
    pub positions: Tensor<B, 2, Int>,
    /// `true` where query slot `i` may **not** attend to key slot `j` (padding or the future).
    ///
    /// # Shapes
    /// `[batch, seq_len, seq_len]`
    pub attention_mask: Tensor<B, 3, Bool>,
}

impl SequenceLayout {
    /// A layout with segment widths that fit the longest instruction and history (at least 1).
    ///
    /// Errors if the two length lists differ in size or the batch is empty.
    pub fn new(instruction_lengths: Vec<usize>, history_lengths: Vec<usize>) -> Result<Self> {
        let instruction_len = instruction_lengths
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
            .max(1);
        let history_len = history_lengths.iter().copied().max().unwrap_or(0).max(1);
        Self::with_widths(
            instruction_lengths,
            history_lengths,
            instruction_len,
            history_len,
        )
    }

    /// A layout with the given segment widths (e.g. a fixed width for every training batch).
    ///
    /// Errors if the batch is empty, the length lists differ in size, a width is zero or a length
    /// exceeds its segment's width.
    pub fn with_widths(
        instruction_lengths: Vec<usize>,
        history_lengths: Vec<usize>,
        instruction_len: usize,
        history_len: usize,
    ) -> Result<Self> {
        let invalid = |name, message: String| Err(ModelError::InvalidInput { name, message });
        if instruction_lengths.is_empty() {
            return invalid("batch", "a query batch needs at least one query".into());
        }
        if instruction_lengths.len() != history_lengths.len() {
            return invalid(
                "history_lengths",
                format!(
                    "{} histories for {} instructions",
                    history_lengths.len(),
                    instruction_lengths.len()
                ),
            );
        }
        if instruction_len == 0 || history_len == 0 {
            return invalid(
                "widths",
                "the instruction and history segments need at least one slot each".into(),
            );
        }
        let longest = |lengths: &[usize]| lengths.iter().copied().max().unwrap_or(0);
        if longest(&instruction_lengths) > instruction_len {
            return invalid(
                "instruction_lengths",
                format!(
                    "an instruction of {} tokens does not fit {instruction_len} slots",
                    longest(&instruction_lengths)
                ),
            );
        }
        if longest(&history_lengths) > history_len {
            return invalid(
                "history_lengths",
                format!(
                    "a history of {} items does not fit {history_len} slots",
                    longest(&history_lengths)
                ),
            );
        }
        Ok(Self {
            instruction_len,
            history_len,
            instruction_lengths,
            history_lengths,
        })
    }

    /// Number of query sequences.
    pub fn batch_size(&self) -> usize {
        self.instruction_lengths.len()
    }

    /// Number of instruction slots per sequence.
    pub fn instruction_len(&self) -> usize {
        self.instruction_len
    }

    /// Number of history slots per sequence.
    pub fn history_len(&self) -> usize {
        self.history_len
    }

    /// Total sequence length: instruction slots, history slots and the query token.
    pub fn seq_len(&self) -> usize {
        self.instruction_len + self.history_len + 1
    }

    /// Real instruction tokens per sequence.
    pub fn instruction_lengths(&self) -> &[usize] {
        &self.instruction_lengths
    }

    /// Real history items per sequence.
    pub fn history_lengths(&self) -> &[usize] {
        &self.history_lengths
    }

    /// `true` at the padding slots of the instruction segment, row-major `[batch, instruction_len]`.
    pub fn instruction_padding(&self) -> Vec<bool> {
        padding(&self.instruction_lengths, self.instruction_len)
    }

    /// `true` at the padding slots of the history segment, row-major `[batch, history_len]`.
    pub fn history_padding(&self) -> Vec<bool> {
        padding(&self.history_lengths, self.history_len)
    }

    /// Builds the segment ids, position rows and attention mask on `device`.
    ///
    /// `max_instruction_tokens` is the number of instruction position rows that precede the history
    /// rows in the position table; `max_history` the number of history rows, after which comes
    /// the query token's row. See [`LayoutTensors`] for what each tensor holds.
    ///
    /// # Shapes
    /// With `seq_len = instruction_len + history_len + 1`:
    /// - `segments`, `positions`: `[batch, seq_len]`
    /// - `attention_mask`: `[batch, seq_len, seq_len]`
    pub fn tensors<B: Backend>(
        &self,
        max_instruction_tokens: usize,
        max_history: usize,
        device: &B::Device,
    ) -> LayoutTensors<B> {
        let (batch, li, lh, len) = (
            self.batch_size(),
            self.instruction_len,
            self.history_len,
            self.seq_len(),
        );
        let mut segments = Vec::with_capacity(batch * len);
        let mut positions = Vec::with_capacity(batch * len);
        let mut mask = vec![true; batch * len * len];
        let query_row = (max_instruction_tokens + max_history) as i64;
        for (row, (&n_instr, &n_hist)) in self
            .instruction_lengths
            .iter()
            .zip(&self.history_lengths)
            .enumerate()
        {
            for j in 0..li {
                segments.push(Segment::Instruction as i64);
                positions.push(if j < n_instr { j as i64 } else { 0 });
            }
            for t in 0..lh {
                segments.push(Segment::History as i64);
                let recency = n_hist.saturating_sub(t + 1);
                positions.push(if t < n_hist {
                    (max_instruction_tokens + recency) as i64
                } else {
                    0
                });
            }
            segments.push(Segment::Query as i64);
            positions.push(query_row);

            let block = &mut mask[row * len * len..(row + 1) * len * len];
            let mut allow = |query: usize, keys: std::ops::Range<usize>| {
                block[query * len + keys.start..query * len + keys.end].fill(false);
            };
            for j in 0..n_instr {
                allow(j, 0..n_instr);
            }
            for t in 0..n_hist {
                allow(li + t, 0..n_instr);
                allow(li + t, li..li + t + 1);
            }
            allow(len - 1, 0..n_instr);
            allow(len - 1, li..li + n_hist);
            allow(len - 1, len - 1..len);
        }
        LayoutTensors {
            segments: Tensor::from_data(TensorData::new(segments, [batch, len]), device),
            positions: Tensor::from_data(TensorData::new(positions, [batch, len]), device),
            attention_mask: Tensor::from_data(TensorData::new(mask, [batch, len, len]), device),
        }
    }
}

fn padding(lengths: &[usize], width: usize) -> Vec<bool> {
    lengths
        .iter()
        .flat_map(|&n| (0..width).map(move |slot| slot >= n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;

    type B = Flex;

    #[test]
    fn widths_fit_the_longest_segment_and_are_at_least_one() {
        let layout = SequenceLayout::new(vec![2, 0], vec![0, 3]).unwrap();
        assert_eq!(
            (
                layout.instruction_len(),
                layout.history_len(),
                layout.seq_len()
            ),
            (2, 3, 6)
        );
        let empty = SequenceLayout::new(vec![0], vec![0]).unwrap();
        assert_eq!((empty.instruction_len(), empty.history_len()), (1, 1));
        assert_eq!(empty.instruction_padding(), vec![true]);
        assert_eq!(empty.history_padding(), vec![true]);
    }

    #[test]
    fn rejects_inconsistent_lengths() {
        assert!(SequenceLayout::new(vec![], vec![]).is_err());
        assert!(SequenceLayout::new(vec![1], vec![1, 2]).is_err());
        assert!(SequenceLayout::with_widths(vec![3], vec![1], 2, 4).is_err());
        assert!(SequenceLayout::with_widths(vec![1], vec![5], 2, 4).is_err());
        assert!(SequenceLayout::with_widths(vec![1], vec![1], 2, 0).is_err());
    }

    #[test]
    fn prefix_lm_mask_segments_and_recency_positions() {
        // One row: 2 real instruction tokens of 3 slots, 2 real history items of 3 slots.
        let layout = SequenceLayout::with_widths(vec![2], vec![2], 3, 3).unwrap();
        let tensors = layout.tensors::<B>(4, 5, &Default::default());
        assert_eq!(
            tensors.segments.into_data().to_vec::<i32>().unwrap(),
            vec![0, 0, 0, 1, 1, 1, 2]
        );
        // Instruction positions 0, 1 (pad -> 0); history recency 1, 0 offset by 4; query row 9.
        assert_eq!(
            tensors.positions.into_data().to_vec::<i32>().unwrap(),
            vec![0, 1, 0, 5, 4, 0, 9]
        );
        let blocked = tensors.attention_mask.into_data().to_vec::<bool>().unwrap();
        let sees = |q: usize| -> String {
            (0..7)
                .map(|k| if blocked[q * 7 + k] { '.' } else { 'x' })
                .collect()
        };
        assert_eq!(sees(0), "xx.....");
        assert_eq!(sees(1), "xx.....");
        assert_eq!(sees(2), "......."); // instruction padding sees nothing
        assert_eq!(sees(3), "xx.x...");
        assert_eq!(sees(4), "xx.xx..");
        assert_eq!(sees(5), "......."); // history padding
        assert_eq!(sees(6), "xx.xx.x"); // the query token
    }
}
