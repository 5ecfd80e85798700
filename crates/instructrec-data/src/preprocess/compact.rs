//! Renumbering users and items densely after filtering, keeping their raw ids.

use crate::{Catalog, DataError, Dataset, DatasetBuilder, Interaction, Interner, Result};

/// Old → new dense indices of one id space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdRemap {
    new_of_old: Vec<Option<u32>>,
}

impl IdRemap {
    /// The new index of an old one; `None` when it was dropped or is out of range.
    pub fn new_index(&self, old: u32) -> Option<u32> {
        self.new_of_old.get(old as usize).copied().flatten()
    }

    /// Number of old indices.
    pub fn old_len(&self) -> usize {
        self.new_of_old.len()
    }

    /// Number of kept (new) indices.
    pub fn new_len(&self) -> usize {
        self.new_of_old.iter().flatten().count()
    }
}

/// A compacted dataset and the index maps that produced it (to carry per-item or per-user data,
/// such as precomputed vectors, over to the new indices).
#[derive(Debug, Clone)]
pub struct Compacted {
    /// The dataset with only users and items that have interactions, in their old order.
    pub dataset: Dataset,
    /// Old → new item indices.
    pub items: IdRemap,
    /// Old → new user indices.
    pub users: IdRemap,
}

/// Drops users and items without interactions and renumbers the rest `0..n` in their old order.
///
/// Raw ids, item content and the category vocabulary are kept. Note that catalog items nobody
/// interacted with (cold-start candidates) are dropped too: compact after filtering, not before
/// cold-start evaluation.
pub fn compact(dataset: &Dataset) -> Result<Compacted> {
    if dataset.num_interactions() == 0 {
        return Err(DataError::Empty(format!(
            "`{}` has no interaction to keep",
            dataset.name
        )));
    }
    let item_used: Vec<bool> = dataset.item_counts().iter().map(|&c| c > 0).collect();
    let user_used: Vec<bool> = (0..dataset.num_users() as u32)
        .map(|user| !dataset.sequence(user).is_empty())
        .collect();
    let items = remap(&item_used);
    let users = remap(&user_used);

    let old = &dataset.catalog;
    let mut catalog = Catalog::new();
    catalog.categories = old.categories.clone();
    for field in &old.numeric_fields {
        catalog.numeric_field(field);
    }
    let kept_items = old.ids().names().iter().zip(old.items()).zip(&item_used);
    for ((raw_id, content), _) in kept_items.filter(|(_, &used)| used) {
        let item = catalog.intern(raw_id);
        if let Some(slot) = catalog.get_mut(item) {
            *slot = content.clone();
        }
    }
    catalog.vector_dim = old.vector_dim;

    let mut user_ids = Interner::new();
    for (raw_id, _) in dataset
        .users()
        .names()
        .iter()
        .zip(&user_used)
        .filter(|(_, &used)| used)
    {
        user_ids.intern(raw_id);
    }

    let mut builder = DatasetBuilder::with_parts(dataset.name.clone(), catalog, user_ids);
    for interaction in dataset.interactions() {
        let (Some(user), Some(item)) = (
            users.new_index(interaction.user),
            items.new_index(interaction.item),
        ) else {
            continue;
        };
        builder.push(Interaction {
            user,
            item,
            rating: interaction.rating,
            timestamp: interaction.timestamp,
            review: interaction.review.cloned(),
        });
    }
    Ok(Compacted {
        dataset: builder.build(),
        items,
        users,
    })
}

fn remap(used: &[bool]) -> IdRemap {
    let mut next = 0u32;
    let new_of_old = used
        .iter()
        .map(|&used| {
            used.then(|| {
                next += 1;
                next - 1
            })
        })
        .collect();
    IdRemap { new_of_old }
}
