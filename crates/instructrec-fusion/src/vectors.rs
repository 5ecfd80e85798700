//! Precomputed per-item vectors (image or text embeddings) and their text file format.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use instructrec_data::{Catalog, ItemIdx};

use crate::error::{ensure, FusionError, Result};

/// What [`ItemVectors::read`] does with a line whose id the catalog does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownItems {
    /// Fail with the line number.
    Error,
    /// Skip the line (e.g. a vector file covering a larger catalog than a k-core filtered one).
    Skip,
}

/// One optional vector of fixed length per catalog item.
///
/// # File format
///
/// UTF-8 text, one item per line: the item's raw id, then its vector's components, all separated
/// by whitespace (tabs or spaces):
///
/// ```text
/// # item_raw_id v1 v2 ... vd
/// B000035Y4P  0.12 -0.5 0.33
/// B00004SVYR  0.08  0.1 -0.2
/// ```
///
/// Blank lines and lines starting with `#` are skipped. Every vector has the length of the first
/// one; components must be finite; an id may appear once. Items of the catalog absent from the file
/// are *missing* (masked), not zero. Raw ids cannot contain whitespace.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemVectors {
    dim: usize,
    values: Vec<f32>,
    present: Vec<bool>,
}

impl ItemVectors {
    /// Vectors of length `dim` for `num_items` items, all missing.
    pub fn new(num_items: usize, dim: usize) -> Result<Self> {
        ensure(dim > 0, "vector_dim", || {
            "vectors need at least one component".to_owned()
        })?;
        Ok(Self {
            dim,
            values: vec![0.0; num_items * dim],
            present: vec![false; num_items],
        })
    }

    /// One vector per item, in item index order, all present (e.g. the output of a frozen text
    /// encoder run over [`ItemFeaturesConfig::item_text`](crate::ItemFeaturesConfig::item_text)).
    pub fn from_dense(vectors: Vec<Vec<f32>>) -> Result<Self> {
        let dim = vectors.first().map_or(0, Vec::len);
        let mut out = Self::new(vectors.len(), dim)?;
        for (item, vector) in vectors.iter().enumerate() {
            out.set(item as ItemIdx, vector)?;
        }
        Ok(out)
    }

    /// The catalog's own vectors ([`Item::vector`](instructrec_data::Item::vector)), if it has any.
    pub fn from_catalog(catalog: &Catalog) -> Result<Option<Self>> {
        let Some(dim) = catalog.vector_dim else {
            return Ok(None);
        };
        let mut out = Self::new(catalog.len(), dim)?;
        for (item, content) in catalog.items().iter().enumerate() {
            if let Some(vector) = &content.vector {
                out.set(item as ItemIdx, vector)?;
            }
        }
        Ok(Some(out))
    }

    /// Reads the [file format](ItemVectors#file-format) at `path`, mapping raw ids through `catalog`.
    pub fn load(path: impl AsRef<Path>, catalog: &Catalog, unknown: UnknownItems) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|source| FusionError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::read(BufReader::new(file), path, catalog, unknown)
    }

    /// Reads the [file format](ItemVectors#file-format) from `reader`; `path` only names the source in errors.
    pub fn read(
        reader: impl BufRead,
        path: &Path,
        catalog: &Catalog,
        unknown: UnknownItems,
    ) -> Result<Self> {
        let mut out: Option<Self> = None;
        let mut row = Vec::new();
        for (line_idx, line) in reader.lines().enumerate() {
            let line = line.map_err(|source| FusionError::Io {
                path: path.to_owned(),
                source,
            })?;
            let parse_error = |field: String, message: String| FusionError::Parse {
                path: path.to_owned(),
                line: line_idx + 1,
                field,
                message,
            };
            let mut fields = line.split_whitespace();
            let Some(raw_id) = fields.next().filter(|f| !f.starts_with('#')) else {
                continue;
            };
            row.clear();
            for (k, field) in fields.enumerate() {
                let value: f32 = field
                    .parse()
                    .map_err(|e| parse_error(format!("v{}", k + 1), format!("`{field}`: {e}")))?;
                if !value.is_finite() {
                    return Err(parse_error(format!("v{}", k + 1), "not finite".to_owned()));
                }
                row.push(value);
            }
            let vectors = match &mut out {
                Some(vectors) => vectors,
                None if row.is_empty() => {
                    return Err(parse_error(
                        "v1".to_owned(),
                        "the vector is empty".to_owned(),
                    ))
                }
                None => out.insert(Self::new(catalog.len(), row.len())?),
            };
            if row.len() != vectors.dim {
                return Err(parse_error(
                    "item_id".to_owned(),
                    format!(
                        "vector of `{raw_id}` has {} components, the first line's has {}",
                        row.len(),
                        vectors.dim
                    ),
                ));
            }
            let item = match catalog.lookup(raw_id) {
                Ok(item) => item,
                Err(_) if unknown == UnknownItems::Skip => continue,
                Err(_) => {
                    return Err(parse_error(
                        "item_id".to_owned(),
                        format!("`{raw_id}` is not in the catalog"),
                    ))
                }
            };
            if vectors.get(item).is_some() {
                return Err(parse_error(
                    "item_id".to_owned(),
                    format!("`{raw_id}` appears twice"),
                ));
            }
            vectors.set(item, &row)?;
        }
        out.ok_or_else(|| FusionError::Parse {
            path: PathBuf::from(path),
            line: 0,
            field: "item_id".to_owned(),
            message: "the file holds no vector".to_owned(),
        })
    }

    /// Sets (or replaces) the vector of `item`.
    pub fn set(&mut self, item: ItemIdx, vector: &[f32]) -> Result<()> {
        let num_items = self.len();
        let Some(present) = self.present.get_mut(item as usize) else {
            return Err(FusionError::UnknownItem { item, num_items });
        };
        if vector.len() != self.dim {
            return Err(FusionError::Length {
                what: format!("vector of item {item}"),
                expected: self.dim,
                found: vector.len(),
            });
        }
        if let Some(&value) = vector.iter().find(|v| !v.is_finite()) {
            return Err(FusionError::NonFinite {
                what: format!("a component of the vector of item {item}"),
                value,
            });
        }
        let start = item as usize * self.dim;
        self.values[start..start + self.dim].copy_from_slice(vector);
        *present = true;
        Ok(())
    }

    /// The vector of `item`, if it has one.
    pub fn get(&self, item: ItemIdx) -> Option<&[f32]> {
        let i = item as usize;
        (*self.present.get(i)?).then(|| &self.values[i * self.dim..(i + 1) * self.dim])
    }

    /// Length of every vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of items (with or without a vector).
    pub fn len(&self) -> usize {
        self.present.len()
    }

    /// Whether there is no item.
    pub fn is_empty(&self) -> bool {
        self.present.is_empty()
    }

    /// Number of items that have a vector.
    pub fn num_present(&self) -> usize {
        self.present.iter().filter(|&&p| p).count()
    }

    /// Row-major values `[items.len(), dim]` (zeros where missing) and the missing flags of
    /// in-range `items`.
    pub(crate) fn gather(&self, items: &[ItemIdx]) -> (Vec<f32>, Vec<bool>) {
        let mut values = Vec::with_capacity(items.len() * self.dim);
        let mut missing = Vec::with_capacity(items.len());
        for &item in items {
            let i = item as usize;
            values.extend_from_slice(&self.values[i * self.dim..(i + 1) * self.dim]);
            missing.push(!self.present[i]);
        }
        (values, missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        let mut catalog = Catalog::new();
        for id in ["a", "b", "c"] {
            catalog.intern(id);
        }
        catalog
    }

    fn read(text: &str, unknown: UnknownItems) -> Result<ItemVectors> {
        ItemVectors::read(text.as_bytes(), Path::new("vec.txt"), &catalog(), unknown)
    }

    #[test]
    fn reads_vectors_and_marks_absent_items_missing() {
        let v = read("# header\n\na\t1 2\nc 3.5  -4\n", UnknownItems::Error).unwrap();
        assert_eq!(v.dim(), 2);
        assert_eq!(v.len(), 3);
        assert_eq!(v.get(0), Some(&[1.0, 2.0][..]));
        assert_eq!(v.get(1), None);
        assert_eq!(v.get(2), Some(&[3.5, -4.0][..]));
        assert_eq!(v.num_present(), 2);
    }

    #[test]
    fn unknown_ids_fail_or_are_skipped() {
        let err = read("a 1\nzz 2\n", UnknownItems::Error).unwrap_err();
        assert!(matches!(err, FusionError::Parse { line: 2, .. }), "{err}");
        let v = read("a 1\nzz 2\n", UnknownItems::Skip).unwrap();
        assert_eq!(v.num_present(), 1);
    }

    #[test]
    fn malformed_lines_report_their_line_and_field() {
        let cases = [
            ("a 1 2\nb 1\n", 2, "item_id"),
            ("a 1 x\n", 1, "v2"),
            ("a 1\nb NaN\n", 2, "v1"),
            ("a\n", 1, "v1"),
            ("a 1\na 2\n", 2, "item_id"),
        ];
        for (text, want_line, want_field) in cases {
            match read(text, UnknownItems::Error) {
                Err(FusionError::Parse { line, field, .. }) => {
                    assert_eq!((line, field.as_str()), (want_line, want_field), "{text:?}")
                }
                other => panic!("{text:?}: expected a parse error, got {other:?}"),
            }
        }
        assert!(read("# nothing\n", UnknownItems::Error).is_err());
    }

    #[test]
    fn dense_vectors_are_checked() {
        let v = ItemVectors::from_dense(vec![vec![1.0, 2.0], vec![3.0, 4.0]]).unwrap();
        assert_eq!(
            v.gather(&[1, 0]),
            (vec![3.0, 4.0, 1.0, 2.0], vec![false, false])
        );
        assert!(ItemVectors::from_dense(vec![vec![1.0, 2.0], vec![3.0]]).is_err());
        assert!(ItemVectors::from_dense(vec![vec![f32::NAN]]).is_err());
        assert!(ItemVectors::from_dense(vec![]).is_err());
        let mut v = ItemVectors::new(2, 1).unwrap();
        assert!(matches!(
            v.set(5, &[1.0]),
            Err(FusionError::UnknownItem { item: 5, .. })
        ));
    }

    #[test]
    fn load_reports_missing_files() {
        let err = ItemVectors::load("/nonexistent/vectors.txt", &catalog(), UnknownItems::Error)
            .unwrap_err();
        assert!(matches!(err, FusionError::Io { .. }), "{err}");
    }
}
