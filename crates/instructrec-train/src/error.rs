//! The error type of the training crate.

use std::path::PathBuf;

/// Everything that can go wrong while preparing data for, running or resuming a training run.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A hyper-parameter is out of range or inconsistent with another.
    #[error("invalid config `{field}`: {message}")]
    InvalidConfig {
        /// The offending field.
        field: &'static str,
        /// Why it is rejected.
        message: String,
    },
    /// A file or directory of the run could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A JSON file of the run (state, config, metrics log) could not be read or written.
    #[error("{path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
    /// A checkpoint is missing, incomplete or does not match the run it is resumed into.
    #[error("checkpoint {path}: {message}")]
    Checkpoint {
        /// The run directory or checkpoint file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The data leave nothing to train or validate on.
    #[error("no training data: {0}")]
    NoData(String),
    /// The training loss became NaN or infinite.
    #[error("training diverged at epoch {epoch}, step {step}: loss is {loss}")]
    Diverged {
        /// 0-based epoch.
        epoch: usize,
        /// Global optimizer step.
        step: usize,
        /// The non-finite loss.
        loss: f64,
    },
    /// The threads of the training replicas could not be started.
    #[error("starting the threads of the training replicas: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
    /// The data crate failed (split, sampling).
    #[error(transparent)]
    Data(#[from] instructrec_data::DataError),
    /// The instruct crate failed (generating or tokenizing an instruction).
    #[error(transparent)]
    Instruct(#[from] instructrec_instruct::InstructError),
    /// The metrics crate failed (an evaluation).
    #[error(transparent)]
    Metrics(#[from] instructrec_metrics::MetricsError),
    /// The model crate failed (building, running, saving or loading the model).
    #[error(transparent)]
    Model(#[from] instructrec_model::ModelError),
}

/// Shorthand for results of this crate.
pub type Result<T, E = TrainError> = std::result::Result<T, E>;

impl TrainError {
    /// An [`TrainError::InvalidConfig`] for `field`.
    pub(crate) fn config(field: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidConfig {
            field,
            message: message.into(),
        }
    }

    /// An [`TrainError::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
