//! Item coverage@K: the share of the catalog that appears in at least one top-K list.

use crate::error::MetricsError;

/// Accumulates top-K lists and answers coverage@k for every `k` up to the lists' length.
///
/// Keeps, per item, the best position at which it was recommended, so coverage for all cut-offs
/// comes from one pass over lists of length `max k` and O(num_items) memory.
///
/// ```
/// use instructrec_metrics::ItemCoverage;
/// let mut coverage = ItemCoverage::new(4)?;
/// coverage.add_top_list(&[2, 0])?;
/// coverage.add_top_list(&[2, 3])?;
/// assert_eq!(coverage.coverage_at(1)?, 0.25); // only item 2 was ever first
/// assert_eq!(coverage.coverage_at(2)?, 0.75); // items 0, 2, 3
/// # Ok::<(), instructrec_metrics::MetricsError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ItemCoverage {
    /// Best 0-based position per item; `usize::MAX` for never recommended.
    best_position: Vec<usize>,
}

impl ItemCoverage {
    /// Empty accumulator for a catalog of `num_items` items (ids `0..num_items`).
    pub fn new(num_items: u32) -> Result<Self, MetricsError> {
        if num_items == 0 {
            return Err(MetricsError::EmptyCatalog);
        }
        Ok(Self {
            best_position: vec![usize::MAX; num_items as usize],
        })
    }

    /// Records one ranked list of item ids, best first.
    ///
    /// # Errors
    /// [`MetricsError::ItemOutOfRange`] for an id outside the catalog (nothing is recorded then).
    pub fn add_top_list(&mut self, items: &[u32]) -> Result<(), MetricsError> {
        let num_items = self.best_position.len();
        if let Some(&item) = items.iter().find(|&&item| item as usize >= num_items) {
            return Err(MetricsError::ItemOutOfRange {
                item,
                num_items: num_items as u32,
            });
        }
        for (position, &item) in items.iter().enumerate() {
            let best = &mut self.best_position[item as usize];
            *best = (*best).min(position);
        }
        Ok(())
    }

    /// Fraction of the catalog recommended within the first `k` positions of any list.
    pub fn coverage_at(&self, k: usize) -> Result<f64, MetricsError> {
        if k == 0 {
            return Err(MetricsError::ZeroCutoff);
        }
        let covered = self
            .best_position
            .iter()
            .filter(|&&position| position < k)
            .count();
        Ok(covered as f64 / self.best_position.len() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_distinct_items_within_the_cutoff() {
        let mut coverage = ItemCoverage::new(10).unwrap();
        coverage.add_top_list(&[1, 2, 3]).unwrap();
        coverage.add_top_list(&[1, 4, 2]).unwrap();
        // @1: {1} → 1/10; @2: {1,2,4} → 3/10; @3: {1,2,3,4} → 4/10.
        assert_eq!(coverage.coverage_at(1).unwrap(), 0.1);
        assert_eq!(coverage.coverage_at(2).unwrap(), 0.3);
        assert_eq!(coverage.coverage_at(3).unwrap(), 0.4);
        assert_eq!(coverage.coverage_at(50).unwrap(), 0.4);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            ItemCoverage::new(0),
            Err(MetricsError::EmptyCatalog)
        ));
        let mut coverage = ItemCoverage::new(3).unwrap();
        assert!(matches!(
            coverage.add_top_list(&[0, 3]),
            Err(MetricsError::ItemOutOfRange {
                item: 3,
                num_items: 3
            })
        ));
        assert_eq!(coverage.coverage_at(5).unwrap(), 0.0);
        assert!(matches!(
            coverage.coverage_at(0),
            Err(MetricsError::ZeroCutoff)
        ));
    }
}
