//! The attention recommender: item tower, instruction encoder and query tower.

use burn::module::{ModuleVisitor, Param};
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use instructrec_fusion::{ItemBatch, ItemFeatures, ItemTower, ItemTowerConfig};

use crate::batch::{InstructionKind, QueryBatch, QueryBatchBuilder};
use crate::instruction::{InstructionEncoder, InstructionEncoderConfig};
use crate::query::{QueryOutput, QueryTower, QueryTowerConfig, QueryTowerInput};
use crate::{ItemSet, ModelError, Result};

/// Hyper-parameters of an [`InstructRec`] model.
///
/// The longest history and instruction are the query tower's
/// [`max_history`](QueryTowerConfig::max_history) and
/// [`max_instruction_tokens`](QueryTowerConfig::max_instruction_tokens).
#[derive(Config, Debug)]
pub struct InstructRecConfig {
    /// The item tower (multimodal fusion; ID only for a SASRec-style baseline).
    pub item_tower: ItemTowerConfig,
    /// The query tower; its `d_model` must equal the item tower's.
    pub query_tower: QueryTowerConfig,
    /// How instruction tokens are encoded.
    #[config(default = "InstructionEncoderConfig::SharedTokens")]
    pub instruction: InstructionEncoderConfig,
    /// Score an item by a second, content term too: a projection of the query against the
    /// item's content vector (the mean of its content modalities, without the ID; see
    /// [`ItemTower::forward_with_content`]).
    ///
    /// A stated need ("something for my kids") is about what an item *is*. In the fused item
    /// vector that is mixed with the ID embedding in learned, per-item proportions, so the query
    /// can hardly filter by it; the content term gives the need a direct path. Item vectors are
    /// then `[fused | content]` and query vectors `[query | projected query]`, `2 * d_model`
    /// wide, so every head's inner product scores both terms. Needs a content modality.
    #[config(default = false)]
    pub content_match: bool,
}

impl InstructRecConfig {
    /// Checks every part and that they fit together.
    pub fn validate(&self) -> Result<()> {
        self.item_tower.validate()?;
        self.query_tower.validate()?;
        if self.item_tower.d_model != self.query_tower.d_model {
            return Err(ModelError::InvalidConfig {
                field: "query_tower.d_model",
                message: format!(
                    "{} differs from the item tower's {}",
                    self.query_tower.d_model, self.item_tower.d_model
                ),
            });
        }
        if matches!(self.instruction, InstructionEncoderConfig::SharedTokens)
            && !self.item_tower.modalities.text
        {
            return Err(ModelError::InvalidConfig {
                field: "instruction",
                message: "shared instruction tokens need the item tower's text modality".into(),
            });
        }
        if self.content_match && self.item_tower.modalities.count() < 2 {
            return Err(ModelError::InvalidConfig {
                field: "content_match",
                message: "the content term needs an item tower with a content modality besides \
                          the ID"
                    .into(),
            });
        }
        self.instruction
            .validate(self.query_tower.max_instruction_tokens)
    }

    /// The longest history a request keeps.
    pub fn max_history(&self) -> usize {
        self.query_tower.max_history
    }

    /// The longest instruction (in tokens) a request keeps.
    pub fn max_instruction_tokens(&self) -> usize {
        self.query_tower.max_instruction_tokens
    }

    /// Number of catalog items.
    pub fn num_items(&self) -> usize {
        self.item_tower.dims.num_items
    }

    /// What the model reads as instructions.
    pub fn instruction_kind(&self) -> InstructionKind {
        match &self.instruction {
            InstructionEncoderConfig::SharedTokens => InstructionKind::Tokens {
                vocab_size: self.item_tower.dims.vocab_size,
            },
            InstructionEncoderConfig::Scratch(scratch) => InstructionKind::Tokens {
                vocab_size: scratch.vocab_size,
            },
            InstructionEncoderConfig::Pretrained { d_input } => {
                InstructionKind::States { dim: *d_input }
            }
        }
    }

    /// Validates the config and builds a randomly initialised model.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<InstructRec<B>> {
        self.validate()?;
        let item_tower = self.item_tower.init(device)?;
        let d_token = item_tower.token_embedding().map(|e| e.weight.dims()[1]);
        let model = InstructRec {
            instruction: self
                .instruction
                .init(self.query_tower.d_model, d_token, device)?,
            query_tower: self.query_tower.init(device)?,
            content_query: self.content_match.then(|| {
                let d = self.query_tower.d_model;
                LinearConfig::new(d, d).init(device)
            }),
            item_tower,
            config: self.clone(),
        };
        model.visit(&mut Materialize);
        Ok(model)
    }
}

/// Initialises every lazily initialised parameter now.
///
/// burn initialises parameters on first use, and a clone of a not-yet-initialised parameter
/// draws its own random values: without this, `model.clone()` (into an index, an optimizer, a
/// checkpoint) would silently be a different model.
struct Materialize;

impl<B: Backend> ModuleVisitor<B> for Materialize {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let _ = param.val();
    }
    fn visit_int<const D: usize>(&mut self, param: &Param<Tensor<B, D, Int>>) {
        let _ = param.val();
    }
    fn visit_bool<const D: usize>(&mut self, param: &Param<Tensor<B, D, Bool>>) {
        let _ = param.val();
    }
}

/// Recommendation as instruction following: an item tower turns items into vectors, and a
/// query tower reads the instruction and the user's history (as item vectors) in one
/// transformer; a [`RecommenderHead`](crate::RecommenderHead) scores queries against items.
///
/// A training step typically:
/// 1. builds a [`QueryBatch`] with [`batch_builder`](Self::batch_builder), inserting history
///    items into an [`ItemSet`], then adds targets and negatives to the same set (e.g.
///    [`MatchingHead::plan`](crate::heads::MatchingHead::plan));
/// 2. encodes the set once: [`item_table`](Self::item_table);
/// 3. runs [`encode_query`](Self::encode_query) with that table and hands the query vectors and
///    the table to a head's loss.
#[derive(Module, Debug)]
pub struct InstructRec<B: Backend> {
    item_tower: ItemTower<B>,
    instruction: InstructionEncoder<B>,
    query_tower: QueryTower<B>,
    /// Projects query states onto the content space ([`InstructRecConfig::content_match`]).
    content_query: Option<Linear<B>>,
    config: InstructRecConfig,
}

impl<B: Backend> InstructRec<B> {
    /// The config the model was built from.
    pub fn config(&self) -> &InstructRecConfig {
        &self.config
    }

    /// The item tower.
    pub fn item_tower(&self) -> &ItemTower<B> {
        &self.item_tower
    }

    /// The query tower.
    pub fn query_tower(&self) -> &QueryTower<B> {
        &self.query_tower
    }

    /// Width of the towers' states.
    pub fn d_model(&self) -> usize {
        self.query_tower.d_model()
    }

    /// Width of the query and item vectors the heads score: `d_model`, or `2 * d_model` with
    /// [`InstructRecConfig::content_match`].
    pub fn vector_width(&self) -> usize {
        match self.content_query {
            Some(_) => 2 * self.d_model(),
            None => self.d_model(),
        }
    }

    /// A builder of query batches that fit this model.
    pub fn batch_builder(&self) -> QueryBatchBuilder {
        QueryBatchBuilder::new(
            self.config.max_history(),
            self.config.max_instruction_tokens(),
            self.config.instruction_kind(),
        )
    }

    /// The vectors of a batch of items.
    ///
    /// # Shapes
    /// - output: `[items.len(), vector_width]`
    pub fn item_vectors(&self, items: &ItemBatch<B>) -> Tensor<B, 2> {
        match self.content_query {
            Some(_) => self.item_tower.forward_with_content(items),
            None => self.item_tower.forward(items),
        }
    }

    /// The vectors of the items of `set`, by row: the item table of a training step.
    ///
    /// Errors if the set is empty or the features do not fit the item tower.
    ///
    /// # Shapes
    /// - output: `[set.len(), vector_width]`
    pub fn item_table(
        &self,
        features: &ItemFeatures,
        set: &ItemSet,
        device: &B::Device,
    ) -> Result<Tensor<B, 2>> {
        let batch = self.item_tower.batch(features, set.ids(), device)?;
        Ok(self.item_vectors(&batch))
    }

    /// The whole catalog as a matrix (row = item id), in batches of `batch_size` items. Call it
    /// on an inference model (`model.valid()`) to cache it.
    ///
    /// # Shapes
    /// - output: `[features.num_items(), vector_width]`
    pub fn encode_catalog(
        &self,
        features: &ItemFeatures,
        batch_size: usize,
        device: &B::Device,
    ) -> Result<Tensor<B, 2>> {
        let tower = &self.item_tower;
        Ok(match self.content_query {
            Some(_) => tower.encode_catalog_with_content(features, batch_size, device)?,
            None => tower.encode_catalog(features, batch_size, device)?,
        })
    }

    /// Encodes a batch of requests; `items` is the item table the batch's history rows point
    /// into (the vectors of the batch's [`ItemSet`], or the catalog matrix for
    /// [`ItemSet::full`]).
    ///
    /// Errors if the table is narrower or shorter than the batch needs, or the instruction kind
    /// does not match the model.
    ///
    /// # Shapes
    /// - `items`: `[m, vector_width]`
    /// - output: see [`QueryOutput`], with `query` and `per_position` `vector_width` wide
    pub fn encode_query(
        &self,
        batch: &QueryBatch<B>,
        items: Tensor<B, 2>,
    ) -> Result<QueryOutput<B>> {
        let [m, width] = items.dims();
        if width != self.vector_width() || m <= batch.max_history_row as usize {
            return Err(ModelError::InvalidInput {
                name: "items",
                message: format!(
                    "an item table of shape [{m}, {width}] for a batch that needs {} rows of \
                     width {}",
                    batch.max_history_row + 1,
                    self.vector_width()
                ),
            });
        }
        // The history is read as fused item vectors; the content half is for scoring.
        let d = self.d_model();
        let layout = batch.layout.clone();
        let history = items
            .slice(s![.., 0..d])
            .select(0, batch.history_rows.clone())
            .reshape([layout.batch_size(), layout.history_len(), d]);
        let instruction = self
            .instruction
            .forward(&batch.instruction, self.item_tower.token_embedding())?;
        let output = self.query_tower.forward(QueryTowerInput {
            instruction,
            history,
            layout,
            with_attention: batch.with_attention,
        })?;
        Ok(match &self.content_query {
            Some(project) => QueryOutput {
                query: Tensor::cat(vec![output.query.clone(), project.forward(output.query)], 1),
                per_position: Tensor::cat(
                    vec![
                        output.per_position.clone(),
                        project.forward(output.per_position),
                    ],
                    2,
                ),
                attention: output.attention,
            },
            None => output,
        })
    }
}
