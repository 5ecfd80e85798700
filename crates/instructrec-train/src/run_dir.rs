//! The run directory: the state a crashed run resumes from, its checkpoints and its logs.
//!
//! ```text
//! <run_dir>/
//!   config.json              the TrainerConfig of the run
//!   state.json               RunState: epoch, step, seed, early stopping, history, checkpoint names
//!   metrics.jsonl            one EpochRecord per line
//!   checkpoints/epoch-0004/  model + optimizer after the last finished epoch (for resuming)
//!   checkpoints/best-0002/   the model of the best validation epoch
//! ```
//!
//! A checkpoint is written into a fresh directory named after its epoch; `state.json` is then
//! replaced atomically (write to a temporary file, rename) and only afterwards are the checkpoints
//! it no longer names deleted. A crash at any point leaves a `state.json` that names complete
//! checkpoints.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{EarlyStopping, EpochRecord, Result, TrainError};

/// Version of the `state.json` layout.
pub const RUN_STATE_VERSION: u32 = 1;

const STATE_FILE: &str = "state.json";
const CONFIG_FILE: &str = "config.json";
const METRICS_FILE: &str = "metrics.jsonl";
const CHECKPOINTS: &str = "checkpoints";

/// Everything besides tensors that a resumed run needs to continue exactly where it stopped.
///
/// Random streams are derived from `(seed, epoch)` at the start of every epoch, so the seed and
/// the epoch counter are the complete RNG state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    /// Layout version ([`RUN_STATE_VERSION`]).
    pub version: u32,
    /// Number of finished epochs (the next epoch to run).
    pub epochs_done: usize,
    /// Optimizer steps taken (the learning-rate schedule position).
    pub step: usize,
    /// The run's seed.
    pub seed: u64,
    /// Fingerprint of the prepared training examples; a resumed run must see the same data.
    pub data_fingerprint: u64,
    /// Early-stopping state after the last finished epoch.
    pub early_stopping: EarlyStopping,
    /// One record per finished epoch.
    pub history: Vec<EpochRecord>,
    /// Seconds spent in finished epochs, validation included.
    pub seconds: f64,
    /// Seconds spent in the training steps of finished epochs.
    pub train_seconds: f64,
    /// Training sequences processed in finished epochs.
    pub sequences: u64,
    /// Name of the checkpoint (under `checkpoints/`) holding the model and optimizer state.
    pub checkpoint: Option<String>,
    /// Name of the checkpoint holding the best model so far.
    pub best_checkpoint: Option<String>,
    /// Whether the run ended (early stopping or last epoch).
    pub finished: bool,
}

/// A run directory on disk.
#[derive(Debug, Clone)]
pub struct RunDir {
    root: PathBuf,
}

impl RunDir {
    /// Opens `root`, creating it (and `checkpoints/`) when missing.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        let checkpoints = root.join(CHECKPOINTS);
        std::fs::create_dir_all(&checkpoints).map_err(|e| TrainError::io(&checkpoints, e))?;
        Ok(Self { root })
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Path of the JSON-lines metrics log.
    pub fn metrics_path(&self) -> PathBuf {
        self.root.join(METRICS_FILE)
    }

    /// Path of the saved trainer config.
    pub fn config_path(&self) -> PathBuf {
        self.root.join(CONFIG_FILE)
    }

    /// Directory of the named checkpoint.
    pub fn checkpoint_path(&self, name: &str) -> PathBuf {
        self.root.join(CHECKPOINTS).join(name)
    }

    /// Name of the resume checkpoint written after `epoch`.
    pub fn epoch_checkpoint_name(epoch: usize) -> String {
        format!("epoch-{epoch:04}")
    }

    /// Name of the best-model checkpoint of `epoch`.
    pub fn best_checkpoint_name(epoch: usize) -> String {
        format!("best-{epoch:04}")
    }

    /// Creates (empty) the directory of a new checkpoint, replacing leftovers of a crashed write.
    pub fn fresh_checkpoint(&self, name: &str) -> Result<PathBuf> {
        let path = self.checkpoint_path(name);
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(|e| TrainError::io(&path, e))?;
        }
        std::fs::create_dir_all(&path).map_err(|e| TrainError::io(&path, e))?;
        Ok(path)
    }

    /// The committed state, or `None` for a new run.
    pub fn load_state(&self) -> Result<Option<RunState>> {
        let path = self.root.join(STATE_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(TrainError::io(&path, e)),
        };
        let state: RunState = serde_json::from_str(&text).map_err(|source| TrainError::Json {
            path: path.clone(),
            source,
        })?;
        if state.version != RUN_STATE_VERSION {
            return Err(TrainError::Checkpoint {
                path,
                message: format!(
                    "state version {} is not supported (expected {RUN_STATE_VERSION})",
                    state.version
                ),
            });
        }
        for name in state.checkpoint.iter().chain(&state.best_checkpoint) {
            let dir = self.checkpoint_path(name);
            if !dir.is_dir() {
                return Err(TrainError::Checkpoint {
                    path: dir,
                    message: "named by state.json but missing".to_owned(),
                });
            }
        }
        Ok(Some(state))
    }

    /// Atomically replaces `state.json`, then deletes checkpoints the new state no longer names.
    pub fn commit(&self, state: &RunState) -> Result<()> {
        let path = self.root.join(STATE_FILE);
        let json = serde_json::to_vec_pretty(state).map_err(|source| TrainError::Json {
            path: path.clone(),
            source,
        })?;
        write_atomically(&path, &json)?;
        self.remove_unreferenced(state)
    }

    /// Writes `bytes` to the run's config file (atomically).
    pub fn write_config(&self, bytes: &[u8]) -> Result<()> {
        write_atomically(&self.config_path(), bytes)
    }

    fn remove_unreferenced(&self, state: &RunState) -> Result<()> {
        let dir = self.root.join(CHECKPOINTS);
        let entries = std::fs::read_dir(&dir).map_err(|e| TrainError::io(&dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| TrainError::io(&dir, e))?;
            let name = entry.file_name();
            let keep = [&state.checkpoint, &state.best_checkpoint]
                .into_iter()
                .flatten()
                .any(|kept| name.to_str() == Some(kept.as_str()));
            if !keep {
                let path = entry.path();
                std::fs::remove_dir_all(&path).map_err(|e| TrainError::io(&path, e))?;
            }
        }
        Ok(())
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|e| TrainError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| TrainError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(epochs_done: usize) -> RunState {
        RunState {
            version: RUN_STATE_VERSION,
            epochs_done,
            step: epochs_done * 10,
            seed: 7,
            data_fingerprint: 42,
            early_stopping: EarlyStopping::new(3, 0.0),
            history: Vec::new(),
            seconds: 1.0,
            train_seconds: 0.5,
            sequences: 100,
            checkpoint: Some(RunDir::epoch_checkpoint_name(epochs_done - 1)),
            best_checkpoint: Some(RunDir::best_checkpoint_name(0)),
            finished: false,
        }
    }

    #[test]
    fn commit_round_trips_and_collects_stale_checkpoints() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunDir::open(tmp.path().join("run")).unwrap();
        assert_eq!(run.load_state().unwrap(), None);

        run.fresh_checkpoint("epoch-0000").unwrap();
        run.fresh_checkpoint("best-0000").unwrap();
        run.commit(&state(1)).unwrap();
        assert_eq!(run.load_state().unwrap(), Some(state(1)));

        let ckpt = run.fresh_checkpoint("epoch-0001").unwrap();
        std::fs::write(ckpt.join("model.bin"), b"x").unwrap();
        // A crash here leaves state(1), which still names complete checkpoints.
        assert_eq!(run.load_state().unwrap(), Some(state(1)));
        run.commit(&state(2)).unwrap();
        assert!(!run.checkpoint_path("epoch-0000").exists());
        assert!(run.checkpoint_path("epoch-0001").join("model.bin").exists());
        assert!(run.checkpoint_path("best-0000").exists());
    }

    #[test]
    fn broken_states_are_reported() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunDir::open(tmp.path()).unwrap();
        std::fs::write(tmp.path().join(STATE_FILE), "{").unwrap();
        assert!(matches!(run.load_state(), Err(TrainError::Json { .. })));

        run.fresh_checkpoint("best-0000").unwrap();
        run.fresh_checkpoint("epoch-0000").unwrap();
        run.commit(&state(1)).unwrap();
        std::fs::remove_dir_all(run.checkpoint_path("epoch-0000")).unwrap();
        assert!(matches!(
            run.load_state(),
            Err(TrainError::Checkpoint { .. })
        ));

        let mut future = state(1);
        future.version = 99;
        run.fresh_checkpoint("epoch-0000").unwrap();
        run.commit(&future).unwrap();
        assert!(matches!(
            run.load_state(),
            Err(TrainError::Checkpoint { .. })
        ));
    }
}
