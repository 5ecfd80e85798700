//! Text encoders: a small transformer trained from scratch, and pretrained BERT-family encoders.
//!
//! Both implement [`TextEncoder`]: token ids `[batch, len]` and a padding mask `[batch, len]`
//! (`true` = padding, burn's `mask_pad` convention) in, per-token states and a masked-mean pooled
//! vector out. [`PretrainedTextEmbedder`] adds a tokenizer to a [`BertEncoder`] and embeds raw
//! text the way sentence-transformers does, to precompute item-text and instruction vectors.

mod bert;
mod encoder;
mod files;
mod pretrained;
mod scratch;
#[cfg(test)]
mod test_support;

pub use bert::{BertConfig, BertEncoder};
pub use encoder::{masked_mean, TextEncoder, TextEncoderOutput, PAD_ID};
pub use pretrained::{EncodedTexts, PretrainedTextEmbedder, TokenizedBatch};
pub use scratch::{ScratchTextEncoder, ScratchTextEncoderConfig};
