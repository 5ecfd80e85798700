//! The items each user has interacted with, for excluding them from negatives.

use crate::{DataError, Dataset, ItemIdx, Result, UserIdx};

/// Per user, the sorted distinct items the user interacted with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenItems {
    offsets: Vec<usize>,
    items: Vec<ItemIdx>,
}

impl SeenItems {
    /// Every item each user of `dataset` interacted with.
    pub fn from_dataset(dataset: &Dataset) -> Self {
        let mut offsets = Vec::with_capacity(dataset.num_users() + 1);
        let mut items = Vec::with_capacity(dataset.num_interactions());
        offsets.push(0);
        let mut user_items = Vec::new();
        for user in 0..dataset.num_users() {
            user_items.clear();
            user_items.extend_from_slice(dataset.sequence(user as UserIdx));
            user_items.sort_unstable();
            user_items.dedup();
            items.extend_from_slice(&user_items);
            offsets.push(items.len());
        }
        Self { offsets, items }
    }

    /// Number of users.
    pub fn num_users(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The user's items, sorted and distinct.
    pub fn of(&self, user: UserIdx) -> Result<&[ItemIdx]> {
        let user = user as usize;
        match (self.offsets.get(user), self.offsets.get(user + 1)) {
            (Some(&start), Some(&end)) => Ok(self.items.get(start..end).unwrap_or_default()),
            _ => Err(DataError::UnknownId {
                kind: "user",
                id: format!("#{user}"),
            }),
        }
    }

    /// Whether the user interacted with the item.
    pub fn contains(&self, user: UserIdx, item: ItemIdx) -> bool {
        self.of(user)
            .is_ok_and(|items| items.binary_search(&item).is_ok())
    }
}
