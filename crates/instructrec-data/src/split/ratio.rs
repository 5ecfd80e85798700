//! Ratio splits, by global time or per user.

use std::fmt;

use super::{Bounds, Split, SplitProtocol, Stage};
use crate::{DataError, Dataset, Result, UserIdx};

/// Shares of the data for training and validation; the rest is the test share.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplitRatios {
    /// Share of training data, in (0, 1).
    pub train: f64,
    /// Share of validation data, in [0, 1 - train).
    pub validation: f64,
}

impl Default for SplitRatios {
    /// 80 / 10 / 10.
    fn default() -> Self {
        Self {
            train: 0.8,
            validation: 0.1,
        }
    }
}

impl fmt::Display for SplitRatios {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.0}/{:.0}/{:.0}",
            self.train * 100.0,
            self.validation * 100.0,
            self.test() * 100.0
        )
    }
}

impl SplitRatios {
    /// The test share.
    pub fn test(&self) -> f64 {
        1.0 - self.train - self.validation
    }

    /// Checks that the shares are finite, training is positive and something is left to test.
    pub fn validate(&self) -> Result<()> {
        let invalid = |name, message: String| Err(DataError::InvalidParameter { name, message });
        if !(self.train.is_finite() && self.train > 0.0 && self.train < 1.0) {
            return invalid("train", format!("must be in (0, 1), got {}", self.train));
        }
        if !(self.validation.is_finite() && self.validation >= 0.0) {
            return invalid(
                "validation",
                format!("must be a share ≥ 0, got {}", self.validation),
            );
        }
        if self.test() <= 0.0 {
            return invalid(
                "validation",
                format!(
                    "train {} + validation {} leave nothing to test",
                    self.train, self.validation
                ),
            );
        }
        Ok(())
    }
}

/// `floor(len × share)`, where a product within rounding error of an integer counts as that
/// integer (10 × (1 − 0.8 − 0.1) is 0.999…98 in floating point, and means 1).
fn share_of(len: usize, share: f64) -> usize {
    const ROUNDING_SLACK: f64 = 1e-9;
    (len as f64 * share + ROUNDING_SLACK).floor() as usize
}

impl<'d> Split<'d> {
    /// One time cut for all users: the earliest `train` share of all interactions trains, the
    /// next `validation` share validates, the rest tests. Interactions at a cut time fall on the
    /// later side. For formats without time (SASRec), "time" is the file's line order.
    pub fn global_time(dataset: &'d Dataset, ratios: SplitRatios) -> Result<Self> {
        ratios.validate()?;
        let mut times: Vec<i64> = (0..dataset.num_users())
            .flat_map(|user| dataset.timestamps(user as UserIdx).iter().copied())
            .collect();
        times.sort_unstable();
        let cut = |share: f64| {
            let index = share_of(times.len(), share);
            times.get(index.min(times.len().saturating_sub(1))).copied()
        };
        let (Some(train_cut), Some(validation_cut)) =
            (cut(ratios.train), cut(ratios.train + ratios.validation))
        else {
            return Err(empty(dataset));
        };
        let bounds = (0..dataset.num_users())
            .map(|user| {
                let times = dataset.timestamps(user as UserIdx);
                Bounds {
                    train_end: times.partition_point(|&t| t < train_cut),
                    validation_end: times.partition_point(|&t| t < validation_cut),
                }
            })
            .collect();
        checked(Split {
            dataset,
            protocol: SplitProtocol::GlobalTime(ratios),
            bounds,
        })
    }

    /// Per user: the earliest part of each sequence trains, then `validation` and the test share
    /// (each rounded down, so short sequences train only; training keeps at least one item).
    pub fn per_user_ratio(dataset: &'d Dataset, ratios: SplitRatios) -> Result<Self> {
        ratios.validate()?;
        let bounds = (0..dataset.num_users())
            .map(|user| {
                let len = dataset.sequence(user as UserIdx).len();
                let validation = share_of(len, ratios.validation);
                // The floors keep training non-empty in exact arithmetic; the `min`s keep it so
                // under rounding too.
                let held_out =
                    (share_of(len, ratios.test()) + validation).min(len.saturating_sub(1));
                let train_end = len - held_out;
                Bounds {
                    train_end,
                    validation_end: train_end + validation.min(held_out),
                }
            })
            .collect();
        checked(Split {
            dataset,
            protocol: SplitProtocol::PerUserRatio(ratios),
            bounds,
        })
    }
}

fn empty(dataset: &Dataset) -> DataError {
    DataError::Empty(format!("`{}` has no interaction to split", dataset.name))
}

/// The split, or an error when it has no test case.
fn checked(split: Split<'_>) -> Result<Split<'_>> {
    if split.cases(Stage::Test).next().is_none() {
        return Err(DataError::Empty(format!(
            "the {} of `{}` has no test case",
            split.protocol, split.dataset.name
        )));
    }
    Ok(split)
}
