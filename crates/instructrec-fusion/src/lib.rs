//! Multimodal item feature fusion for instructrec (burn).
//!
//! An item is a set of modality vectors — a learned ID embedding, a bag of text tokens, a bag of
//! categories, normalized numeric attributes, precomputed vectors (image or text embeddings) —
//! fused into one vector by a pluggable strategy. Missing modalities are masked, never silently
//! zero-filled, so an item never seen in training still gets a vector from its content.
//!
//! - [`ItemFeatures`] (CPU, built once from a [`Catalog`](instructrec_data::Catalog)) →
//!   [`ItemBatch`] (tensors; mask convention: `true` = padding / absent, as burn's `mask_pad`);
//! - [`ModalityEncoder`]s ([`IdEncoder`], [`BagEncoder`], [`NumericEncoder`], [`VectorEncoder`])
//!   → [`ModalityEmbedding`]s;
//! - a [`FusionStrategy`] ([`ConcatMlpFusion`], [`GatedSumFusion`], [`AttentionFusion`],
//!   [`SumFusion`]) → one vector per item;
//! - [`ItemTower`] wires them from an [`ItemTowerConfig`].
//! - [`dropout`]: dropout with masks from a seeded per-thread stream, so replicas training on
//!   parallel threads stay reproducible (used by every instructrec tower).
//!
//! ```
//! use burn::backend::Flex;
//! use instructrec_data::Catalog;
//! use instructrec_fusion::{
//!     FusionKind, ItemFeatures, ItemFeaturesConfig, ItemTowerConfig, Modalities,
//! };
//!
//! # fn main() -> Result<(), instructrec_fusion::FusionError> {
//! let mut catalog = Catalog::new();
//! for (raw, title) in [("m1", "Heat"), ("m2", "Toy Story"), ("m3", "Casino")] {
//!     let idx = catalog.intern(raw);
//!     catalog.get_mut(idx).unwrap().title = Some(title.to_owned());
//! }
//! // Any tokenizer will do; id 0 is reserved for padding.
//! let tokenize = |text: &str| text.bytes().map(|b| u32::from(b) + 1).collect::<Vec<u32>>();
//! let mut features =
//!     ItemFeatures::from_catalog(&catalog, &ItemFeaturesConfig::new(), tokenize)?;
//! features.set_known_items(&[true, true, false])?; // m3 is a cold item
//!
//! let dims = features.dims();
//! let config = ItemTowerConfig::new(16, dims, Modalities::available(&dims))
//!     .with_fusion(FusionKind::GatedSum);
//! let device = Default::default();
//! let tower = config.init::<Flex>(&device)?;
//!
//! let batch = tower.batch(&features, &[2, 0], &device)?;
//! assert_eq!(tower.forward(&batch).dims(), [2, 16]);
//! let catalog_matrix = tower.encode_catalog(&features, 1024, &device)?;
//! assert_eq!(catalog_matrix.dims(), [3, 16]);
//! # Ok(())
//! # }
//! ```

mod batch;
mod dims;
pub mod dropout;
mod encoder;
mod error;
mod features;
mod fusion;
mod normalize;
mod tower;
mod vectors;

pub use batch::{ItemBatch, MaskedValues, PaddedIds};
pub use dims::{FeatureDims, Modalities, Modality};
pub use encoder::{
    BagEncoder, BagEncoderConfig, BagSource, IdEncoder, IdEncoderConfig, ModalityEmbedding,
    ModalityEncoder, NumericEncoder, NumericEncoderConfig, VectorEncoder, VectorEncoderConfig,
    VectorSource,
};
pub use error::{FusionError, Result};
pub use features::{ItemFeatures, ItemFeaturesConfig};
pub use fusion::{
    AttentionFusion, AttentionFusionConfig, ConcatMlpFusion, ConcatMlpFusionConfig, Fusion,
    FusionKind, FusionStrategy, GatedSumFusion, GatedSumFusionConfig, SumFusion,
};
pub use normalize::{FieldStats, NumericNormalization, NumericNormalizer};
pub use tower::{ItemTower, ItemTowerConfig};
pub use vectors::{ItemVectors, UnknownItems};
