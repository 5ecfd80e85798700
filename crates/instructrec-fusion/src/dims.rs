//! Feature sizes and the choice of modalities: what an item tower is configured with.

use serde::{Deserialize, Serialize};

use crate::error::{ensure, FusionError, Result};

/// Sizes of a set of [`ItemFeatures`](crate::ItemFeatures): everything an
/// [`ItemTowerConfig`](crate::ItemTowerConfig) needs to size its layers.
///
/// Obtained from [`ItemFeatures::dims`](crate::ItemFeatures::dims). `vocab_size` is the smallest
/// vocabulary that covers the item texts; raise it to the tokenizer's size when the token
/// embedding is shared with other text (instructions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureDims {
    /// Number of items (rows of the ID embedding).
    pub num_items: usize,
    /// Token ids of item texts are `< vocab_size` (id 0 is padding, so at least 1).
    pub vocab_size: usize,
    /// Tokens kept per item text.
    pub max_text_tokens: usize,
    /// Size of the category vocabulary.
    pub num_categories: usize,
    /// Categories kept per item.
    pub max_categories: usize,
    /// Number of numeric attributes.
    pub num_numeric: usize,
    /// Length of the precomputed item vectors (e.g. image embeddings), if any.
    pub vector_dim: Option<usize>,
    /// Length of the precomputed text vectors (e.g. from a frozen MiniLM), if any.
    pub text_vector_dim: Option<usize>,
}

impl FeatureDims {
    /// Checks that features of size `features` can be fed to a tower built for `self` with the
    /// given modalities on: indices (items, tokens, categories) must fit the tower's tables and
    /// input widths (numeric fields, vector lengths) must be equal.
    pub fn check_compatible(&self, features: &FeatureDims, modalities: &Modalities) -> Result<()> {
        let fits = |on: bool, what: &str, have: usize, table: usize| {
            if on && have > table {
                Err(FusionError::Incompatible(format!(
                    "the features have {have} {what}, the tower's table holds {table}"
                )))
            } else {
                Ok(())
            }
        };
        let equal = |on: bool, what: &str, have: Option<usize>, want: Option<usize>| {
            if on && have != want {
                Err(FusionError::Incompatible(format!(
                    "{what}: the features have {have:?}, the tower expects {want:?}"
                )))
            } else {
                Ok(())
            }
        };
        fits(modalities.id, "items", features.num_items, self.num_items)?;
        fits(
            modalities.text,
            "token ids",
            features.vocab_size,
            self.vocab_size,
        )?;
        fits(
            modalities.categories,
            "categories",
            features.num_categories,
            self.num_categories,
        )?;
        equal(
            modalities.numeric,
            "numeric fields",
            Some(features.num_numeric),
            Some(self.num_numeric),
        )?;
        equal(
            modalities.vector,
            "vector length",
            features.vector_dim,
            self.vector_dim,
        )?;
        equal(
            modalities.text_vector,
            "text vector length",
            features.text_vector_dim,
            self.text_vector_dim,
        )
    }
}

/// One kind of item information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Modality {
    /// The learned per-item ID embedding.
    Id,
    /// The item text (title, brand, categories, description) as a bag of tokens.
    Text,
    /// The item's categories as a bag.
    Categories,
    /// Normalized numeric attributes.
    Numeric,
    /// A precomputed item vector (e.g. an image embedding).
    Vector,
    /// A precomputed text vector (e.g. from a frozen pretrained text encoder).
    TextVector,
}

impl Modality {
    /// Every modality, in the order an item tower stacks them.
    pub const ALL: [Modality; 6] = [
        Modality::Id,
        Modality::Text,
        Modality::Categories,
        Modality::Numeric,
        Modality::Vector,
        Modality::TextVector,
    ];

    /// A short lowercase name (`"id"`, `"text"`, …).
    pub fn name(self) -> &'static str {
        match self {
            Modality::Id => "id",
            Modality::Text => "text",
            Modality::Categories => "categories",
            Modality::Numeric => "numeric",
            Modality::Vector => "vector",
            Modality::TextVector => "text_vector",
        }
    }
}

/// Which modalities an item tower uses (or an [`ItemBatch`](crate::ItemBatch) carries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Modalities {
    /// The learned ID embedding.
    pub id: bool,
    /// The text bag.
    pub text: bool,
    /// The category bag.
    pub categories: bool,
    /// The numeric attributes.
    pub numeric: bool,
    /// The precomputed item vectors.
    pub vector: bool,
    /// The precomputed text vectors.
    pub text_vector: bool,
}

impl Modalities {
    /// Every modality the features hold: ID and text always (text needs at least one token id),
    /// the others when the catalog has them.
    pub fn available(dims: &FeatureDims) -> Self {
        Self {
            id: true,
            text: dims.vocab_size > 1 && dims.max_text_tokens > 0,
            categories: dims.num_categories > 0 && dims.max_categories > 0,
            numeric: dims.num_numeric > 0,
            vector: dims.vector_dim.is_some(),
            text_vector: dims.text_vector_dim.is_some(),
        }
    }

    /// The learned ID embedding alone (the SASRec-style baseline).
    pub fn id_only() -> Self {
        Self {
            id: true,
            text: false,
            categories: false,
            numeric: false,
            vector: false,
            text_vector: false,
        }
    }

    /// Whether `modality` is on.
    pub fn contains(&self, modality: Modality) -> bool {
        match modality {
            Modality::Id => self.id,
            Modality::Text => self.text,
            Modality::Categories => self.categories,
            Modality::Numeric => self.numeric,
            Modality::Vector => self.vector,
            Modality::TextVector => self.text_vector,
        }
    }

    /// The modalities that are on, in stacking order.
    pub fn enabled(&self) -> Vec<Modality> {
        Modality::ALL
            .into_iter()
            .filter(|&m| self.contains(m))
            .collect()
    }

    /// Number of modalities that are on.
    pub fn count(&self) -> usize {
        self.enabled().len()
    }

    /// Checks that every modality that is on is held by features of size `dims`.
    pub fn check_available(&self, dims: &FeatureDims) -> Result<()> {
        let available = Self::available(dims);
        for modality in self.enabled() {
            ensure(available.contains(modality), "modalities", || {
                format!(
                    "modality `{}` is on but the features lack it",
                    modality.name()
                )
            })?;
        }
        Ok(())
    }
}
