//! Progress reporting: an indicatif bar on a terminal, plain log lines otherwise.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::EpochRecord;

/// Validation metrics shown in the epoch summary line (the metrics log keeps them all).
const SUMMARY_METRICS: [&str; 3] = ["HR@10", "NDCG@10", "MRR"];
/// The metric shown per task when several tasks are validated.
const PER_TASK_METRIC: &str = "NDCG@10";

/// Where and how training reports its progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProgressMode {
    /// A bar when stderr is a terminal, log lines otherwise.
    Auto,
    /// Always a bar on stderr.
    Bar,
    /// Log lines on stderr (every `log_every_steps` steps and once per epoch).
    Log,
    /// Nothing.
    Silent,
}

/// Reports the steps and epochs of one run on stderr.
#[derive(Debug)]
pub struct Progress {
    mode: ProgressMode,
    log_every_steps: usize,
    bar: Option<ProgressBar>,
    epoch: usize,
    max_epochs: usize,
    steps: usize,
    epoch_start: Instant,
}

impl Progress {
    /// A reporter in `mode` (`Auto` is resolved here) that logs every `log_every_steps` steps.
    pub fn new(mode: ProgressMode, log_every_steps: usize) -> Self {
        let mode = match mode {
            ProgressMode::Auto if std::io::stderr().is_terminal() => ProgressMode::Bar,
            ProgressMode::Auto => ProgressMode::Log,
            other => other,
        };
        Self {
            mode,
            log_every_steps: log_every_steps.max(1),
            bar: None,
            epoch: 0,
            max_epochs: 0,
            steps: 0,
            epoch_start: Instant::now(),
        }
    }

    /// The resolved mode (never `Auto`).
    pub fn mode(&self) -> ProgressMode {
        self.mode
    }

    /// Starts an epoch of `steps` steps over `sequences` training sequences.
    pub fn start_epoch(&mut self, epoch: usize, max_epochs: usize, steps: usize, sequences: usize) {
        self.epoch = epoch;
        self.max_epochs = max_epochs;
        self.steps = steps;
        self.epoch_start = Instant::now();
        if self.mode == ProgressMode::Bar {
            let bar =
                ProgressBar::with_draw_target(Some(sequences as u64), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{prefix} [{bar:30}] {pos}/{len} seq · {per_sec} · eta {eta} · {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(format!("epoch {}/{max_epochs}", epoch + 1));
            self.bar = Some(bar);
        }
    }

    /// Reports that `step` (0-based, within the epoch) finished after `sequences_done` sequences of
    /// the epoch; `loss` is the running mean loss when it was read back this step.
    pub fn step(&mut self, step: usize, sequences_done: usize, loss: Option<f64>) {
        match self.mode {
            ProgressMode::Bar => {
                if let Some(bar) = &self.bar {
                    bar.set_position(sequences_done as u64);
                    if let Some(loss) = loss {
                        bar.set_message(format!("loss {loss:.4}"));
                    }
                }
            }
            ProgressMode::Log if (step + 1) % self.log_every_steps == 0 => {
                let elapsed = self.epoch_start.elapsed();
                let rate = sequences_done as f64 / elapsed.as_secs_f64().max(1e-9);
                let eta = eta(elapsed, step + 1, self.steps);
                let loss = loss.map_or_else(String::new, |l| format!(" loss {l:.4}"));
                eprintln!(
                    "epoch {}/{} step {}/{}{loss} · {rate:.0} seq/s · eta {}s",
                    self.epoch + 1,
                    self.max_epochs,
                    step + 1,
                    self.steps,
                    eta.as_secs()
                );
            }
            _ => {}
        }
    }

    /// Ends the epoch with its summary line.
    pub fn finish_epoch(&mut self, record: &EpochRecord) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if self.mode == ProgressMode::Silent {
            return;
        }
        let val = SUMMARY_METRICS
            .iter()
            .filter_map(|&name| record.val.get(name).map(|v| format!("{name} {v:.4}")))
            .collect::<Vec<_>>()
            .join(" ");
        let val = if record.val_tasks.len() > 1 {
            let per_task = record
                .val_tasks
                .iter()
                .filter_map(|(task, metrics)| {
                    metrics
                        .get(PER_TASK_METRIC)
                        .map(|v| format!("{task} {v:.4}"))
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "{val} (mean of {} tasks; {PER_TASK_METRIC}: {per_task})",
                record.val_tasks.len()
            )
        } else {
            val
        };
        eprintln!(
            "epoch {}/{}: loss {:.4} · val {val} · lr {:.2e} · {:.1}s · {:.0} seq/s{}",
            record.epoch + 1,
            self.max_epochs,
            record.train_loss,
            record.lr,
            record.seconds,
            record.sequences_per_second,
            record
                .peak_rss_mb
                .map_or_else(String::new, |m| format!(" · peak RSS {m:.0} MiB")),
        );
    }

    /// Prints a free-form line (early stopping, checkpoint, final summary).
    pub fn note(&self, line: &str) {
        match (&self.bar, self.mode) {
            (_, ProgressMode::Silent) => {}
            (Some(bar), _) => bar.println(line),
            (None, _) => eprintln!("{line}"),
        }
    }
}

/// Remaining time if the remaining steps go as fast as the finished ones.
fn eta(elapsed: Duration, done: usize, total: usize) -> Duration {
    if done == 0 {
        return Duration::ZERO;
    }
    elapsed.mul_f64(total.saturating_sub(done) as f64 / done as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_extrapolates_the_step_rate() {
        assert_eq!(eta(Duration::from_secs(10), 5, 20), Duration::from_secs(30));
        assert_eq!(eta(Duration::from_secs(10), 0, 20), Duration::ZERO);
        assert_eq!(eta(Duration::from_secs(10), 20, 20), Duration::ZERO);
    }

    #[test]
    fn auto_resolves_to_a_concrete_mode() {
        assert_ne!(
            Progress::new(ProgressMode::Auto, 10).mode(),
            ProgressMode::Auto
        );
        assert_eq!(
            Progress::new(ProgressMode::Silent, 0).mode(),
            ProgressMode::Silent
        );
    }
}
