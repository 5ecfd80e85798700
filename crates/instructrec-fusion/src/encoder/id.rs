//! The learned ID embedding.

use burn::config::Config;
use burn::module::{Initializer, Module};
use burn::nn::{Embedding, EmbeddingConfig};
use burn::tensor::backend::Backend;

use super::{ModalityEmbedding, ModalityEncoder};
use crate::batch::ItemBatch;
use crate::error::{ensure, Result};

/// Configuration of an [`IdEncoder`].
#[derive(Config, Debug)]
pub struct IdEncoderConfig {
    /// Number of items (rows of the table).
    pub num_items: usize,
    /// Width of the embedding.
    pub d_model: usize,
    /// Initializer of the table.
    #[config(default = "Initializer::Normal { mean: 0.0, std: 0.02 }")]
    pub initializer: Initializer,
}

impl IdEncoderConfig {
    /// Checks the hyper-parameters.
    pub fn validate(&self) -> Result<()> {
        ensure(self.num_items > 0, "num_items", || {
            "no item to embed".to_owned()
        })?;
        ensure(self.d_model > 0, "d_model", || {
            "must be positive".to_owned()
        })
    }

    /// Initializes an [`IdEncoder`].
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<IdEncoder<B>> {
        self.validate()?;
        let embedding = EmbeddingConfig::new(self.num_items, self.d_model)
            .with_initializer(self.initializer.clone())
            .init(device);
        Ok(IdEncoder { embedding })
    }
}

/// One learned vector per item; items never seen in training (`id_known` false) are missing.
#[derive(Module, Debug)]
pub struct IdEncoder<B: Backend> {
    /// The `[num_items, d_model]` table.
    pub embedding: Embedding<B>,
}

impl<B: Backend> ModalityEncoder<B> for IdEncoder<B> {
    /// # Shapes
    ///
    /// - output: `values [n, d_model]`, `missing [n]`
    fn encode(&self, batch: &ItemBatch<B>) -> ModalityEmbedding<B> {
        let n = batch.len();
        let values = self
            .embedding
            .forward(batch.ids.clone().reshape([n, 1]))
            .reshape([n as i32, -1]);
        ModalityEmbedding {
            values,
            missing: batch.id_known.clone().bool_not(),
        }
    }
}
