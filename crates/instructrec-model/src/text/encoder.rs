//! The contract every text encoder fulfils: token ids and a padding mask in, per-token states and
//! a pooled sentence vector out.

use burn::prelude::*;

use crate::{ModelError, Result};

/// The token id that padding positions are read as.
///
/// Ids at padding positions are ignored: encoders replace them with `PAD_ID` before the embedding
/// lookup, so callers may pad with any value.
pub const PAD_ID: i64 = 0;

/// The output of a [`TextEncoder`].
#[derive(Debug, Clone)]
pub struct TextEncoderOutput<B: Backend> {
    /// Per-token hidden states. Rows at padding positions are computed but carry no meaning.
    ///
    /// # Shapes
    /// `[batch, len, d_model]`
    pub hidden: Tensor<B, 3>,
    /// The mean of `hidden` over the non-padding tokens of each sequence (all zeros for a
    /// sequence that is padding only).
    ///
    /// # Shapes
    /// `[batch, d_model]`
    pub pooled: Tensor<B, 2>,
}

/// A text encoder: a [`ScratchTextEncoder`](super::ScratchTextEncoder) or a pretrained
/// [`BertEncoder`](super::BertEncoder).
pub trait TextEncoder<B: Backend> {
    /// Encodes a batch of token sequences.
    ///
    /// The ids at padding positions are ignored. Errors if the shapes disagree, a sequence is
    /// longer than the encoder's maximum length, or a non-padding id is outside the vocabulary.
    ///
    /// # Shapes
    /// - `tokens`: `[batch, len]`
    /// - `padding`: `[batch, len]`, `true` marks a padding position
    /// - output: see [`TextEncoderOutput`]
    fn encode(
        &self,
        tokens: Tensor<B, 2, Int>,
        padding: Tensor<B, 2, Bool>,
    ) -> Result<TextEncoderOutput<B>>;

    /// The width of the hidden states and of the pooled vector.
    fn d_model(&self) -> usize;
}

/// Checks an encoder's input and returns the token ids with every padding position set to
/// [`PAD_ID`].
///
/// # Shapes
/// - `tokens`, `padding`, output: `[batch, len]`
pub(crate) fn checked_tokens<B: Backend>(
    tokens: Tensor<B, 2, Int>,
    padding: &Tensor<B, 2, Bool>,
    vocab_size: usize,
    max_len: usize,
) -> Result<Tensor<B, 2, Int>> {
    let [batch, len] = tokens.dims();
    if padding.dims() != [batch, len] {
        return Err(ModelError::InvalidInput {
            name: "padding",
            message: format!(
                "shape {:?} differs from the token shape {:?}",
                padding.dims(),
                [batch, len]
            ),
        });
    }
    if batch == 0 || len == 0 {
        return Err(ModelError::InvalidInput {
            name: "tokens",
            message: format!("empty batch of shape {:?}", [batch, len]),
        });
    }
    if len > max_len {
        return Err(ModelError::InvalidInput {
            name: "tokens",
            message: format!("sequence length {len} exceeds the encoder's maximum {max_len}"),
        });
    }
    let tokens = tokens.mask_fill(padding.clone(), PAD_ID);
    let out_of_range = tokens
        .clone()
        .lower_elem(0)
        .bool_or(tokens.clone().greater_equal_elem(vocab_size as i64))
        .any()
        .into_scalar();
    if out_of_range.to_bool() {
        let min: i64 = tokens.clone().min().into_scalar().elem();
        let max: i64 = tokens.clone().max().into_scalar().elem();
        return Err(ModelError::InvalidInput {
            name: "tokens",
            message: format!(
                "token ids span [{min}, {max}] but the vocabulary has {vocab_size} entries"
            ),
        });
    }
    Ok(tokens)
}

/// The mean of `hidden` over the positions that are not padding (zeros where all are padding).
///
/// # Shapes
/// - `hidden`: `[batch, len, d]`
/// - `padding`: `[batch, len]`
/// - output: `[batch, d]`
pub fn masked_mean<B: Backend>(hidden: Tensor<B, 3>, padding: Tensor<B, 2, Bool>) -> Tensor<B, 2> {
    let keep = padding.bool_not().float().unsqueeze_dim::<3>(2);
    let count = keep.clone().sum_dim(1).clamp_min(1.0);
    (hidden * keep).sum_dim(1).div(count).squeeze_dim(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;
    use burn::tensor::{TensorData, Tolerance};

    type B = Flex;

    #[test]
    fn masked_mean_averages_only_real_tokens() {
        let device = Default::default();
        let hidden = Tensor::<B, 3>::from_data(
            [
                [[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]],
                [[5.0, 6.0], [7.0, 8.0], [9.0, 10.0]],
                [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]],
            ],
            &device,
        );
        let padding = Tensor::<B, 2, Bool>::from_data(
            [
                [false, false, true],
                [false, false, false],
                [true, true, true],
            ],
            &device,
        );
        masked_mean(hidden, padding)
            .into_data()
            .assert_approx_eq::<f32>(
                &TensorData::from([[2.0, 3.0], [7.0, 8.0], [0.0, 0.0]]),
                Tolerance::default(),
            );
    }

    #[test]
    fn checked_tokens_masks_padding_and_rejects_bad_input() {
        let device = Default::default();
        let tokens = Tensor::<B, 2, Int>::from_data([[3, 4, -7], [5, 99, 2]], &device);
        let padding =
            Tensor::<B, 2, Bool>::from_data([[false, false, true], [false, true, false]], &device);
        let checked = checked_tokens(tokens.clone(), &padding, 10, 3).unwrap();
        checked
            .into_data()
            .assert_eq(&TensorData::from([[3i64, 4, 0], [5, 0, 2]]), false);

        let no_padding = Tensor::<B, 2, Bool>::from_data([[false; 3]; 2], &device);
        let err = checked_tokens(tokens.clone(), &no_padding, 10, 3).unwrap_err();
        assert!(
            err.to_string().contains("span [-7, 99]"),
            "unexpected error: {err}"
        );

        let err = checked_tokens(tokens.clone(), &padding, 10, 2).unwrap_err();
        assert!(
            err.to_string().contains("exceeds the encoder's maximum 2"),
            "{err}"
        );

        let short_padding = Tensor::<B, 2, Bool>::from_data([[false, false]; 2], &device);
        let err = checked_tokens(tokens, &short_padding, 10, 3).unwrap_err();
        assert!(err.to_string().contains("`padding`"), "{err}");
    }
}
