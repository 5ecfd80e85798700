//! The error type of the fusion crate.

use std::path::PathBuf;

/// Everything that can go wrong while preparing item features or building an item tower.
#[derive(Debug, thiserror::Error)]
pub enum FusionError {
    /// A batch or the catalog asked for an item index the features do not hold.
    #[error("unknown item index {item} (the features hold {num_items} items)")]
    UnknownItem {
        /// The offending dense item index.
        item: u32,
        /// Number of items in the features.
        num_items: usize,
    },
    /// A batch of items was empty.
    #[error("empty batch: at least one item is needed")]
    EmptyBatch,
    /// A vector does not have the expected length.
    #[error("{what}: expected length {expected}, found {found}")]
    Length {
        /// What the vector is (e.g. "text vector of item 3").
        what: String,
        /// The expected length.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A numeric value is NaN or infinite.
    #[error("{what} is not finite ({value})")]
    NonFinite {
        /// Where the value sits (e.g. "item 4, numeric field `year`").
        what: String,
        /// The value itself.
        value: f32,
    },
    /// The caller's tokenizer produced the reserved padding id 0 for an item's text.
    #[error(
        "the tokenizer produced token id 0 for item {item}; id 0 is reserved for padding \
         (configure the tokenizer so that its padding token has id 0)"
    )]
    ReservedToken {
        /// The item whose text produced the id.
        item: u32,
    },
    /// An item refers to a category the catalog's vocabulary does not hold.
    #[error("item {item} refers to category {category}, the catalog has {num_categories}")]
    UnknownCategory {
        /// The item.
        item: u32,
        /// The category index.
        category: u32,
        /// Size of the category vocabulary.
        num_categories: usize,
    },
    /// A hyper-parameter is out of range or inconsistent with the others.
    #[error("invalid config `{name}`: {message}")]
    InvalidConfig {
        /// The parameter's name.
        name: &'static str,
        /// Why the value is rejected.
        message: String,
    },
    /// Features do not fit the tower (or the tower's inputs) they are used with.
    #[error("incompatible features: {0}")]
    Incompatible(String),
    /// A vector file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A line of a vector file is malformed.
    #[error("{path}:{line}: field `{field}`: {message}")]
    Parse {
        /// The file holding the bad line.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The field that could not be read (`item_id` or `v<k>`, 1-based).
        field: String,
        /// What is wrong with it.
        message: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = FusionError> = std::result::Result<T, E>;

/// Checks a hyper-parameter, producing [`FusionError::InvalidConfig`] when `ok` is false.
pub(crate) fn ensure(ok: bool, name: &'static str, message: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(FusionError::InvalidConfig {
            name,
            message: message(),
        })
    }
}

/// Checks that a probability lies in `[0, 1]` (`[0, 1)` when `one_allowed` is false).
pub(crate) fn ensure_probability(name: &'static str, p: f64, one_allowed: bool) -> Result<()> {
    let ok = p.is_finite() && p >= 0.0 && if one_allowed { p <= 1.0 } else { p < 1.0 };
    ensure(ok, name, || {
        let range = if one_allowed { "[0, 1]" } else { "[0, 1)" };
        format!("{p} is not a probability in {range}")
    })
}
