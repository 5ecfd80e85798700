//! The per-epoch record of a run and its JSON-lines log (`metrics.jsonl` in the run directory).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use instructrec_instruct::TaskKind;
use serde::{Deserialize, Serialize};

use crate::{Result, TrainError};

/// What one epoch did: one line of `metrics.jsonl`, one entry of `TrainOutcome::history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 0-based epoch.
    pub epoch: usize,
    /// Mean training loss over the epoch's steps.
    pub train_loss: f64,
    /// Validation metrics by name, as the metrics crate reports them (`"HR@10"`, `"NDCG@10"`,
    /// `"MRR"`, …): the mean over the validated tasks, which early stopping watches.
    pub val: BTreeMap<String, f64>,
    /// Validation metrics of each validated task.
    #[serde(default)]
    pub val_tasks: BTreeMap<TaskKind, BTreeMap<String, f64>>,
    /// Learning rate of the epoch's last step.
    pub lr: f64,
    /// Wall-clock seconds of the epoch, validation included.
    pub seconds: f64,
    /// Training sequences per second (validation excluded).
    pub sequences_per_second: f64,
    /// Peak resident memory of the process so far, in MiB (`None` off Linux).
    pub peak_rss_mb: Option<f64>,
}

/// Appends [`EpochRecord`]s to a JSON-lines file, one flushed line per epoch.
#[derive(Debug)]
pub struct MetricsLog {
    path: PathBuf,
    file: BufWriter<File>,
}

impl MetricsLog {
    /// Opens `path`, replacing its content by `history` (so a resumed run's log matches its state
    /// even if the interrupted run wrote a line its checkpoint never recorded).
    pub fn create(path: &Path, history: &[EpochRecord]) -> Result<Self> {
        let file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(path)
            .map_err(|e| TrainError::io(path, e))?;
        let mut log = Self {
            path: path.to_owned(),
            file: BufWriter::new(file),
        };
        for record in history {
            log.append(record)?;
        }
        Ok(log)
    }

    /// Writes one record as a line and flushes it.
    pub fn append(&mut self, record: &EpochRecord) -> Result<()> {
        serde_json::to_writer(&mut self.file, record).map_err(|source| TrainError::Json {
            path: self.path.clone(),
            source,
        })?;
        self.file
            .write_all(b"\n")
            .and_then(|()| self.file.flush())
            .map_err(|e| TrainError::io(&self.path, e))
    }

    /// Reads every record of a log written by [`MetricsLog`].
    pub fn read(path: &Path) -> Result<Vec<EpochRecord>> {
        let text = std::fs::read_to_string(path).map_err(|e| TrainError::io(path, e))?;
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                serde_json::from_str(line).map_err(|source| TrainError::Json {
                    path: path.to_owned(),
                    source,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(epoch: usize) -> EpochRecord {
        EpochRecord {
            epoch,
            train_loss: 1.5 - epoch as f64 * 0.1,
            val: BTreeMap::from([("NDCG@10".to_owned(), 0.1 * epoch as f64)]),
            val_tasks: BTreeMap::from([(
                TaskKind::Sequential,
                BTreeMap::from([("NDCG@10".to_owned(), 0.1 * epoch as f64)]),
            )]),
            lr: 1e-3,
            seconds: 2.0,
            sequences_per_second: 100.0,
            peak_rss_mb: Some(12.5),
        }
    }

    #[test]
    fn writes_one_json_line_per_epoch_and_rewrites_history() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.jsonl");
        let mut log = MetricsLog::create(&path, &[]).unwrap();
        for epoch in 0..3 {
            log.append(&record(epoch)).unwrap();
        }
        drop(log);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert!(text.lines().next().unwrap().contains("\"NDCG@10\":0.0"));
        assert_eq!(MetricsLog::read(&path).unwrap()[2], record(2));

        // Re-creating from a shorter history drops the extra line.
        let log = MetricsLog::create(&path, &[record(0)]).unwrap();
        drop(log);
        assert_eq!(MetricsLog::read(&path).unwrap(), vec![record(0)]);
    }

    #[test]
    fn unreadable_paths_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no/such/dir/metrics.jsonl");
        assert!(matches!(
            MetricsLog::create(&missing, &[]),
            Err(TrainError::Io { .. })
        ));
        std::fs::write(dir.path().join("bad.jsonl"), "{not json}\n").unwrap();
        assert!(matches!(
            MetricsLog::read(&dir.path().join("bad.jsonl")),
            Err(TrainError::Json { .. })
        ));
    }
}
