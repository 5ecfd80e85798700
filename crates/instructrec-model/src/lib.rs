//! The instructrec attention recommender: text encoders, query tower and heads (burn).
//!
//! Recommendation as instruction following (after InstructRec, Zhang et al. 2023), as a
//! two-tower attention model:
//!
//! - the **item tower** ([`instructrec_fusion::ItemTower`]) turns items into vectors;
//! - the **instruction encoder** ([`InstructionEncoderConfig`]) turns instruction tokens into
//!   states: the item tower's shared token embedding, a [`text::ScratchTextEncoder`], or
//!   precomputed states of a frozen pretrained encoder;
//! - the **query tower** ([`QueryTower`]) reads `[instruction ; history items ; query token]` in
//!   one transformer with a prefix-LM mask and returns the query vector, a state per history
//!   prefix (train on every prefix) and, on request, the query token's attention (explanations);
//! - a **head** ([`RecommenderHead`]: [`heads::MatchingHead`], [`heads::RerankingHead`],
//!   [`heads::PointwiseHead`], [`heads::PairwiseHead`], or your own) scores queries against items
//!   and defines the loss;
//! - [`CatalogIndex`] caches the catalog matrix and answers top-k and reranking requests;
//!   [`InstructRec::save`] / [`InstructRec::load`] write and check checkpoints.
//!
//! Masks follow burn's `mask_pad` convention everywhere: `true` marks padding. Bad input (wrong
//! shapes, unknown ids, NaN, a checkpoint that does not fit) is a [`ModelError`].
//!
//! ```
//! use burn::optim::{AdamWConfig, GradientsParams, Optimizer};
//! use burn::module::AutodiffModule;
//! use instructrec_data::Catalog;
//! use instructrec_fusion::{ItemFeatures, ItemFeaturesConfig, ItemTowerConfig, Modalities};
//! use instructrec_model::heads::{MatchingHeadConfig, Negatives};
//! use instructrec_model::{
//!     CatalogIndex, CpuAutodiffBackend, InstructRecConfig, Instruction, ItemSet,
//!     QueryTowerConfig, RecommenderHead, Request,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A catalog of five titled items and a toy tokenizer (id 0 is padding).
//! let mut catalog = Catalog::new();
//! for (i, title) in ["heat", "casino", "toy story", "alien", "fargo"].iter().enumerate() {
//!     let idx = catalog.intern(&format!("m{i}"));
//!     catalog.get_mut(idx).unwrap().title = Some(title.to_string());
//! }
//! let tokenize = |text: &str| text.bytes().map(|b| u32::from(b % 60) + 1).collect::<Vec<u32>>();
//! let features = ItemFeatures::from_catalog(&catalog, &ItemFeaturesConfig::new(), tokenize)?;
//! let mut dims = features.dims();
//! dims.vocab_size = 61; // the instruction vocabulary shares the item text's token table
//!
//! let config = InstructRecConfig::new(
//!     ItemTowerConfig::new(16, dims, Modalities::available(&dims)),
//!     QueryTowerConfig::new(16).with_n_layers(1).with_max_history(4).with_max_instruction_tokens(12),
//! );
//! let device = Default::default();
//! let mut model = config.init::<CpuAutodiffBackend>(&device)?;
//! let head = MatchingHeadConfig::new().with_negatives(Negatives::Full).init()?;
//! let mut optimizer = AdamWConfig::new().init();
//!
//! // One training step: every history prefix predicts its next item.
//! let mut items = ItemSet::new(features.num_items());
//! let batch = model.batch_builder().tokens(
//!     &[tokenize("crime please"), tokenize("family")],
//!     &[vec![0, 1, 4], vec![2, 3]],
//!     &mut items,
//!     &device,
//! )?;
//! let prefixes = batch.prefix_targets();
//! let target = head.plan(&mut items, &prefixes.items, None, &mut rand::rng())?;
//! let table = model.item_table(&features, &items, &device)?;
//! let output = model.encode_query(&batch, table.clone())?;
//! let loss = head.loss(output.positions(&prefixes.slots)?, table, &target)?;
//! let grads = GradientsParams::from_grads(loss.backward(), &model);
//! model = optimizer.step(1e-3, model, grads);
//!
//! // Inference: the 2 best unseen items, with the attention behind them.
//! let index = CatalogIndex::new(model.valid(), &features, head, &device)?;
//! let request = Request {
//!     instruction: Instruction::Tokens(tokenize("crime please")),
//!     history: vec![0, 1],
//!     exclude: vec![0, 1],
//! };
//! let answer = &index.recommend(&[request], 2, true)?[0];
//! assert_eq!(answer.items.len(), 2);
//! assert!(answer.items.iter().all(|scored| scored.item >= 2));
//! assert_eq!(answer.explanation.as_ref().unwrap().history.len(), 2);
//! # Ok(())
//! # }
//! ```

mod backend;
mod batch;
mod check;
pub mod checkpoint;
mod error;
pub mod fingerprint;
pub mod heads;
mod index;
mod instruction;
mod item_set;
mod model;
pub mod query;
pub mod text;
mod transformer;

pub use backend::{CpuAutodiffBackend, CpuBackend};
pub use batch::{
    Instruction, InstructionKind, PrefixTargets, QueryBatch, QueryBatchBuilder, TokenStates,
};
pub use error::{ModelError, Result};
pub use heads::RecommenderHead;
pub use index::{CatalogIndex, Explanation, Recommendation, Request, ScoredItem};
pub use instruction::{InstructionEncoder, InstructionEncoderConfig, InstructionInput};
pub use item_set::ItemSet;
pub use model::{InstructRec, InstructRecConfig};
pub use query::{QueryAttention, QueryOutput, QueryTower, QueryTowerConfig};
