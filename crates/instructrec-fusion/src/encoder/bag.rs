//! Bags of ids (text tokens, categories): embedding lookup and masked mean pooling.

use burn::config::Config;
use burn::module::{Initializer, Module};
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::tensor::backend::Backend;
use burn::tensor::{Bool, Int, Tensor};
use serde::{Deserialize, Serialize};

use super::{ModalityEmbedding, ModalityEncoder};
use crate::batch::{ItemBatch, PaddedIds};
use crate::error::{ensure, Result};

/// Which ids of an [`ItemBatch`] a [`BagEncoder`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BagSource {
    /// [`ItemBatch::text`]: the tokens of the item text.
    Text,
    /// [`ItemBatch::categories`]: the item's categories.
    Categories,
}

/// Configuration of a [`BagEncoder`].
#[derive(Config, Debug)]
pub struct BagEncoderConfig {
    /// Number of distinct ids (vocabulary or category count).
    pub num_embeddings: usize,
    /// Width of the id embeddings.
    pub d_embedding: usize,
    /// Width of the output; a projection is added when it differs from `d_embedding`.
    pub d_model: usize,
    /// The ids to read.
    pub source: BagSource,
    /// Add a learned projection even when `d_embedding == d_model`.
    #[config(default = false)]
    pub projection: bool,
    /// Initializer of the embedding table.
    #[config(default = "Initializer::Normal { mean: 0.0, std: 0.02 }")]
    pub initializer: Initializer,
}

impl BagEncoderConfig {
    /// Checks the hyper-parameters.
    pub fn validate(&self) -> Result<()> {
        ensure(self.num_embeddings > 0, "num_embeddings", || {
            "no id to embed".to_owned()
        })?;
        ensure(self.d_embedding > 0, "d_embedding", || {
            "must be positive".to_owned()
        })?;
        ensure(self.d_model > 0, "d_model", || {
            "must be positive".to_owned()
        })
    }

    /// Initializes a [`BagEncoder`].
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<BagEncoder<B>> {
        self.validate()?;
        let embedding = EmbeddingConfig::new(self.num_embeddings, self.d_embedding)
            .with_initializer(self.initializer.clone())
            .init(device);
        let projection = (self.projection || self.d_embedding != self.d_model)
            .then(|| LinearConfig::new(self.d_embedding, self.d_model).init(device));
        Ok(BagEncoder {
            embedding,
            projection,
            source: self.source,
        })
    }
}

/// The mean of the embeddings of an item's ids (padding excluded), optionally projected.
/// An item with no id (empty text, no category) is missing.
#[derive(Module, Debug)]
pub struct BagEncoder<B: Backend> {
    /// `[num_embeddings, d_embedding]`.
    pub embedding: Embedding<B>,
    /// `[d_embedding, d_model]`, when present.
    pub projection: Option<Linear<B>>,
    /// The ids it reads.
    pub source: BagSource,
}

/// Most embedding values (`rows x L x d_embedding`) gathered at once: larger batches are pooled
/// in chunks, which bounds the intermediate tensor (on CPU, one huge gather costs several times
/// the chunked ones).
const CHUNK_VALUES: usize = 1 << 21;

impl<B: Backend> BagEncoder<B> {
    /// Masked mean pooling of the embeddings of `bag`, then the projection if any.
    ///
    /// # Shapes
    ///
    /// - input: `ids [n, L]`, `padding [n, L]`
    /// - output: `values [n, d_model]`, `missing [n]`
    pub fn pool(&self, bag: &PaddedIds<B>) -> ModalityEmbedding<B> {
        let [n, len] = bag.ids.dims();
        let d = self.embedding.weight.dims()[1];
        let rows = (CHUNK_VALUES / (len * d).max(1)).max(1);
        let pooled = if n <= rows {
            self.mean(bag.ids.clone(), bag.padding.clone())
        } else {
            let chunks = (0..n)
                .step_by(rows)
                .map(|start| {
                    let range = [start..(start + rows).min(n), 0..len];
                    self.mean(
                        bag.ids.clone().slice(range.clone()),
                        bag.padding.clone().slice(range),
                    )
                })
                .collect();
            Tensor::cat(chunks, 0)
        };
        let values = match &self.projection {
            Some(projection) => projection.forward(pooled),
            None => pooled,
        };
        ModalityEmbedding {
            values,
            missing: bag.padding.clone().all_dim(1).reshape([n]),
        }
    }

    /// Mean of the embeddings of the non-padding ids (zero for a row of padding only).
    ///
    /// # Shapes
    ///
    /// - input: `ids [n, L]`, `padding [n, L]`
    /// - output: `[n, d_embedding]`
    fn mean(&self, ids: Tensor<B, 2, Int>, padding: Tensor<B, 2, Bool>) -> Tensor<B, 2> {
        let [n, len] = ids.dims();
        let present = padding.bool_not().float();
        let count = present.clone().sum_dim(1).clamp_min(1.0);
        // [n, 1, L] x [n, L, d] -> [n, 1, d]: a batched product (broadcast mul + sum is far
        // slower on CPU backends).
        let weights = (present / count).reshape([n, 1, len]);
        weights
            .matmul(self.embedding.forward(ids))
            .reshape([n as i32, -1])
    }

    fn d_model(&self) -> usize {
        match &self.projection {
            Some(projection) => projection.weight.dims()[1],
            None => self.embedding.weight.dims()[1],
        }
    }
}

impl<B: Backend> ModalityEncoder<B> for BagEncoder<B> {
    /// # Shapes
    ///
    /// - input: `ids [n, L]`, `padding [n, L]`
    /// - output: `values [n, d_model]`, `missing [n]`
    fn encode(&self, batch: &ItemBatch<B>) -> ModalityEmbedding<B> {
        let bag = match self.source {
            BagSource::Text => &batch.text,
            BagSource::Categories => &batch.categories,
        };
        match bag {
            Some(bag) => self.pool(bag),
            None => ModalityEmbedding::absent(batch.len(), self.d_model(), &batch.device()),
        }
    }
}
