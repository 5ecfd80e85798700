//! CPU-side item features, built once from a catalog and sliced into tensor batches.

use burn::config::Config;
use burn::tensor::backend::Backend;
use burn::tensor::{Bool, Int, Tensor, TensorData};
use instructrec_data::{Catalog, ItemIdx};

use crate::batch::{ItemBatch, MaskedValues, PaddedIds};
use crate::dims::{FeatureDims, Modalities};
use crate::encoder::ModalityEmbedding;
use crate::error::{ensure, FusionError, Result};
use crate::normalize::{check_finite, NumericNormalization, NumericNormalizer};
use crate::vectors::ItemVectors;

/// Configuration of [`ItemFeatures`].
#[derive(Config, Debug)]
pub struct ItemFeaturesConfig {
    /// Tokens kept per item text (the rest is cut).
    #[config(default = 24)]
    pub max_text_tokens: usize,
    /// Categories kept per item (the first ones, duplicates removed).
    #[config(default = 8)]
    pub max_categories: usize,
    /// Characters of the description put into the item text (cut at a word boundary).
    #[config(default = 256)]
    pub max_description_chars: usize,
    /// How numeric attributes are normalized.
    #[config(default = "NumericNormalization::ZScore")]
    pub normalization: NumericNormalization,
    /// Normalized numeric values are clipped to `[-clip, clip]` (`None`: not clipped).
    #[config(default = "Some(5.0)")]
    pub numeric_clip: Option<f32>,
}

impl ItemFeaturesConfig {
    /// Checks the hyper-parameters.
    pub fn validate(&self) -> Result<()> {
        ensure(self.max_text_tokens > 0, "max_text_tokens", || {
            "at least one token per item is needed".to_owned()
        })?;
        ensure(self.max_categories > 0, "max_categories", || {
            "at least one category per item is needed".to_owned()
        })?;
        if let Some(clip) = self.numeric_clip {
            ensure(clip.is_finite() && clip > 0.0, "numeric_clip", || {
                format!("{clip} is not a positive finite bound")
            })?;
        }
        Ok(())
    }

    /// The text of an item that is tokenized into its text bag: title, brand, category names
    /// and the start of the description, one per line (absent parts are left out). Use the same
    /// text for precomputed text vectors. Empty for an unknown item or an item without text.
    pub fn item_text(&self, catalog: &Catalog, item: ItemIdx) -> String {
        let Some(content) = catalog.get(item) else {
            return String::new();
        };
        let mut parts: Vec<&str> = Vec::new();
        parts.extend(content.title.as_deref());
        parts.extend(content.brand.as_deref());
        parts.extend(catalog.category_names(item));
        let description = content
            .description
            .as_deref()
            .map(|d| truncate_words(d, self.max_description_chars));
        parts.extend(description);
        parts.retain(|p| !p.trim().is_empty());
        parts.join("\n")
    }
}

/// The first `max_chars` characters of `text`, cut after the last whole word.
fn truncate_words(text: &str, max_chars: usize) -> &str {
    let Some((end, _)) = text.char_indices().nth(max_chars) else {
        return text;
    };
    let head = &text[..end];
    let next_is_space = text[end..].starts_with(char::is_whitespace);
    match head.rfind(char::is_whitespace) {
        Some(space) if !next_is_space => &head[..space],
        _ => head,
    }
}

/// Fixed-width rows of ids with their lengths (the rest of a row is padding).
#[derive(Debug, Clone)]
struct PaddedRows {
    width: usize,
    ids: Vec<u32>,
    lens: Vec<usize>,
}

impl PaddedRows {
    fn new(width: usize, capacity: usize) -> Self {
        Self {
            width,
            ids: Vec::with_capacity(width * capacity),
            lens: Vec::with_capacity(capacity),
        }
    }

    /// Appends a row, keeping its first `width` ids.
    fn push(&mut self, row: &[u32]) {
        let len = row.len().min(self.width);
        self.ids.extend_from_slice(&row[..len]);
        self.ids.resize(self.ids.len() + self.width - len, 0);
        self.lens.push(len);
    }

    /// The rows of `items` as `[items.len(), width]` tensors (padding ids are 0).
    fn batch<B: Backend>(&self, items: &[ItemIdx], device: &B::Device) -> PaddedIds<B> {
        let mut ids = Vec::with_capacity(items.len() * self.width);
        let mut padding = Vec::with_capacity(items.len() * self.width);
        for &item in items {
            let i = item as usize;
            let row = &self.ids[i * self.width..(i + 1) * self.width];
            ids.extend(row.iter().map(|&id| i64::from(id)));
            padding.extend((0..self.width).map(|k| k >= self.lens[i]));
        }
        let shape = [items.len(), self.width];
        PaddedIds {
            ids: Tensor::<B, 2, Int>::from_data(TensorData::new(ids, shape), device),
            padding: Tensor::<B, 2, Bool>::from_data(TensorData::new(padding, shape), device),
        }
    }
}

/// Every item's features, prepared once on the CPU: token ids of its text, category ids,
/// normalized numeric attributes, optional precomputed vectors, and whether its ID embedding was
/// trained. [`ItemFeatures::batch`] turns a list of items into an [`ItemBatch`].
#[derive(Debug, Clone)]
pub struct ItemFeatures {
    num_items: usize,
    vocab_size: usize,
    num_categories: usize,
    known: Vec<bool>,
    text: PaddedRows,
    categories: PaddedRows,
    numeric: Vec<f32>,
    numeric_missing: Vec<bool>,
    normalizer: NumericNormalizer,
    vectors: Option<ItemVectors>,
    text_vectors: Option<ItemVectors>,
}

impl ItemFeatures {
    /// Builds the features of every catalog item.
    ///
    /// `tokenize` maps an [item text](ItemFeaturesConfig::item_text) to token ids; id 0 is
    /// reserved for padding and must not be produced. Numeric statistics are fitted on this
    /// catalog; the catalog's own vectors (if any) become the `vector` modality. All items start
    /// as known (see [`ItemFeatures::set_known_items`]).
    pub fn from_catalog(
        catalog: &Catalog,
        config: &ItemFeaturesConfig,
        tokenize: impl Fn(&str) -> Vec<u32>,
    ) -> Result<Self> {
        let normalizer =
            NumericNormalizer::fit(catalog, config.normalization, config.numeric_clip)?;
        Self::from_catalog_with_normalizer(catalog, config, normalizer, tokenize)
    }

    /// Like [`ItemFeatures::from_catalog`], with numeric statistics fitted elsewhere (e.g. on the
    /// training catalog, so items added later share its scale).
    pub fn from_catalog_with_normalizer(
        catalog: &Catalog,
        config: &ItemFeaturesConfig,
        normalizer: NumericNormalizer,
        tokenize: impl Fn(&str) -> Vec<u32>,
    ) -> Result<Self> {
        config.validate()?;
        let num_items = catalog.len();
        let num_numeric = catalog.numeric_fields.len();
        ensure(
            normalizer.fields().len() == num_numeric,
            "normalizer",
            || {
                format!(
                    "fitted on {} numeric fields, the catalog has {num_numeric}",
                    normalizer.fields().len()
                )
            },
        )?;
        let num_categories = catalog.categories.len();
        let mut text = PaddedRows::new(config.max_text_tokens, num_items);
        let mut categories = PaddedRows::new(config.max_categories, num_items);
        let mut numeric = Vec::with_capacity(num_items * num_numeric);
        let mut numeric_missing = Vec::with_capacity(num_items * num_numeric);
        let mut max_token = 0u32;
        let mut row = Vec::new();
        for (idx, item) in catalog.items().iter().enumerate() {
            let item_idx = idx as ItemIdx;
            let item_text = config.item_text(catalog, item_idx);
            let tokens = if item_text.is_empty() {
                Vec::new()
            } else {
                tokenize(&item_text)
            };
            let tokens = &tokens[..tokens.len().min(config.max_text_tokens)];
            if tokens.contains(&0) {
                return Err(FusionError::ReservedToken { item: item_idx });
            }
            max_token = tokens.iter().copied().fold(max_token, u32::max);
            text.push(tokens);

            row.clear();
            for &category in &item.categories {
                if category as usize >= num_categories {
                    return Err(FusionError::UnknownCategory {
                        item: item_idx,
                        category,
                        num_categories,
                    });
                }
                if !row.contains(&category) {
                    row.push(category);
                }
            }
            categories.push(&row);

            if item.numeric.len() != num_numeric {
                return Err(FusionError::Length {
                    what: format!("numeric values of item {idx}"),
                    expected: num_numeric,
                    found: item.numeric.len(),
                });
            }
            for (field, value) in item.numeric.iter().enumerate() {
                match *value {
                    Some(value) => {
                        check_finite(catalog, idx, field, value)?;
                        numeric.push(normalizer.normalize(field, value)?);
                        numeric_missing.push(false);
                    }
                    None => {
                        numeric.push(0.0);
                        numeric_missing.push(true);
                    }
                }
            }
        }
        Ok(Self {
            num_items,
            vocab_size: max_token as usize + 1,
            num_categories,
            known: vec![true; num_items],
            text,
            categories,
            numeric,
            numeric_missing,
            normalizer,
            vectors: ItemVectors::from_catalog(catalog)?,
            text_vectors: None,
        })
    }

    /// Adds precomputed text embeddings (e.g. from a frozen MiniLM over
    /// [`ItemFeaturesConfig::item_text`]) as the `text_vector` modality; build them with
    /// [`ItemVectors::from_dense`] or [`ItemVectors::load`].
    pub fn with_text_vectors(mut self, vectors: ItemVectors) -> Result<Self> {
        self.text_vectors = Some(self.check_vectors("text vectors", vectors)?);
        Ok(self)
    }

    /// Sets (or replaces the catalog's) precomputed item vectors, e.g. image embeddings read
    /// with [`ItemVectors::load`], as the `vector` modality.
    pub fn with_vectors(mut self, vectors: ItemVectors) -> Result<Self> {
        self.vectors = Some(self.check_vectors("item vectors", vectors)?);
        Ok(self)
    }

    fn check_vectors(&self, what: &str, vectors: ItemVectors) -> Result<ItemVectors> {
        if vectors.len() == self.num_items {
            Ok(vectors)
        } else {
            Err(FusionError::Length {
                what: format!("{what} (one per item)"),
                expected: self.num_items,
                found: vectors.len(),
            })
        }
    }

    /// Marks which items were seen in training (`known[i]` for item `i`). The ID modality of an
    /// unknown item is masked, so its vector comes from content alone (cold start).
    pub fn set_known_items(&mut self, known: &[bool]) -> Result<()> {
        if known.len() != self.num_items {
            return Err(FusionError::Length {
                what: "known-item flags (one per item)".to_owned(),
                expected: self.num_items,
                found: known.len(),
            });
        }
        self.known.copy_from_slice(known);
        Ok(())
    }

    /// Whether an item's ID embedding is used (false for cold items and out-of-range indices).
    pub fn is_known(&self, item: ItemIdx) -> bool {
        self.known.get(item as usize).copied().unwrap_or(false)
    }

    /// Number of items.
    pub fn num_items(&self) -> usize {
        self.num_items
    }

    /// The numeric statistics, to reuse with
    /// [`ItemFeatures::from_catalog_with_normalizer`].
    pub fn normalizer(&self) -> &NumericNormalizer {
        &self.normalizer
    }

    /// The sizes an [`ItemTowerConfig`](crate::ItemTowerConfig) needs.
    pub fn dims(&self) -> FeatureDims {
        FeatureDims {
            num_items: self.num_items,
            vocab_size: self.vocab_size,
            max_text_tokens: self.text.width,
            num_categories: self.num_categories,
            max_categories: self.categories.width,
            num_numeric: self.normalizer.fields().len(),
            vector_dim: self.vectors.as_ref().map(ItemVectors::dim),
            text_vector_dim: self.text_vectors.as_ref().map(ItemVectors::dim),
        }
    }

    /// A batch of `items` holding every modality the features have.
    pub fn batch<B: Backend>(&self, items: &[ItemIdx], device: &B::Device) -> Result<ItemBatch<B>> {
        self.batch_for(items, &Modalities::available(&self.dims()), device)
    }

    /// A batch of `items` holding only `modalities` (the others are `None`), e.g. what a tower
    /// uses ([`ItemTower::modalities`](crate::ItemTower::modalities)). IDs are always included.
    ///
    /// Errors on an empty list, an unknown item, or a modality the features lack.
    pub fn batch_for<B: Backend>(
        &self,
        items: &[ItemIdx],
        modalities: &Modalities,
        device: &B::Device,
    ) -> Result<ItemBatch<B>> {
        if items.is_empty() {
            return Err(FusionError::EmptyBatch);
        }
        if let Some(&item) = items.iter().find(|&&i| i as usize >= self.num_items) {
            return Err(FusionError::UnknownItem {
                item,
                num_items: self.num_items,
            });
        }
        modalities.check_available(&self.dims())?;
        let n = items.len();
        let ids: Vec<i64> = items.iter().map(|&i| i64::from(i)).collect();
        let known: Vec<bool> = items.iter().map(|&i| self.known[i as usize]).collect();
        let numeric = modalities.numeric.then(|| {
            let width = self.normalizer.fields().len();
            let mut values = Vec::with_capacity(n * width);
            let mut missing = Vec::with_capacity(n * width);
            for &item in items {
                let range = item as usize * width..(item as usize + 1) * width;
                values.extend_from_slice(&self.numeric[range.clone()]);
                missing.extend_from_slice(&self.numeric_missing[range]);
            }
            MaskedValues {
                values: Tensor::from_data(TensorData::new(values, [n, width]), device),
                missing: Tensor::from_data(TensorData::new(missing, [n, width]), device),
            }
        });
        let vectors = |on: bool, vectors: &Option<ItemVectors>| {
            let vectors = vectors.as_ref().filter(|_| on)?;
            let (values, missing) = vectors.gather(items);
            Some(ModalityEmbedding {
                values: Tensor::from_data(TensorData::new(values, [n, vectors.dim()]), device),
                missing: Tensor::from_data(TensorData::new(missing, [n]), device),
            })
        };
        Ok(ItemBatch {
            ids: Tensor::from_data(TensorData::new(ids, [n]), device),
            id_known: Tensor::from_data(TensorData::new(known, [n]), device),
            text: modalities.text.then(|| self.text.batch(items, device)),
            categories: modalities
                .categories
                .then(|| self.categories.batch(items, device)),
            numeric,
            vectors: vectors(modalities.vector, &self.vectors),
            text_vectors: vectors(modalities.text_vector, &self.text_vectors),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_whole_words() {
        assert_eq!(truncate_words("abc def ghi", 6), "abc");
        assert_eq!(truncate_words("abc def ghi", 7), "abc def");
        assert_eq!(truncate_words("abc", 10), "abc");
        assert_eq!(truncate_words("abcdef", 3), "abc");
        assert_eq!(truncate_words("é è ê", 3), "é è");
    }

    #[test]
    fn padded_rows_cut_and_pad() {
        let mut rows = PaddedRows::new(3, 2);
        rows.push(&[5, 6, 7, 8]);
        rows.push(&[9]);
        assert_eq!(rows.ids, vec![5, 6, 7, 9, 0, 0]);
        assert_eq!(rows.lens, vec![3, 1]);
    }
}
