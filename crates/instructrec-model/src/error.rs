//! The error type of the model crate.

use std::path::PathBuf;

/// Everything that can go wrong while building, loading or running a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A hyper-parameter is out of range or inconsistent with another.
    #[error("invalid config `{field}`: {message}")]
    InvalidConfig {
        /// The offending field.
        field: &'static str,
        /// Why it is rejected.
        message: String,
    },
    /// An input tensor or list has the wrong shape or content.
    #[error("invalid input `{name}`: {message}")]
    InvalidInput {
        /// The input's name.
        name: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A pretrained model directory is incomplete or its weights do not fit its config.
    #[error("pretrained model {path}: {message}")]
    Pretrained {
        /// The directory or file.
        path: PathBuf,
        /// What is missing or mismatched.
        message: String,
    },
    /// A checkpoint does not match the model it is loaded into (version, config or shapes).
    #[error("checkpoint {path}: {message}")]
    Checkpoint {
        /// The checkpoint.
        path: PathBuf,
        /// What does not match.
        message: String,
    },
    /// The tokenizer failed.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// The item tower or its features rejected an input or a config.
    #[error("item tower: {0}")]
    Fusion(#[from] instructrec_fusion::FusionError),
}

/// Shorthand for results of this crate.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;
