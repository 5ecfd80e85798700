//! A batch of requests as tensors, and the CPU-side builder that pads and checks them.

use burn::prelude::*;

use crate::instruction::InstructionInput;
use crate::item_set::rows_tensor;
use crate::query::SequenceLayout;
use crate::text::EncodedTexts;
use crate::{check, ItemSet, ModelError, Result};

/// Per-token states of one instruction from a frozen pretrained encoder, row-major
/// `[len, dim]`.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenStates {
    values: Vec<f32>,
    dim: usize,
}

impl TokenStates {
    /// Wraps row-major `[len, dim]` values. Errors if `dim` is zero, the values are not a whole
    /// number of rows, or one is not finite.
    pub fn new(values: Vec<f32>, dim: usize) -> Result<Self> {
        check::positive(&[("dim", dim)])?;
        if values.len() % dim != 0 {
            return Err(ModelError::InvalidInput {
                name: "token_states",
                message: format!("{} values are not rows of width {dim}", values.len()),
            });
        }
        if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
            return Err(ModelError::InvalidInput {
                name: "token_states",
                message: format!("value {bad} is not finite"),
            });
        }
        Ok(Self { values, dim })
    }

    /// The real (non-padding) token states of each text of an encoded batch.
    pub fn from_encoded<B: Backend>(encoded: &EncodedTexts<B>) -> Result<Vec<Self>> {
        let [batch, len, dim] = encoded.output.hidden.dims();
        let hidden = encoded.output.hidden.to_data().convert::<f32>();
        let hidden = hidden.as_slice::<f32>().map_err(data_error)?;
        let padding = encoded.batch.padding.to_data();
        let padding = padding.as_slice::<bool>().map_err(data_error)?;
        (0..batch)
            .map(|row| {
                let real = (0..len).take_while(|&t| !padding[row * len + t]).count();
                let start = row * len * dim;
                Self::new(hidden[start..start + real * dim].to_vec(), dim)
            })
            .collect()
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.values.len() / self.dim
    }

    /// Whether there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Width of each state.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The states, row-major `[len, dim]`.
    pub fn values(&self) -> &[f32] {
        &self.values
    }
}

fn data_error(error: burn::tensor::DataError) -> ModelError {
    ModelError::InvalidInput {
        name: "encoded",
        message: format!("{error:?}"),
    }
}

/// One request's instruction, in the form the model's instruction encoder reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Instruction {
    /// Token ids.
    Tokens(Vec<u32>),
    /// Precomputed token states.
    States(TokenStates),
}

/// The history slots of a batch that have a next item: train on every prefix, SASRec-style.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrefixTargets {
    /// Flattened slots `row * history_len + t` (see [`QueryOutput::positions`](crate::QueryOutput::positions)).
    pub slots: Vec<u32>,
    /// The item that followed each slot's prefix (catalog id).
    pub items: Vec<u32>,
}

/// A batch of requests ready for [`InstructRec::encode_query`](crate::InstructRec::encode_query),
/// built by [`QueryBatchBuilder`].
///
/// History items are rows of an item table: the [`ItemSet`] the builder was given (rows are item
/// ids for [`ItemSet::full`]).
#[derive(Debug, Clone)]
pub struct QueryBatch<B: Backend> {
    pub(crate) instruction: InstructionInput<B>,
    pub(crate) history_rows: Tensor<B, 1, Int>,
    pub(crate) max_history_row: u32,
    pub(crate) layout: SequenceLayout,
    histories: Vec<Vec<u32>>,
    pub(crate) with_attention: bool,
}

impl<B: Backend> QueryBatch<B> {
    /// Number of requests.
    pub fn len(&self) -> usize {
        self.layout.batch_size()
    }

    /// Whether the batch is empty (never true for built batches).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The segment widths and real lengths.
    pub fn layout(&self) -> &SequenceLayout {
        &self.layout
    }

    /// The kept history of each request (catalog ids, oldest first, at most `max_history`).
    pub fn histories(&self) -> &[Vec<u32>] {
        &self.histories
    }

    /// Asks [`InstructRec::encode_query`](crate::InstructRec::encode_query) for the query token's
    /// attention (explanations).
    pub fn with_attention(mut self, with_attention: bool) -> Self {
        self.with_attention = with_attention;
        self
    }

    /// Every history slot with a next item in the kept history, and that item.
    pub fn prefix_targets(&self) -> PrefixTargets {
        let width = self.layout.history_len();
        let mut targets = PrefixTargets::default();
        for (row, history) in self.histories.iter().enumerate() {
            for (t, pair) in history.windows(2).enumerate() {
                targets.slots.push((row * width + t) as u32);
                targets.items.push(pair[1]);
            }
        }
        targets
    }
}

/// Pads, truncates and checks plain Rust requests into a [`QueryBatch`].
///
/// Histories keep their most recent `max_history` items; instructions keep their first
/// `max_instruction_tokens` tokens. Segments are padded to the longest member of the batch.
/// [`InstructRec::batch_builder`](crate::InstructRec::batch_builder) gives one that fits a model.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryBatchBuilder {
    max_history: usize,
    max_instruction_tokens: usize,
    input: InstructionKind,
}

/// What a [`QueryBatchBuilder`] accepts as instructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstructionKind {
    /// Token ids below `vocab_size`.
    Tokens {
        /// Number of token ids.
        vocab_size: usize,
    },
    /// Precomputed states of width `dim`.
    States {
        /// Width of the states.
        dim: usize,
    },
}

impl QueryBatchBuilder {
    /// A builder for a model reading `input` instructions, with the given maxima.
    pub fn new(max_history: usize, max_instruction_tokens: usize, input: InstructionKind) -> Self {
        Self {
            max_history,
            max_instruction_tokens,
            input,
        }
    }

    /// What the builder accepts as instructions.
    pub fn input(&self) -> InstructionKind {
        self.input
    }

    /// The longest history kept.
    pub fn max_history(&self) -> usize {
        self.max_history
    }

    /// The longest instruction kept.
    pub fn max_instruction_tokens(&self) -> usize {
        self.max_instruction_tokens
    }

    /// Builds a batch from token-id instructions and histories (catalog ids, oldest first).
    /// History items are inserted into `items`, whose rows the batch refers to.
    ///
    /// Errors if the lists differ in length or are empty, a token id is outside the vocabulary,
    /// an item id is outside the catalog, or the model reads precomputed states.
    pub fn tokens<B: Backend>(
        &self,
        instructions: &[Vec<u32>],
        histories: &[Vec<u32>],
        items: &mut ItemSet,
        device: &B::Device,
    ) -> Result<QueryBatch<B>> {
        let InstructionKind::Tokens { vocab_size } = self.input else {
            return Err(self.wrong_kind("token ids"));
        };
        let kept: Vec<&[u32]> = instructions
            .iter()
            .map(|tokens| &tokens[..tokens.len().min(self.max_instruction_tokens)])
            .collect();
        if let Some(bad) = kept
            .iter()
            .flat_map(|t| t.iter())
            .find(|&&t| t as usize >= vocab_size)
        {
            return Err(ModelError::InvalidInput {
                name: "instructions",
                message: format!("token id {bad} is outside the vocabulary of {vocab_size}"),
            });
        }
        let lengths = kept.iter().map(|t| t.len()).collect();
        self.assemble(lengths, histories, items, device, |layout| {
            let width = layout.instruction_len();
            let mut ids = vec![0i64; kept.len() * width];
            for (row, tokens) in kept.iter().enumerate() {
                for (slot, &token) in tokens.iter().enumerate() {
                    ids[row * width + slot] = i64::from(token);
                }
            }
            InstructionInput::Tokens {
                ids: Tensor::from_data(TensorData::new(ids, [kept.len(), width]), device),
                padding: Tensor::from_data(
                    TensorData::new(layout.instruction_padding(), [kept.len(), width]),
                    device,
                ),
            }
        })
    }

    /// Builds a batch from precomputed instruction states and histories (see
    /// [`tokens`](Self::tokens)).
    ///
    /// Errors as `tokens` does, and if a state width differs from the model's.
    pub fn states<B: Backend>(
        &self,
        instructions: &[TokenStates],
        histories: &[Vec<u32>],
        items: &mut ItemSet,
        device: &B::Device,
    ) -> Result<QueryBatch<B>> {
        let InstructionKind::States { dim } = self.input else {
            return Err(self.wrong_kind("precomputed states"));
        };
        if let Some(bad) = instructions.iter().find(|s| s.dim() != dim) {
            return Err(ModelError::InvalidInput {
                name: "instructions",
                message: format!("states of width {}, the model reads {dim}", bad.dim()),
            });
        }
        let lengths = instructions
            .iter()
            .map(|s| s.len().min(self.max_instruction_tokens))
            .collect();
        self.assemble(lengths, histories, items, device, |layout| {
            let width = layout.instruction_len();
            let mut values = vec![0f32; instructions.len() * width * dim];
            for ((row, states), &len) in instructions
                .iter()
                .enumerate()
                .zip(layout.instruction_lengths())
            {
                let start = row * width * dim;
                values[start..start + len * dim].copy_from_slice(&states.values()[..len * dim]);
            }
            InstructionInput::States(Tensor::from_data(
                TensorData::new(values, [instructions.len(), width, dim]),
                device,
            ))
        })
    }

    /// Builds a batch of [`Instruction`]s of the kind the model reads.
    pub fn build<B: Backend>(
        &self,
        instructions: &[Instruction],
        histories: &[Vec<u32>],
        items: &mut ItemSet,
        device: &B::Device,
    ) -> Result<QueryBatch<B>> {
        let mismatch = || self.wrong_kind("a mix of instruction kinds");
        match self.input {
            InstructionKind::Tokens { .. } => {
                let tokens = instructions
                    .iter()
                    .map(|i| match i {
                        Instruction::Tokens(tokens) => Ok(tokens.clone()),
                        Instruction::States(_) => Err(mismatch()),
                    })
                    .collect::<Result<Vec<_>>>()?;
                self.tokens(&tokens, histories, items, device)
            }
            InstructionKind::States { .. } => {
                let states = instructions
                    .iter()
                    .map(|i| match i {
                        Instruction::States(states) => Ok(states.clone()),
                        Instruction::Tokens(_) => Err(mismatch()),
                    })
                    .collect::<Result<Vec<_>>>()?;
                self.states(&states, histories, items, device)
            }
        }
    }

    fn wrong_kind(&self, given: &str) -> ModelError {
        ModelError::InvalidInput {
            name: "instructions",
            message: format!("the model reads {:?}, got {given}", self.input),
        }
    }

    fn assemble<B: Backend>(
        &self,
        instruction_lengths: Vec<usize>,
        histories: &[Vec<u32>],
        items: &mut ItemSet,
        device: &B::Device,
        instruction: impl FnOnce(&SequenceLayout) -> InstructionInput<B>,
    ) -> Result<QueryBatch<B>> {
        let kept: Vec<Vec<u32>> = histories
            .iter()
            .map(|h| h[h.len().saturating_sub(self.max_history)..].to_vec())
            .collect();
        let layout = SequenceLayout::new(instruction_lengths, kept.iter().map(Vec::len).collect())?;
        let width = layout.history_len();
        let mut rows = vec![0u32; kept.len() * width];
        for (row, history) in kept.iter().enumerate() {
            let slots = &mut rows[row * width..row * width + history.len()];
            for (slot, &item) in slots.iter_mut().zip(history) {
                *slot = items.insert(item)?;
            }
        }
        let max_history_row = rows.iter().copied().max().unwrap_or(0);
        Ok(QueryBatch {
            instruction: instruction(&layout),
            history_rows: rows_tensor(&rows, u32::MAX as usize, "history", device)?,
            max_history_row,
            layout,
            histories: kept,
            with_attention: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;

    type B = Flex;

    fn builder() -> QueryBatchBuilder {
        QueryBatchBuilder::new(3, 2, InstructionKind::Tokens { vocab_size: 10 })
    }

    #[test]
    fn pads_truncates_and_maps_items_to_rows() {
        let mut items = ItemSet::new(20);
        let batch: QueryBatch<B> = builder()
            .tokens(
                &[vec![4, 5, 6], vec![]],
                &[vec![11, 12, 13, 14], vec![12]],
                &mut items,
                &Default::default(),
            )
            .unwrap();
        assert_eq!(batch.len(), 2);
        assert_eq!(batch.histories(), &[vec![12, 13, 14], vec![12]]);
        assert_eq!(batch.layout().instruction_lengths(), &[2, 0]);
        assert_eq!(batch.layout().history_lengths(), &[3, 1]);
        assert_eq!(items.ids(), &[12, 13, 14]);
        assert_eq!(
            batch.history_rows.to_data().to_vec::<i32>().unwrap(),
            vec![0, 1, 2, 0, 0, 0]
        );
        let InstructionInput::Tokens { ids, padding } = &batch.instruction else {
            panic!("token input expected");
        };
        assert_eq!(ids.to_data().to_vec::<i32>().unwrap(), vec![4, 5, 0, 0]);
        assert_eq!(
            padding.to_data().to_vec::<bool>().unwrap(),
            vec![false, false, true, true]
        );
        assert_eq!(
            batch.prefix_targets(),
            PrefixTargets {
                slots: vec![0, 1],
                items: vec![13, 14]
            }
        );
    }

    #[test]
    fn rejects_bad_requests() {
        let device = Default::default();
        let build = |instructions: &[Vec<u32>], histories: &[Vec<u32>]| {
            builder().tokens::<B>(instructions, histories, &mut ItemSet::new(20), &device)
        };
        let cases = [
            build(&[vec![1]], &[vec![20]]),
            build(&[vec![10]], &[vec![1]]),
            build(&[vec![1]], &[vec![1], vec![2]]),
            build(&[], &[]),
        ];
        for case in cases {
            assert!(
                matches!(case, Err(ModelError::InvalidInput { .. })),
                "{case:?}"
            );
        }
        // An out-of-vocabulary token beyond the kept prefix is dropped, not an error.
        assert!(build(&[vec![1, 2, 99]], &[vec![1]]).is_ok());
        let states = TokenStates::new(vec![0.0; 4], 2).unwrap();
        assert!(builder()
            .states::<B>(&[states], &[vec![1]], &mut ItemSet::new(20), &device)
            .is_err());
    }

    #[test]
    fn states_are_padded_with_zeros() {
        let builder = QueryBatchBuilder::new(3, 2, InstructionKind::States { dim: 2 });
        let states = [
            TokenStates::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2).unwrap(),
            TokenStates::new(vec![7.0, 8.0], 2).unwrap(),
        ];
        let batch: QueryBatch<B> = builder
            .states(
                &states,
                &[vec![], vec![]],
                &mut ItemSet::new(5),
                &Default::default(),
            )
            .unwrap();
        let InstructionInput::States(values) = &batch.instruction else {
            panic!("state input expected");
        };
        assert_eq!(
            values.to_data().to_vec::<f32>().unwrap(),
            vec![1.0, 2.0, 3.0, 4.0, 7.0, 8.0, 0.0, 0.0]
        );
        assert_eq!(batch.layout().history_lengths(), &[0, 0]);
        assert!(TokenStates::new(vec![1.0, f32::NAN], 2).is_err());
        assert!(TokenStates::new(vec![1.0; 3], 2).is_err());
        let wrong = TokenStates::new(vec![1.0; 3], 3).unwrap();
        assert!(builder
            .states::<B>(
                &[wrong],
                &[vec![]],
                &mut ItemSet::new(5),
                &Default::default()
            )
            .is_err());
    }
}
