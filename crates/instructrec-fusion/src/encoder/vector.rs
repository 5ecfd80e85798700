//! Precomputed vectors (image or text embeddings) projected to the model width.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::backend::Backend;
use serde::{Deserialize, Serialize};

use super::{ModalityEmbedding, ModalityEncoder};
use crate::batch::ItemBatch;
use crate::error::{ensure, Result};

/// Which precomputed vectors of an [`ItemBatch`] a [`VectorEncoder`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VectorSource {
    /// [`ItemBatch::vectors`] (e.g. image embeddings).
    Vector,
    /// [`ItemBatch::text_vectors`] (e.g. from a frozen text encoder).
    TextVector,
}

/// Configuration of a [`VectorEncoder`].
#[derive(Config, Debug)]
pub struct VectorEncoderConfig {
    /// Length of the precomputed vectors.
    pub d_input: usize,
    /// Width of the output.
    pub d_model: usize,
    /// The vectors to read.
    pub source: VectorSource,
}

impl VectorEncoderConfig {
    /// Checks the hyper-parameters.
    pub fn validate(&self) -> Result<()> {
        ensure(self.d_input > 0, "d_input", || {
            "must be positive".to_owned()
        })?;
        ensure(self.d_model > 0, "d_model", || {
            "must be positive".to_owned()
        })
    }

    /// Initializes a [`VectorEncoder`].
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<VectorEncoder<B>> {
        self.validate()?;
        Ok(VectorEncoder {
            projection: LinearConfig::new(self.d_input, self.d_model).init(device),
            source: self.source,
        })
    }
}

/// A learned linear projection of a precomputed vector; items without one are missing.
#[derive(Module, Debug)]
pub struct VectorEncoder<B: Backend> {
    /// `[d_input, d_model]`.
    pub projection: Linear<B>,
    /// The vectors it reads.
    pub source: VectorSource,
}

impl<B: Backend> ModalityEncoder<B> for VectorEncoder<B> {
    /// # Shapes
    ///
    /// - input: `[n, d_input]` + `missing [n]`
    /// - output: `values [n, d_model]`, `missing [n]`
    fn encode(&self, batch: &ItemBatch<B>) -> ModalityEmbedding<B> {
        let input = match self.source {
            VectorSource::Vector => &batch.vectors,
            VectorSource::TextVector => &batch.text_vectors,
        };
        match input {
            Some(input) => ModalityEmbedding {
                values: self.projection.forward(input.values.clone()),
                missing: input.missing.clone(),
            },
            None => {
                let [_, d] = self.projection.weight.dims();
                ModalityEmbedding::absent(batch.len(), d, &batch.device())
            }
        }
    }
}
