//! The error type of the facade: its own failures, and those of every crate it composes.

use std::path::PathBuf;

/// Everything that can go wrong while building, training, evaluating, saving, loading or asking
/// a [`Recommender`](crate::Recommender).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A setting of [`RecommenderConfig`](crate::RecommenderConfig) or
    /// [`EvaluationOptions`](crate::EvaluationOptions) is out of range.
    #[error("invalid config `{field}`: {message}")]
    InvalidConfig {
        /// The offending field.
        field: &'static str,
        /// Why it is rejected.
        message: String,
    },
    /// An argument of a call is unusable (e.g. `k = 0`).
    #[error("invalid argument `{name}`: {message}")]
    InvalidArgument {
        /// The argument.
        name: &'static str,
        /// Why it is rejected.
        message: String,
    },
    /// A raw item id that the recommender's catalog does not hold.
    #[error("unknown item id `{0}`: it is not in the catalog the recommender was built on")]
    UnknownItem(String),
    /// The dataset handed to `fit` or `evaluate` is not the one the recommender was built on.
    #[error("dataset mismatch: {0}")]
    DatasetMismatch(String),
    /// A device name could not be parsed.
    #[error("unknown device `{0}` (expected `cpu`, `cuda` or `cuda:<index>`)")]
    UnknownDevice(String),
    /// CUDA was asked for, but this build has no CUDA backend.
    #[error(
        "CUDA device {0} requested, but instructrec was built without CUDA support: rebuild with \
         `--features cuda` (e.g. `cargo run --release --features cuda --example evaluate -- …`)"
    )]
    CudaNotCompiled(usize),
    /// The CUDA backend could not start on the requested device (no driver, no such GPU).
    #[error("CUDA device {index} is unavailable: {reason}")]
    CudaUnavailable {
        /// The device index asked for.
        index: usize,
        /// What the backend reported.
        reason: String,
    },
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A saved recommender is malformed, of another format version, or inconsistent.
    #[error("saved recommender {}: {message}", path.display())]
    Format {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A backend operation outside the other crates failed (e.g. reading a tensor back).
    #[error("backend: {0}")]
    Backend(String),
    /// Loading or preparing data failed.
    #[error(transparent)]
    Data(#[from] instructrec_data::DataError),
    /// Generating or tokenizing instructions failed.
    #[error(transparent)]
    Instruct(#[from] instructrec_instruct::InstructError),
    /// Computing metrics failed.
    #[error(transparent)]
    Metrics(#[from] instructrec_metrics::MetricsError),
    /// Building item features failed.
    #[error(transparent)]
    Fusion(#[from] instructrec_fusion::FusionError),
    /// Building, running, saving or loading the model failed.
    #[error(transparent)]
    Model(#[from] instructrec_model::ModelError),
    /// Training or evaluating failed.
    #[error(transparent)]
    Train(#[from] instructrec_train::TrainError),
}

/// Shorthand for results of this crate.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;

impl CoreError {
    /// An [`CoreError::InvalidConfig`] for `field`.
    pub(crate) fn config(field: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidConfig {
            field,
            message: message.into(),
        }
    }

    /// An [`CoreError::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// A [`CoreError::Format`] for `path`.
    pub(crate) fn format(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::Format {
            path: path.into(),
            message: message.into(),
        }
    }
}
