//! The on-disk layout of a saved recommender.
//!
//! ```text
//! <dir>/recommender.json   format version, RecommenderConfig, dataset figures
//! <dir>/tokenizer.json     the instruction / item-text tokenizer
//! <dir>/catalog.json       the catalog (raw ids, titles, content), training counts, text vectors
//! <dir>/model/             the model checkpoint (instructrec-model's own versioned format)
//! ```
//!
//! Everything needed to serve is in the directory: item features are rebuilt from the catalog
//! exactly as they were built for training, and pretrained text vectors are stored, not
//! recomputed.

use std::path::{Path, PathBuf};

use instructrec_data::{Catalog, ItemIdx};
use instructrec_fusion::ItemVectors;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{CoreError, DatasetInfo, RecommenderConfig, Result};

/// The format of a saved recommender this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The manifest's file name.
pub(crate) const MANIFEST_FILE: &str = "recommender.json";
/// The tokenizer's file name.
pub(crate) const TOKENIZER_FILE: &str = "tokenizer.json";
/// The catalog's file name.
pub(crate) const CATALOG_FILE: &str = "catalog.json";
/// The model checkpoint's directory name.
pub(crate) const MODEL_DIR: &str = "model";

/// `recommender.json`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Manifest {
    pub format_version: u32,
    pub config: RecommenderConfig,
    pub dataset: DatasetInfo,
}

/// `catalog.json`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CatalogFile {
    pub catalog: Catalog,
    /// Training interactions per item.
    pub train_counts: Vec<u32>,
    /// Pretrained text vectors, if the recommender uses them.
    pub text_vectors: Option<TextVectors>,
}

/// Per-item vectors in a serializable form.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct TextVectors {
    dim: usize,
    /// One entry per item; `None` for items without text.
    vectors: Vec<Option<Vec<f32>>>,
}

impl TextVectors {
    pub fn from_vectors(vectors: &ItemVectors) -> Self {
        Self {
            dim: vectors.dim(),
            vectors: (0..vectors.len() as ItemIdx)
                .map(|item| vectors.get(item).map(<[f32]>::to_vec))
                .collect(),
        }
    }

    pub fn into_vectors(self) -> Result<ItemVectors> {
        let mut out = ItemVectors::new(self.vectors.len(), self.dim)?;
        for (item, vector) in self.vectors.iter().enumerate() {
            if let Some(vector) = vector {
                out.set(item as ItemIdx, vector)?;
            }
        }
        Ok(out)
    }
}

/// Writes `value` as pretty JSON to `path`.
pub(crate) fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    let json = serde_json::to_vec_pretty(value)
        .map_err(|e| CoreError::format(path, format!("encoding: {e}")))?;
    std::fs::write(path, json).map_err(|source| CoreError::io(path, source))
}

/// Reads JSON from `path`.
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|source| CoreError::io(path, source))?;
    serde_json::from_slice(&bytes).map_err(|e| CoreError::format(path, format!("malformed: {e}")))
}

/// Reads the manifest of `dir`, checking its format version before anything else.
pub(crate) fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST_FILE);
    let value: serde_json::Value = read_json(&path)?;
    let version = value
        .get("format_version")
        .and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(FORMAT_VERSION)) {
        return Err(CoreError::format(
            &path,
            format!(
                "format version {}, this build reads version {FORMAT_VERSION}",
                version.map_or_else(|| "missing".to_owned(), |v| v.to_string())
            ),
        ));
    }
    serde_json::from_value(value).map_err(|e| CoreError::format(&path, format!("malformed: {e}")))
}

/// Reads `catalog.json` of `dir` and checks it against the manifest's figures.
pub(crate) fn read_catalog(dir: &Path, dataset: &DatasetInfo) -> Result<CatalogFile> {
    let path = dir.join(CATALOG_FILE);
    let mut file: CatalogFile = read_json(&path)?;
    file.catalog.rebuild_index();
    let items = file.catalog.len();
    let inconsistent = |what: String| Err(CoreError::format(&path, what));
    let catalog = &file.catalog;
    if let Some(raw) = catalog
        .ids()
        .names()
        .iter()
        .enumerate()
        .find(|&(item, raw)| catalog.lookup(raw).ok() != Some(item as ItemIdx))
        .map(|(_, raw)| raw)
    {
        return inconsistent(format!("the raw item id `{raw}` is listed twice"));
    }
    if items != dataset.items {
        return inconsistent(format!(
            "{items} items, the manifest says {}",
            dataset.items
        ));
    }
    if file.train_counts.len() != items {
        return inconsistent(format!(
            "{} training counts for {items} items",
            file.train_counts.len()
        ));
    }
    if let Some(vectors) = &file.text_vectors {
        if vectors.vectors.len() != items {
            return inconsistent(format!(
                "{} text vectors for {items} items",
                vectors.vectors.len()
            ));
        }
    }
    Ok(file)
}

/// The model directory inside a saved recommender.
pub(crate) fn model_dir(dir: &Path) -> PathBuf {
    dir.join(MODEL_DIR)
}
