//! The item tower: modality encoders followed by a fusion strategy.

use burn::config::Config;
use burn::module::{Initializer, Module};
use burn::nn::Embedding;
use burn::tensor::backend::Backend;
use burn::tensor::{Bool, Tensor, TensorData};
use instructrec_data::ItemIdx;

use crate::batch::ItemBatch;
use crate::dims::{FeatureDims, Modalities, Modality};
use crate::dropout::{bernoulli_mask, HostDropout, HostDropoutConfig};
use crate::encoder::{
    BagEncoder, BagEncoderConfig, BagSource, IdEncoder, IdEncoderConfig, ModalityEmbedding,
    ModalityEncoder, NumericEncoder, NumericEncoderConfig, VectorEncoder, VectorEncoderConfig,
    VectorSource,
};
use crate::error::{ensure, ensure_probability, FusionError, Result};
use crate::features::ItemFeatures;
use crate::fusion::{Fusion, FusionKind, FusionStrategy};

/// Configuration of an [`ItemTower`].
#[derive(Config, Debug)]
pub struct ItemTowerConfig {
    /// Width of every modality vector and of the output.
    pub d_model: usize,
    /// Sizes of the features ([`ItemFeatures::dims`]).
    pub dims: FeatureDims,
    /// The modalities to encode ([`Modalities::available`] for all the features have).
    pub modalities: Modalities,
    /// How the modality vectors are fused (ignored with a single modality, which passes through).
    #[config(default = "FusionKind::Attention { n_heads: 1 }")]
    pub fusion: FusionKind,
    /// Dropout on every modality vector (and inside the concat MLP) during training.
    #[config(default = 0.1)]
    pub dropout: f64,
    /// Probability, during training, of masking an item's ID modality so that the content path
    /// learns to stand alone (cold start). Needs another modality.
    #[config(default = 0.0)]
    pub id_dropout: f64,
    /// Width of the text token embedding (`None`: `d_model`); it is projected to `d_model` when
    /// it differs. Match the model's width to share the embedding with instruction tokens.
    pub d_token: Option<usize>,
    /// Project the pooled text even when `d_token == d_model`.
    #[config(default = false)]
    pub text_projection: bool,
    /// Slots for modalities encoded outside the tower (see [`ItemTower::fuse_modalities`]).
    #[config(default = 0)]
    pub extra_modalities: usize,
    /// Initializer of the ID, token and category embedding tables.
    #[config(default = "Initializer::Normal { mean: 0.0, std: 0.02 }")]
    pub initializer: Initializer,
}

impl ItemTowerConfig {
    /// Number of modality slots the fusion sees (built-in modalities on + extra ones).
    pub fn num_modalities(&self) -> usize {
        self.modalities.count() + self.extra_modalities
    }

    /// Checks the hyper-parameters against each other and the feature sizes.
    pub fn validate(&self) -> Result<()> {
        ensure(self.d_model > 0, "d_model", || {
            "must be positive".to_owned()
        })?;
        ensure(self.num_modalities() > 0, "modalities", || {
            "no modality is on".to_owned()
        })?;
        self.modalities.check_available(&self.dims)?;
        ensure(
            !self.modalities.id || self.dims.num_items > 0,
            "dims",
            || "the ID modality needs at least one item".to_owned(),
        )?;
        ensure(self.d_token != Some(0), "d_token", || {
            "must be positive".to_owned()
        })?;
        ensure_probability("dropout", self.dropout, false)?;
        ensure_probability("id_dropout", self.id_dropout, true)?;
        ensure(
            self.id_dropout == 0.0 || (self.modalities.id && self.num_modalities() > 1),
            "id_dropout",
            || "masking the ID needs the ID modality and another one to fall back on".to_owned(),
        )?;
        self.fusion.validate()
    }

    /// Initializes an [`ItemTower`] with the built-in fusion selected by `fusion`.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<ItemTower<B>> {
        self.validate()?;
        let kind = if self.num_modalities() == 1 {
            FusionKind::Sum
        } else {
            self.fusion
        };
        let fusion = kind.init(self.num_modalities(), self.d_model, self.dropout, device)?;
        self.init_with_fusion(fusion, device)
    }

    /// Initializes an [`ItemTower`] with your own fusion strategy, which receives
    /// [`ItemTowerConfig::num_modalities`] slots of width `d_model`.
    pub fn init_with_fusion<B: Backend, F: FusionStrategy<B>>(
        &self,
        fusion: F,
        device: &B::Device,
    ) -> Result<ItemTower<B, F>> {
        self.validate()?;
        let d = self.d_model;
        let dims = &self.dims;
        let on = self.modalities;
        let id = on
            .id
            .then(|| {
                IdEncoderConfig::new(dims.num_items, d)
                    .with_initializer(self.initializer.clone())
                    .init(device)
            })
            .transpose()?;
        let text = on
            .text
            .then(|| {
                BagEncoderConfig::new(
                    dims.vocab_size,
                    self.d_token.unwrap_or(d),
                    d,
                    BagSource::Text,
                )
                .with_projection(self.text_projection)
                .with_initializer(self.initializer.clone())
                .init(device)
            })
            .transpose()?;
        let categories = on
            .categories
            .then(|| {
                BagEncoderConfig::new(dims.num_categories, d, d, BagSource::Categories)
                    .with_initializer(self.initializer.clone())
                    .init(device)
            })
            .transpose()?;
        let numeric = on
            .numeric
            .then(|| NumericEncoderConfig::new(dims.num_numeric, d).init(device))
            .transpose()?;
        let vector = |on: bool, dim: Option<usize>, source| match dim.filter(|_| on) {
            Some(dim) => VectorEncoderConfig::new(dim, d, source)
                .init(device)
                .map(Some),
            None => Ok(None),
        };
        Ok(ItemTower {
            id,
            text,
            categories,
            numeric,
            vector: vector(on.vector, dims.vector_dim, VectorSource::Vector)?,
            text_vector: vector(
                on.text_vector,
                dims.text_vector_dim,
                VectorSource::TextVector,
            )?,
            fusion,
            dropout: HostDropoutConfig::new(self.dropout).init(),
            id_dropout: self.id_dropout,
            extra_modalities: self.extra_modalities,
            d_model: d,
            dims: self.dims,
            modalities: self.modalities,
        })
    }
}

/// Turns items into vectors: one encoder per modality, then a fusion strategy.
///
/// Modality slots are stacked in the order of [`Modality::ALL`] (those that are on), then the
/// extra slots. With the ID modality alone the tower is a plain embedding lookup (the SASRec
/// baseline); with content modalities, items whose ID is unknown (cold) still get a vector from
/// their content.
///
/// # Extending
///
/// - Own fusion: any module implementing [`FusionStrategy`], via
///   [`ItemTowerConfig::init_with_fusion`] (the tower is generic over it).
/// - Own modality encoders: set [`ItemTowerConfig::extra_modalities`], keep your
///   [`ModalityEncoder`]s next to the tower, and call
///   `tower.fuse_modalities(tower.encode_modalities(&batch) + your embeddings)`.
///   [`ItemTower::forward`] treats the extra slots as missing.
#[derive(Module, Debug)]
pub struct ItemTower<B: Backend, F = Fusion<B>> {
    id: Option<IdEncoder<B>>,
    text: Option<BagEncoder<B>>,
    categories: Option<BagEncoder<B>>,
    numeric: Option<NumericEncoder<B>>,
    vector: Option<VectorEncoder<B>>,
    text_vector: Option<VectorEncoder<B>>,
    fusion: F,
    dropout: HostDropout,
    id_dropout: f64,
    extra_modalities: usize,
    d_model: usize,
    dims: FeatureDims,
    modalities: Modalities,
}

impl<B: Backend, F: FusionStrategy<B>> ItemTower<B, F> {
    /// The item vectors.
    ///
    /// # Shapes
    ///
    /// - output: `[n, d_model]`
    pub fn forward(&self, batch: &ItemBatch<B>) -> Tensor<B, 2> {
        self.fuse_encoded(self.encode_modalities(batch), batch)
    }

    /// The item vectors followed by the items' content vectors: the mean of their present
    /// content modality vectors (every built-in modality but the ID), zero for an item without
    /// content.
    ///
    /// The fused vector mixes the ID with the content in proportions learned per item; the
    /// content vector keeps what the item *is* (its text, categories, attributes) in a space a
    /// request's stated need can be matched against directly.
    ///
    /// # Shapes
    ///
    /// - output: `[n, 2 * d_model]`
    pub fn forward_with_content(&self, batch: &ItemBatch<B>) -> Tensor<B, 2> {
        let embeddings = self.encode_modalities(batch);
        let content_slots = usize::from(self.id.is_some())..embeddings.len();
        let content = masked_mean(&embeddings[content_slots], batch.len(), self.d_model);
        Tensor::cat(vec![self.fuse_encoded(embeddings, batch), content], 1)
    }

    /// Fuses the built-in modality vectors of `batch`, with the extra modalities absent.
    fn fuse_encoded(
        &self,
        mut embeddings: Vec<ModalityEmbedding<B>>,
        batch: &ItemBatch<B>,
    ) -> Tensor<B, 2> {
        let (n, device) = (batch.len(), batch.device());
        embeddings.extend(
            (0..self.extra_modalities).map(|_| ModalityEmbedding::absent(n, self.d_model, &device)),
        );
        let (modalities, missing) = stack(embeddings);
        self.fusion.fuse(modalities, missing)
    }

    /// The built-in modality vectors of a batch, in stacking order, with dropout and ID dropout
    /// applied during training.
    pub fn encode_modalities(&self, batch: &ItemBatch<B>) -> Vec<ModalityEmbedding<B>> {
        let mut out = Vec::with_capacity(self.num_modalities());
        if let Some(id) = &self.id {
            let mut embedding = id.encode(batch);
            let device = batch.device();
            if self.id_dropout > 0.0 && B::ad_enabled(&device) {
                let dropped = Tensor::<B, 1, Bool>::from_data(
                    TensorData::new(bernoulli_mask(batch.len(), self.id_dropout), [batch.len()]),
                    &device,
                );
                embedding.missing = embedding.missing.bool_or(dropped);
            }
            out.push(embedding);
        }
        let content: [Option<&dyn ModalityEncoder<B>>; 5] = [
            self.text.as_ref().map(|e| e as &dyn ModalityEncoder<B>),
            self.categories
                .as_ref()
                .map(|e| e as &dyn ModalityEncoder<B>),
            self.numeric.as_ref().map(|e| e as &dyn ModalityEncoder<B>),
            self.vector.as_ref().map(|e| e as &dyn ModalityEncoder<B>),
            self.text_vector
                .as_ref()
                .map(|e| e as &dyn ModalityEncoder<B>),
        ];
        out.extend(content.into_iter().flatten().map(|e| e.encode(batch)));
        for embedding in &mut out {
            embedding.values = self.dropout.forward(embedding.values.clone());
        }
        out
    }

    /// Fuses modality vectors: those of [`ItemTower::encode_modalities`] followed by the
    /// `extra_modalities` ones encoded outside the tower.
    ///
    /// Errors when the count, the widths or the item counts do not match.
    ///
    /// # Shapes
    ///
    /// - each embedding: `values [n, d_model]`, `missing [n]`
    /// - output: `[n, d_model]`
    pub fn fuse_modalities(&self, embeddings: Vec<ModalityEmbedding<B>>) -> Result<Tensor<B, 2>> {
        let want = self.num_modalities();
        if embeddings.len() != want {
            return Err(FusionError::Incompatible(format!(
                "the tower fuses {want} modalities, {} were given",
                embeddings.len()
            )));
        }
        let n = embeddings.first().map_or(0, |e| e.missing.dims()[0]);
        for (slot, embedding) in embeddings.iter().enumerate() {
            let [rows, width] = embedding.values.dims();
            if rows != n || width != self.d_model || embedding.missing.dims()[0] != n {
                return Err(FusionError::Incompatible(format!(
                    "modality slot {slot} has values [{rows}, {width}] and {} missing flags, \
                     expected [{n}, {}] and {n}",
                    embedding.missing.dims()[0],
                    self.d_model
                )));
            }
        }
        let (modalities, missing) = stack(embeddings);
        Ok(self.fusion.fuse(modalities, missing))
    }

    /// The whole catalog as one `[num_items, d_model]` matrix (row `i` = item `i`), computed in
    /// batches of `batch_size` items: cache it for inference (call it on `tower.valid()` to build
    /// no autodiff graph).
    pub fn encode_catalog(
        &self,
        features: &ItemFeatures,
        batch_size: usize,
        device: &B::Device,
    ) -> Result<Tensor<B, 2>> {
        self.encode_catalog_with(features, batch_size, device, |batch| self.forward(batch))
    }

    /// [`encode_catalog`](Self::encode_catalog) with each row followed by the item's content
    /// vector ([`forward_with_content`](Self::forward_with_content)).
    ///
    /// # Shapes
    ///
    /// - output: `[num_items, 2 * d_model]`
    pub fn encode_catalog_with_content(
        &self,
        features: &ItemFeatures,
        batch_size: usize,
        device: &B::Device,
    ) -> Result<Tensor<B, 2>> {
        self.encode_catalog_with(features, batch_size, device, |batch| {
            self.forward_with_content(batch)
        })
    }

    fn encode_catalog_with(
        &self,
        features: &ItemFeatures,
        batch_size: usize,
        device: &B::Device,
        encode: impl Fn(&ItemBatch<B>) -> Tensor<B, 2>,
    ) -> Result<Tensor<B, 2>> {
        ensure(batch_size > 0, "batch_size", || {
            "must be positive".to_owned()
        })?;
        self.check_features(features)?;
        let items: Vec<ItemIdx> = (0..features.num_items() as ItemIdx).collect();
        let chunks = items
            .chunks(batch_size)
            .map(|chunk| Ok(encode(&self.batch(features, chunk, device)?)))
            .collect::<Result<Vec<_>>>()?;
        if chunks.is_empty() {
            return Err(FusionError::EmptyBatch);
        }
        Ok(Tensor::cat(chunks, 0))
    }
}

impl<B: Backend, F> ItemTower<B, F> {
    /// A batch of `items` holding exactly the modalities this tower uses, after checking that
    /// the features fit the tower.
    pub fn batch(
        &self,
        features: &ItemFeatures,
        items: &[ItemIdx],
        device: &B::Device,
    ) -> Result<ItemBatch<B>> {
        self.check_features(features)?;
        features.batch_for(items, &self.modalities, device)
    }

    /// Checks that `features` can be fed to this tower.
    pub fn check_features(&self, features: &ItemFeatures) -> Result<()> {
        self.dims
            .check_compatible(&features.dims(), &self.modalities)
    }

    /// The text bag's token embedding `[vocab_size, d_token]`, to share with instruction tokens.
    pub fn token_embedding(&self) -> Option<&Embedding<B>> {
        self.text.as_ref().map(|text| &text.embedding)
    }

    /// The ID embedding `[num_items, d_model]`.
    pub fn id_embedding(&self) -> Option<&Embedding<B>> {
        self.id.as_ref().map(|id| &id.embedding)
    }

    /// The fusion strategy.
    pub fn fusion(&self) -> &F {
        &self.fusion
    }

    /// The built-in modalities that are on.
    pub fn modalities(&self) -> &Modalities {
        &self.modalities
    }

    /// Names of the fused slots in order (built-in modalities, then `extra_<k>`).
    pub fn modality_names(&self) -> Vec<String> {
        let builtin = self.modalities.enabled().into_iter().map(Modality::name);
        builtin
            .map(str::to_owned)
            .chain((0..self.extra_modalities).map(|k| format!("extra_{k}")))
            .collect()
    }

    /// Number of fused slots.
    pub fn num_modalities(&self) -> usize {
        self.modalities.count() + self.extra_modalities
    }

    /// Width of the item vectors.
    pub fn d_model(&self) -> usize {
        self.d_model
    }

    /// The feature sizes the tower was built for.
    pub fn dims(&self) -> &FeatureDims {
        &self.dims
    }
}

/// The mean of the present vectors of each item (zero where none is present).
///
/// # Shapes
///
/// - each embedding: `values [n, d]`, `missing [n]`
/// - output: `[n, d]`
fn masked_mean<B: Backend>(
    embeddings: &[ModalityEmbedding<B>],
    n: usize,
    d: usize,
) -> Tensor<B, 2> {
    let device = embeddings
        .first()
        .map(|e| e.values.device())
        .unwrap_or_default();
    let mut sum = Tensor::<B, 2>::zeros([n, d], &device);
    let mut count = Tensor::<B, 2>::zeros([n, 1], &device);
    for embedding in embeddings {
        let present = embedding.missing.clone().bool_not().float().reshape([n, 1]);
        sum = sum + embedding.values.clone() * present.clone();
        count = count + present;
    }
    sum / count.clamp_min(1.0)
}

/// Stacks modality embeddings into fusion inputs (no copy for a single modality).
///
/// # Shapes
///
/// - each embedding: `values [n, d]`, `missing [n]`
/// - output: `[n, m, d]`, `[n, m]`
fn stack<B: Backend>(embeddings: Vec<ModalityEmbedding<B>>) -> (Tensor<B, 3>, Tensor<B, 2, Bool>) {
    if let [single] = embeddings.as_slice() {
        let [n, d] = single.values.dims();
        return (
            single.values.clone().reshape([n, 1, d]),
            single.missing.clone().reshape([n, 1]),
        );
    }
    let (values, missing): (Vec<_>, Vec<_>) = embeddings
        .into_iter()
        .map(|e| (e.values, e.missing))
        .unzip();
    (Tensor::stack(values, 1), Tensor::stack(missing, 1))
}
