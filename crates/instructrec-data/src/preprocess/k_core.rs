//! Iterative k-core filtering of users and items.

use serde::{Deserialize, Serialize};

use crate::{DataError, Dataset, Result};

/// Keeps the largest part of the data in which every user has at least
/// `min_user_interactions` interactions and every item at least `min_item_interactions`
/// (removing a sparse item can make a user sparse and the other way round, so it iterates until
/// nothing changes). A threshold of 0 or 1 does not filter that side. Repeated interactions of a
/// user with an item each count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KCore {
    /// Minimum interactions per kept user.
    pub min_user_interactions: usize,
    /// Minimum interactions per kept item.
    pub min_item_interactions: usize,
}

/// The filtered dataset and what filtering did.
#[derive(Debug, Clone)]
pub struct KCoreOutcome {
    /// The k-core, with the input's ids (use [`compact`](super::compact) to renumber).
    pub dataset: Dataset,
    /// Passes over the data that removed something.
    pub rounds: usize,
    /// Interactions removed.
    pub removed_interactions: usize,
    /// Users with interactions after filtering.
    pub users_kept: usize,
    /// Items with interactions after filtering.
    pub items_kept: usize,
}

impl KCore {
    /// The same threshold `k` for users and items (the usual "k-core").
    pub fn symmetric(k: usize) -> Self {
        Self {
            min_user_interactions: k,
            min_item_interactions: k,
        }
    }

    /// Filters `dataset`; an error when nothing survives.
    pub fn apply(&self, dataset: &Dataset) -> Result<KCoreOutcome> {
        let pairs: Vec<(usize, usize)> = dataset
            .interactions()
            .map(|i| (i.user as usize, i.item as usize))
            .collect();
        let mut user_counts = vec![0usize; dataset.num_users()];
        let mut item_counts = vec![0usize; dataset.num_items()];
        for &(user, item) in &pairs {
            user_counts[user] += 1;
            item_counts[item] += 1;
        }
        let mut keep = vec![true; pairs.len()];
        let mut rounds = 0;
        loop {
            let mut removed_this_round = false;
            for (kept, &(user, item)) in keep.iter_mut().zip(&pairs) {
                if *kept
                    && (user_counts[user] < self.min_user_interactions
                        || item_counts[item] < self.min_item_interactions)
                {
                    *kept = false;
                    user_counts[user] -= 1;
                    item_counts[item] -= 1;
                    removed_this_round = true;
                }
            }
            if !removed_this_round {
                break;
            }
            rounds += 1;
        }
        let mut position = 0;
        let filtered = dataset.retain(|_| {
            let kept = keep.get(position).copied().unwrap_or(false);
            position += 1;
            kept
        });
        if filtered.num_interactions() == 0 {
            return Err(DataError::Empty(format!(
                "the {}-user / {}-item core of `{}` is empty",
                self.min_user_interactions, self.min_item_interactions, dataset.name
            )));
        }
        Ok(KCoreOutcome {
            removed_interactions: pairs.len() - filtered.num_interactions(),
            users_kept: user_counts.iter().filter(|&&c| c > 0).count(),
            items_kept: item_counts.iter().filter(|&&c| c > 0).count(),
            dataset: filtered,
            rounds,
        })
    }
}
