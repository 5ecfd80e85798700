//! Learning-rate schedules: linear warmup, then constant, linear or cosine decay.
//!
//! The learning rate is a pure function of the optimizer step, so resuming a run only needs the
//! step counter (persisted in the run state) to continue on exactly the same curve.

use burn::config::Config;
use serde::{Deserialize, Serialize};

use crate::{Result, TrainError};

/// How the learning rate falls after warmup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decay {
    /// Stay at the peak learning rate.
    Constant,
    /// Fall linearly from the peak to `min_lr_ratio × peak` at the last step.
    Linear,
    /// Follow half a cosine from the peak to `min_lr_ratio × peak` at the last step.
    Cosine,
}

/// Configuration of a [`LrSchedule`].
#[derive(Config, Debug, PartialEq)]
pub struct LrScheduleConfig {
    /// Peak learning rate, reached at the end of warmup.
    #[config(default = 1e-3)]
    pub peak_lr: f64,
    /// Fraction of all optimizer steps spent warming up linearly from `peak_lr / warmup_steps`.
    #[config(default = 0.02)]
    pub warmup_ratio: f64,
    /// Shape of the decay after warmup.
    #[config(default = "Decay::Cosine")]
    pub decay: Decay,
    /// Final learning rate as a fraction of the peak (for `Linear` and `Cosine`).
    #[config(default = 0.05)]
    pub min_lr_ratio: f64,
}

impl LrScheduleConfig {
    /// Checks the ranges of every field.
    pub fn validate(&self) -> Result<()> {
        if !(self.peak_lr.is_finite() && self.peak_lr > 0.0) {
            return Err(TrainError::config(
                "peak_lr",
                format!("must be positive and finite, got {}", self.peak_lr),
            ));
        }
        if !(0.0..1.0).contains(&self.warmup_ratio) {
            return Err(TrainError::config(
                "warmup_ratio",
                format!("must lie in [0, 1), got {}", self.warmup_ratio),
            ));
        }
        if !(0.0..=1.0).contains(&self.min_lr_ratio) {
            return Err(TrainError::config(
                "min_lr_ratio",
                format!("must lie in [0, 1], got {}", self.min_lr_ratio),
            ));
        }
        Ok(())
    }

    /// The schedule for a run of `total_steps` optimizer steps.
    pub fn init(&self, total_steps: usize) -> Result<LrSchedule> {
        self.validate()?;
        if total_steps == 0 {
            return Err(TrainError::config(
                "total_steps",
                "a schedule needs at least one step",
            ));
        }
        let warmup_steps = (self.warmup_ratio * total_steps as f64).round() as usize;
        Ok(LrSchedule {
            peak_lr: self.peak_lr,
            min_lr: self.peak_lr * self.min_lr_ratio,
            warmup_steps: warmup_steps.min(total_steps - 1),
            total_steps,
            decay: self.decay,
        })
    }
}

/// A learning-rate schedule over a fixed number of optimizer steps.
#[derive(Debug, Clone, PartialEq)]
pub struct LrSchedule {
    peak_lr: f64,
    min_lr: f64,
    warmup_steps: usize,
    total_steps: usize,
    decay: Decay,
}

impl LrSchedule {
    /// The learning rate of the 0-based optimizer `step` (steps past the end keep the last rate).
    pub fn lr(&self, step: usize) -> f64 {
        if step < self.warmup_steps {
            return self.peak_lr * (step + 1) as f64 / self.warmup_steps as f64;
        }
        let span = self.total_steps - self.warmup_steps;
        let progress = if span <= 1 {
            1.0
        } else {
            ((step - self.warmup_steps) as f64 / (span - 1) as f64).min(1.0)
        };
        let fraction_left = match self.decay {
            Decay::Constant => return self.peak_lr,
            Decay::Linear => 1.0 - progress,
            Decay::Cosine => 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()),
        };
        self.min_lr + (self.peak_lr - self.min_lr) * fraction_left
    }

    /// Number of warmup steps.
    pub fn warmup_steps(&self) -> usize {
        self.warmup_steps
    }

    /// Number of steps the schedule spans.
    pub fn total_steps(&self) -> usize {
        self.total_steps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(decay: Decay) -> LrSchedule {
        LrScheduleConfig::new()
            .with_peak_lr(1.0)
            .with_warmup_ratio(0.1)
            .with_min_lr_ratio(0.0)
            .with_decay(decay)
            .init(100)
            .unwrap()
    }

    #[test]
    fn warmup_rises_linearly_to_the_peak() {
        let s = schedule(Decay::Cosine);
        assert_eq!(s.warmup_steps(), 10);
        assert!((s.lr(0) - 0.1).abs() < 1e-12);
        assert!((s.lr(4) - 0.5).abs() < 1e-12);
        assert!((s.lr(9) - 1.0).abs() < 1e-12);
        assert!((s.lr(10) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn decays_reach_the_floor_at_the_last_step() {
        for decay in [Decay::Linear, Decay::Cosine] {
            let s = schedule(decay);
            assert!(s.lr(99).abs() < 1e-12, "{decay:?}");
            assert!(s.lr(500).abs() < 1e-12, "{decay:?}");
            let mid = s.lr(10 + 45);
            assert!((mid - 0.5).abs() < 0.02, "{decay:?} midpoint {mid}");
            // Monotone after warmup.
            assert!((10..99).all(|t| s.lr(t + 1) <= s.lr(t)), "{decay:?}");
        }
        // Cosine stays above linear in the first half.
        assert!(schedule(Decay::Cosine).lr(30) > schedule(Decay::Linear).lr(30));
        assert_eq!(schedule(Decay::Constant).lr(99), 1.0);
    }

    #[test]
    fn min_lr_ratio_sets_the_floor() {
        let s = LrScheduleConfig::new()
            .with_peak_lr(0.01)
            .with_warmup_ratio(0.0)
            .with_min_lr_ratio(0.1)
            .init(11)
            .unwrap();
        assert!((s.lr(0) - 0.01).abs() < 1e-12);
        assert!((s.lr(10) - 0.001).abs() < 1e-12);
    }

    #[test]
    fn bad_values_are_rejected() {
        let bad = [
            LrScheduleConfig::new().with_peak_lr(0.0),
            LrScheduleConfig::new().with_peak_lr(f64::NAN),
            LrScheduleConfig::new().with_warmup_ratio(1.0),
            LrScheduleConfig::new().with_min_lr_ratio(1.5),
        ];
        for config in bad {
            assert!(matches!(
                config.init(10),
                Err(TrainError::InvalidConfig { .. })
            ));
        }
        assert!(LrScheduleConfig::new().init(0).is_err());
    }
}
