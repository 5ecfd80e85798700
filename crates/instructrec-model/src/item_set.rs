//! The set of items one batch needs vectors for, and the row of each item in that set.

use burn::prelude::*;

use crate::{ModelError, Result};

const ABSENT: u32 = u32::MAX;

/// Distinct catalog items in the order they were first inserted; row `r` of an item table built
/// from [`ItemSet::ids`] holds the vector of item `ids()[r]`.
///
/// A training step inserts the history items, targets and negatives of a batch, encodes only
/// those items once, and every head and the query tower index that table by row. For inference
/// over the whole catalog, [`ItemSet::full`] makes rows equal to item ids.
#[derive(Debug, Clone)]
pub struct ItemSet {
    ids: Vec<u32>,
    row_of: Vec<u32>,
}

impl ItemSet {
    /// An empty set over a catalog of `num_items` items (ids `0..num_items`).
    pub fn new(num_items: usize) -> Self {
        Self {
            ids: Vec::new(),
            row_of: vec![ABSENT; num_items],
        }
    }

    /// The whole catalog: row `i` is item `i`.
    pub fn full(num_items: usize) -> Self {
        let ids: Vec<u32> = (0..num_items as u32).collect();
        Self {
            row_of: ids.clone(),
            ids,
        }
    }

    /// Number of items in the catalog this set draws from.
    pub fn num_items(&self) -> usize {
        self.row_of.len()
    }

    /// The items of the set, by row.
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }

    /// Number of items in the set.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The row of `item`, if it is in the set.
    pub fn row(&self, item: u32) -> Option<u32> {
        self.row_of
            .get(item as usize)
            .copied()
            .filter(|&row| row != ABSENT)
    }

    /// Adds `item` (if new) and returns its row. Errors if the id is outside the catalog.
    pub fn insert(&mut self, item: u32) -> Result<u32> {
        let num_items = self.row_of.len();
        let slot = self
            .row_of
            .get_mut(item as usize)
            .ok_or_else(|| ModelError::InvalidInput {
                name: "item",
                message: format!("item id {item} is outside the catalog of {num_items} items"),
            })?;
        if *slot == ABSENT {
            *slot = self.ids.len() as u32;
            self.ids.push(item);
        }
        Ok(*slot)
    }

    /// Adds every item and returns their rows, in order.
    pub fn insert_all(&mut self, items: &[u32]) -> Result<Vec<u32>> {
        items.iter().map(|&item| self.insert(item)).collect()
    }
}

/// Rows as an `Int` tensor, checking each is below `bound`.
///
/// # Shapes
/// - output: `[rows.len()]`
pub(crate) fn rows_tensor<B: Backend>(
    rows: &[u32],
    bound: usize,
    name: &'static str,
    device: &B::Device,
) -> Result<Tensor<B, 1, Int>> {
    if let Some(&bad) = rows.iter().find(|&&row| row as usize >= bound) {
        return Err(ModelError::InvalidInput {
            name,
            message: format!("row {bad} is outside a table of {bound} rows"),
        });
    }
    let data: Vec<i64> = rows.iter().map(|&row| i64::from(row)).collect();
    Ok(Tensor::from_data(
        TensorData::new(data, [rows.len()]),
        device,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_first_insertion_order_and_unique() {
        let mut set = ItemSet::new(10);
        assert_eq!(
            set.insert_all(&[7, 3, 7, 9, 3]).unwrap(),
            vec![0, 1, 0, 2, 1]
        );
        assert_eq!(set.ids(), &[7, 3, 9]);
        assert_eq!((set.row(9), set.row(4)), (Some(2), None));
        assert!(matches!(
            set.insert(10),
            Err(ModelError::InvalidInput { name: "item", .. })
        ));
        let full = ItemSet::full(4);
        assert_eq!(full.row(3), Some(3));
        assert_eq!(full.len(), 4);
    }
}
