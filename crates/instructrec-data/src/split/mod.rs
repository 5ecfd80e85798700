//! Train / validation / test splits, and the evaluation cases they define.
//!
//! A split never copies interactions: it keeps, per user, where training ends and where
//! validation ends in the user's time-ordered sequence. Every position after training is one
//! evaluation case `(user, history, target)` whose history is everything the user did before the
//! target, so a test case's history includes the user's validation items, as in the SASRec and
//! RecBole protocols.

mod leave_one_out;
mod ratio;

use std::fmt;

use crate::{Dataset, ItemIdx, UserIdx};

pub use ratio::SplitRatios;

/// Which held-out part of a split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Model selection and early stopping.
    Validation,
    /// Final figures.
    Test,
}

/// How a split was made; its `Display` states the protocol for reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SplitProtocol {
    /// Per user, last item test, second-to-last validation, rest training.
    LeaveOneOut,
    /// One time cut for everybody: the earliest interactions train, the latest test.
    GlobalTime(SplitRatios),
    /// Per user, the earliest part of each sequence trains, the latest tests.
    PerUserRatio(SplitRatios),
}

impl fmt::Display for SplitProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitProtocol::LeaveOneOut => f.write_str("chronological leave-one-out per user"),
            SplitProtocol::GlobalTime(ratios) => {
                write!(f, "global chronological split {ratios}")
            }
            SplitProtocol::PerUserRatio(ratios) => {
                write!(f, "per-user chronological split {ratios}")
            }
        }
    }
}

/// One evaluation case: predict `target` for `user` from `history` (oldest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalCase<'d> {
    /// The user.
    pub user: UserIdx,
    /// Everything the user interacted with before the target, oldest first (never empty).
    pub history: &'d [ItemIdx],
    /// The held-out item.
    pub target: ItemIdx,
}

/// Counts of a split, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SplitSummary {
    /// Interactions in the training part.
    pub train_interactions: usize,
    /// Validation cases.
    pub validation_cases: usize,
    /// Test cases.
    pub test_cases: usize,
    /// Users with interactions but no evaluation case (all their data trains).
    pub training_only_users: usize,
    /// Held-out interactions that are not cases because the user had no earlier interaction.
    pub targets_without_history: usize,
}

/// Where one user's training and validation parts end in their sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Bounds {
    train_end: usize,
    validation_end: usize,
}

/// A split of a borrowed dataset; see the module docs.
#[derive(Debug, Clone)]
pub struct Split<'d> {
    dataset: &'d Dataset,
    protocol: SplitProtocol,
    bounds: Vec<Bounds>,
}

impl<'d> Split<'d> {
    /// The split dataset.
    pub fn dataset(&self) -> &'d Dataset {
        self.dataset
    }

    /// How the split was made.
    pub fn protocol(&self) -> SplitProtocol {
        self.protocol
    }

    fn bounds(&self, user: UserIdx) -> Bounds {
        self.bounds.get(user as usize).copied().unwrap_or(Bounds {
            train_end: 0,
            validation_end: 0,
        })
    }

    /// Number of the user's interactions in the training part (a prefix of the sequence, so
    /// `dataset.ratings(user)[..n]` are the training ratings). 0 for an unknown user.
    pub fn train_len(&self, user: UserIdx) -> usize {
        self.bounds(user).train_end
    }

    /// The user's training items, oldest first.
    pub fn train_sequence(&self, user: UserIdx) -> &'d [ItemIdx] {
        let sequence = self.dataset.sequence(user);
        sequence.get(..self.train_len(user)).unwrap_or(sequence)
    }

    /// The evaluation cases of `stage`, by user then time.
    pub fn cases(&self, stage: Stage) -> impl Iterator<Item = EvalCase<'d>> + '_ {
        let dataset = self.dataset;
        self.bounds
            .iter()
            .enumerate()
            .flat_map(move |(user, bounds)| {
                let user = user as UserIdx;
                let sequence = dataset.sequence(user);
                let positions = match stage {
                    Stage::Validation => bounds.train_end..bounds.validation_end,
                    Stage::Test => bounds.validation_end..sequence.len(),
                };
                positions.filter_map(move |position| {
                    Some(EvalCase {
                        user,
                        history: sequence.get(..position).filter(|h| !h.is_empty())?,
                        target: *sequence.get(position)?,
                    })
                })
            })
    }

    /// Users with interactions but no evaluation case.
    pub fn training_only_users(&self) -> impl Iterator<Item = UserIdx> + '_ {
        self.bounds.iter().enumerate().filter_map(|(user, bounds)| {
            let len = self.dataset.sequence(user as UserIdx).len();
            (len > 0 && bounds.train_end == len).then_some(user as UserIdx)
        })
    }

    /// Counts of the split.
    pub fn summary(&self) -> SplitSummary {
        let mut summary = SplitSummary {
            training_only_users: self.training_only_users().count(),
            validation_cases: self.cases(Stage::Validation).count(),
            test_cases: self.cases(Stage::Test).count(),
            ..SplitSummary::default()
        };
        for (user, bounds) in self.bounds.iter().enumerate() {
            let len = self.dataset.sequence(user as UserIdx).len();
            summary.train_interactions += bounds.train_end;
            if bounds.train_end == 0 && len > 0 {
                summary.targets_without_history += 1;
            }
        }
        summary
    }
}
