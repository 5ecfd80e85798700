//! How instruction tokens become states of the query tower's width.

use burn::nn::{Embedding, Linear, LinearConfig};
use burn::prelude::*;

use crate::text::{ScratchTextEncoder, ScratchTextEncoderConfig, TextEncoder};
use crate::{check, ModelError, Result};

/// Which instruction encoder a model uses.
#[derive(Config, Debug)]
pub enum InstructionEncoderConfig {
    /// Token ids embedded with the item tower's text token embedding (same vocabulary, so item
    /// text and instructions share word vectors), projected to `d_model` when the token width
    /// differs. The query tower's layers contextualise them. Needs the item tower's text
    /// modality.
    SharedTokens,
    /// Token ids through a [`ScratchTextEncoder`] (its own embedding and transformer layers),
    /// projected to `d_model` when its width differs.
    Scratch(ScratchTextEncoderConfig),
    /// Precomputed per-token states of a frozen pretrained encoder (e.g.
    /// [`PretrainedTextEmbedder::encode`](crate::text::PretrainedTextEmbedder::encode)), of width
    /// `d_input`, projected to `d_model`.
    Pretrained {
        /// Width of the precomputed states.
        d_input: usize,
    },
}

impl InstructionEncoderConfig {
    /// Checks the choice against the query tower's width and longest instruction.
    pub fn validate(&self, max_instruction_tokens: usize) -> Result<()> {
        match self {
            Self::SharedTokens => Ok(()),
            Self::Scratch(scratch) => {
                scratch.validate()?;
                if scratch.max_len < max_instruction_tokens {
                    return Err(ModelError::InvalidConfig {
                        field: "instruction",
                        message: format!(
                            "the scratch encoder reads {} tokens, the query tower {}",
                            scratch.max_len, max_instruction_tokens
                        ),
                    });
                }
                Ok(())
            }
            Self::Pretrained { d_input } => check::positive(&[("d_input", *d_input)]),
        }
    }

    /// Builds the encoder; `d_token` is the width of the shared token embedding, if any.
    pub(crate) fn init<B: Backend>(
        &self,
        d_model: usize,
        d_token: Option<usize>,
        device: &B::Device,
    ) -> Result<InstructionEncoder<B>> {
        let projection =
            |d_in: usize| (d_in != d_model).then(|| LinearConfig::new(d_in, d_model).init(device));
        Ok(match self {
            Self::SharedTokens => {
                let d_token = d_token.ok_or_else(|| ModelError::InvalidConfig {
                    field: "instruction",
                    message: "shared instruction tokens need the item tower's text modality".into(),
                })?;
                InstructionEncoder {
                    scratch: None,
                    projection: projection(d_token),
                    reads_states: false,
                }
            }
            Self::Scratch(scratch) => InstructionEncoder {
                scratch: Some(scratch.init(device)?),
                projection: projection(scratch.d_model),
                reads_states: false,
            },
            Self::Pretrained { d_input } => InstructionEncoder {
                scratch: None,
                projection: Some(LinearConfig::new(*d_input, d_model).init(device)),
                reads_states: true,
            },
        })
    }
}

/// The instruction part of a [`QueryBatch`](crate::QueryBatch).
#[derive(Debug, Clone)]
pub enum InstructionInput<B: Backend> {
    /// Token ids and their padding mask (`true` = padding).
    ///
    /// # Shapes
    /// `[batch, len]` each
    Tokens {
        /// Token ids (0 at padding slots).
        ids: Tensor<B, 2, Int>,
        /// `true` at padding slots.
        padding: Tensor<B, 2, Bool>,
    },
    /// Precomputed token states (zeros at padding slots).
    ///
    /// # Shapes
    /// `[batch, len, d_input]`
    States(Tensor<B, 3>),
}

/// Turns an [`InstructionInput`] into states of width `d_model` (see
/// [`InstructionEncoderConfig`]).
#[derive(Module, Debug)]
pub struct InstructionEncoder<B: Backend> {
    scratch: Option<ScratchTextEncoder<B>>,
    projection: Option<Linear<B>>,
    reads_states: bool,
}

impl<B: Backend> InstructionEncoder<B> {
    /// Whether the encoder reads precomputed states (else token ids).
    pub fn reads_states(&self) -> bool {
        self.reads_states
    }

    /// Encodes the instructions; `shared` is the item tower's token embedding.
    ///
    /// Errors if the input kind does not match the encoder.
    ///
    /// # Shapes
    /// - output: `[batch, len, d_model]`
    pub fn forward(
        &self,
        input: &InstructionInput<B>,
        shared: Option<&Embedding<B>>,
    ) -> Result<Tensor<B, 3>> {
        let states = match (input, self.reads_states) {
            (InstructionInput::States(states), true) => states.clone(),
            (InstructionInput::Tokens { ids, padding }, false) => match (&self.scratch, shared) {
                (Some(scratch), _) => scratch.encode(ids.clone(), padding.clone())?.hidden,
                (None, Some(embedding)) => embedding.forward(ids.clone()),
                (None, None) => {
                    return Err(ModelError::InvalidInput {
                        name: "instruction",
                        message: "no token embedding to share: the item tower has no text".into(),
                    })
                }
            },
            (_, reads_states) => {
                return Err(ModelError::InvalidInput {
                    name: "instruction",
                    message: format!(
                        "the model's instruction encoder reads {}",
                        if reads_states {
                            "precomputed token states, not token ids"
                        } else {
                            "token ids, not precomputed states"
                        }
                    ),
                })
            }
        };
        Ok(match &self.projection {
            Some(projection) => projection.forward(states),
            None => states,
        })
    }
}
