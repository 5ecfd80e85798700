//! One evaluation case: a user, what they already touched, and the held-out targets.

use std::borrow::Cow;

use crate::duplicates::first_duplicate;
use crate::error::MetricsError;

/// A user to evaluate: the held-out `targets` and the `history` of items to exclude from the full
/// ranking and never to sample as negatives.
///
/// `history` borrows or owns (`&[u32]`, `&Vec<u32>` or `Vec<u32>` all convert), so cases can be
/// streamed from a dataset without copying every history. A history may repeat items and may
/// even contain a target (repeat consumption); the target is still ranked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalCase<'a> {
    /// User id, also used to seed this case's candidate sampling.
    pub user: u32,
    /// Items the user touched before the targets.
    pub history: Cow<'a, [u32]>,
    /// Held-out relevant items (one under leave-one-out).
    pub targets: Vec<u32>,
}

impl<'a> EvalCase<'a> {
    /// A case with any number of targets.
    pub fn new(user: u32, history: impl Into<Cow<'a, [u32]>>, targets: Vec<u32>) -> Self {
        Self {
            user,
            history: history.into(),
            targets,
        }
    }

    /// A leave-one-out case: one held-out target.
    pub fn leave_one_out(user: u32, history: impl Into<Cow<'a, [u32]>>, target: u32) -> Self {
        Self::new(user, history, vec![target])
    }

    /// Checks the case against a catalog of `num_items` items.
    ///
    /// # Errors
    /// [`MetricsError::EmptyTargets`], [`MetricsError::DuplicateTarget`] for a repeated target,
    /// [`MetricsError::ItemOutOfRange`] for a target or history item outside the catalog.
    pub fn validate(&self, num_items: u32) -> Result<(), MetricsError> {
        if self.targets.is_empty() {
            return Err(MetricsError::EmptyTargets);
        }
        if let Some(&item) = self
            .targets
            .iter()
            .chain(self.history.iter())
            .find(|&&item| item >= num_items)
        {
            return Err(MetricsError::ItemOutOfRange { item, num_items });
        }
        if let Some(item) = first_duplicate(&self.targets) {
            return Err(MetricsError::DuplicateTarget {
                target: item as usize,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_reports_the_offending_item() {
        let history = vec![1, 2, 2];
        assert!(EvalCase::leave_one_out(0, &history, 2).validate(5).is_ok());
        assert!(matches!(
            EvalCase::new(0, &history, vec![]).validate(5),
            Err(MetricsError::EmptyTargets)
        ));
        assert!(matches!(
            EvalCase::leave_one_out(0, &history, 5).validate(5),
            Err(MetricsError::ItemOutOfRange {
                item: 5,
                num_items: 5
            })
        ));
        assert!(matches!(
            EvalCase::leave_one_out(0, vec![9], 1).validate(5),
            Err(MetricsError::ItemOutOfRange { item: 9, .. })
        ));
        assert!(matches!(
            EvalCase::new(0, &history[..], vec![3, 4, 3]).validate(5),
            Err(MetricsError::DuplicateTarget { target: 3 })
        ));
    }
}
