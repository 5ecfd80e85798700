//! The items a user must never be offered as a negative, and uniform sampling of the rest.

use rand::rngs::StdRng;

use crate::case::EvalCase;
use crate::error::MetricsError;

/// History ∪ targets of one case, sorted and deduplicated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TouchedItems {
    sorted: Vec<u32>,
}

impl TouchedItems {
    /// The touched items of a case (assumed validated against the catalog).
    pub(crate) fn of(case: &EvalCase<'_>) -> Self {
        let mut sorted: Vec<u32> = case.history.iter().chain(&case.targets).copied().collect();
        sorted.sort_unstable();
        sorted.dedup();
        Self { sorted }
    }

    pub(crate) fn contains(&self, item: u32) -> bool {
        self.sorted.binary_search(&item).is_ok()
    }

    /// `count` distinct items drawn uniformly from the catalog minus the touched items.
    ///
    /// Draws `count` distinct positions in the list of untouched items and maps each position to
    /// its item by walking the sorted touched list, so no catalog-sized buffer is built and no
    /// draw is rejected. The result is in ascending item order (callers shuffle).
    ///
    /// # Errors
    /// [`MetricsError::NotEnoughNegatives`] if fewer than `count` items are untouched.
    pub(crate) fn sample_untouched(
        &self,
        user: u32,
        num_items: u32,
        count: usize,
        rng: &mut StdRng,
    ) -> Result<Vec<u32>, MetricsError> {
        let available = (num_items as usize).saturating_sub(self.sorted.len());
        if count > available {
            return Err(MetricsError::NotEnoughNegatives {
                user,
                needed: count,
                available,
            });
        }
        let mut positions = rand::seq::index::sample(rng, available, count).into_vec();
        positions.sort_unstable();
        // The untouched item at position p is p + (number of touched items below it).
        let mut touched_below = 0;
        let items = positions
            .into_iter()
            .map(|position| {
                while touched_below < self.sorted.len()
                    && self.sorted[touched_below] as usize <= position + touched_below
                {
                    touched_below += 1;
                }
                (position + touched_below) as u32
            })
            .collect();
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn takes_every_untouched_item_when_asked_for_all() {
        let case = EvalCase::leave_one_out(3, vec![0, 4, 4, 7], 5);
        let touched = TouchedItems::of(&case);
        let mut rng = StdRng::seed_from_u64(1);
        // Catalog 0..9 minus {0, 4, 5, 7} = {1, 2, 3, 6, 8}.
        let all = touched.sample_untouched(3, 9, 5, &mut rng).unwrap();
        assert_eq!(all, vec![1, 2, 3, 6, 8]);
        assert!(matches!(
            touched.sample_untouched(3, 9, 6, &mut rng),
            Err(MetricsError::NotEnoughNegatives {
                user: 3,
                needed: 6,
                available: 5
            })
        ));
    }
}
