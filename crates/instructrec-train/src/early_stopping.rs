//! Early stopping on a validation metric (higher is better) with patience.

use serde::{Deserialize, Serialize};

/// What [`EarlyStopping::update`] concluded from one validation result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The metric improved: keep this epoch's model as the best.
    Improved,
    /// No improvement, but patience is not yet exhausted.
    Wait,
    /// No improvement for `patience` epochs in a row: stop training.
    Stop,
}

/// Tracks the best validation metric and how many epochs passed without improving it.
///
/// The whole state is serializable so a resumed run stops exactly where an uninterrupted one would.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EarlyStopping {
    patience: usize,
    min_delta: f64,
    best: Option<f64>,
    best_epoch: Option<usize>,
    epochs_without_improvement: usize,
}

impl EarlyStopping {
    /// Stops after `patience` epochs without an improvement larger than `min_delta`.
    pub fn new(patience: usize, min_delta: f64) -> Self {
        Self {
            patience,
            min_delta,
            best: None,
            best_epoch: None,
            epochs_without_improvement: 0,
        }
    }

    /// Records the metric of `epoch`; a NaN metric never counts as an improvement.
    pub fn update(&mut self, epoch: usize, metric: f64) -> Verdict {
        let improved = match self.best {
            None => !metric.is_nan(),
            Some(best) => metric > best + self.min_delta,
        };
        if improved {
            self.best = Some(metric);
            self.best_epoch = Some(epoch);
            self.epochs_without_improvement = 0;
            return Verdict::Improved;
        }
        self.epochs_without_improvement += 1;
        if self.epochs_without_improvement >= self.patience {
            Verdict::Stop
        } else {
            Verdict::Wait
        }
    }

    /// The best metric so far.
    pub fn best(&self) -> Option<f64> {
        self.best
    }

    /// The epoch of the best metric.
    pub fn best_epoch(&self) -> Option<usize> {
        self.best_epoch
    }

    /// Whether patience is exhausted.
    pub fn should_stop(&self) -> bool {
        self.best.is_some() && self.epochs_without_improvement >= self.patience
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_after_patience_epochs_without_improvement() {
        let mut es = EarlyStopping::new(2, 0.0);
        assert_eq!(es.update(0, 0.10), Verdict::Improved);
        assert_eq!(es.update(1, 0.20), Verdict::Improved);
        assert_eq!(es.update(2, 0.20), Verdict::Wait);
        assert!(!es.should_stop());
        assert_eq!(es.update(3, 0.25), Verdict::Improved);
        assert_eq!(es.update(4, 0.24), Verdict::Wait);
        assert_eq!(es.update(5, 0.10), Verdict::Stop);
        assert!(es.should_stop());
        assert_eq!(es.best(), Some(0.25));
        assert_eq!(es.best_epoch(), Some(3));
    }

    #[test]
    fn min_delta_and_nan_do_not_count_as_improvement() {
        let mut es = EarlyStopping::new(3, 0.01);
        assert_eq!(es.update(0, f64::NAN), Verdict::Wait);
        assert_eq!(es.best(), None);
        assert_eq!(es.update(1, 0.5), Verdict::Improved);
        assert_eq!(es.update(2, 0.505), Verdict::Wait);
        assert_eq!(es.update(3, f64::NAN), Verdict::Wait);
        assert_eq!(es.update(4, 0.52), Verdict::Improved);
    }

    #[test]
    fn state_round_trips_through_json() {
        let mut es = EarlyStopping::new(4, 0.0);
        es.update(0, 0.3);
        es.update(1, 0.2);
        let json = serde_json::to_string(&es).unwrap();
        let back: EarlyStopping = serde_json::from_str(&json).unwrap();
        assert_eq!(back, es);
    }
}
