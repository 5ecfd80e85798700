//! The error type of the data crate.

use std::path::PathBuf;

/// Everything that can go wrong while loading or preparing a dataset.
///
/// Parse errors carry the file, the 1-based line and the field so a user can open the file at the
/// offending place.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Reading failed part-way through a file (e.g. a truncated `.gz`).
    #[error("{path}:{line}: reading failed (truncated or corrupt file?): {source}")]
    Read {
        /// The file that failed.
        path: PathBuf,
        /// 1-based number of the line being read when it failed.
        line: usize,
        /// The underlying I/O or decompression error.
        #[source]
        source: std::io::Error,
    },
    /// A line of an input file is malformed.
    #[error("{path}:{line}: field `{field}`: {message}")]
    Parse {
        /// The file holding the bad line.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The field (column) that could not be read.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The file has no usable header, or lacks a required column.
    #[error("{path}: {message}")]
    Schema {
        /// The file with the bad header.
        path: PathBuf,
        /// What is missing or wrong.
        message: String,
    },
    /// An id that the dataset does not know.
    #[error("unknown {kind} id `{id}`")]
    UnknownId {
        /// `"user"` or `"item"`.
        kind: &'static str,
        /// The id as given.
        id: String,
    },
    /// A parameter of a preprocessing step or sampler is out of range.
    #[error("invalid parameter `{name}`: {message}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// Why the value is rejected.
        message: String,
    },
    /// A user has interacted with (almost) every item a sampler can draw, leaving too few
    /// negatives.
    #[error(
        "user #{user} leaves only {available} items to sample as negatives, {requested} were asked for"
    )]
    NotEnoughNegatives {
        /// Dense index of the user.
        user: u32,
        /// Items the sampler could still draw for this user.
        available: usize,
        /// Distinct negatives asked for.
        requested: usize,
    },
    /// A step left nothing to work with (e.g. k-core filtering removed every user).
    #[error("empty dataset: {0}")]
    Empty(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = DataError> = std::result::Result<T, E>;
