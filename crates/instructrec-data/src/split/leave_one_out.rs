//! Chronological leave-one-out.

use super::{Bounds, Split, SplitProtocol};
use crate::{DataError, Dataset, Result, UserIdx};

/// Users need this many interactions to give a training item, a validation and a test case.
const MIN_EVALUATED_LENGTH: usize = 3;

impl<'d> Split<'d> {
    /// Per user: last interaction test, second-to-last validation, the rest training. Users with
    /// fewer than 3 interactions keep them all for training (see
    /// [`Split::training_only_users`]). An error when no user can be evaluated.
    pub fn leave_one_out(dataset: &'d Dataset) -> Result<Self> {
        let bounds: Vec<Bounds> = (0..dataset.num_users())
            .map(|user| {
                let len = dataset.sequence(user as UserIdx).len();
                if len < MIN_EVALUATED_LENGTH {
                    Bounds {
                        train_end: len,
                        validation_end: len,
                    }
                } else {
                    Bounds {
                        train_end: len - 2,
                        validation_end: len - 1,
                    }
                }
            })
            .collect();
        if bounds.iter().all(|b| b.validation_end == b.train_end) {
            return Err(DataError::Empty(format!(
                "no user of `{}` has the {MIN_EVALUATED_LENGTH} interactions leave-one-out needs",
                dataset.name
            )));
        }
        Ok(Split {
            dataset,
            protocol: SplitProtocol::LeaveOneOut,
            bounds,
        })
    }
}
