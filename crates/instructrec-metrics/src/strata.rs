//! Item strata for breaking a ranking evaluation down by the kind of target (e.g. head and
//! long-tail items, or items never seen in training).

use serde::{Deserialize, Serialize};

use crate::error::MetricsError;
use crate::report::EvalReport;

/// An assignment of every catalog item to one of a few labelled strata.
///
/// A case falls in the stratum of its target, or, with several targets, the lowest-numbered
/// stratum among them (with [`ItemStrata::by_count`], its rarest target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemStrata {
    labels: Vec<String>,
    /// Stratum index per item id.
    of_item: Vec<u16>,
}

impl ItemStrata {
    /// Strata by an item count (e.g. training interactions): `lower_bounds` are the ascending
    /// lower ends of the strata after the first, which starts at 0. `[1, 5, 20]` gives the
    /// strata `0`, `1–4`, `5–19` and `20+`.
    ///
    /// ```
    /// use instructrec_metrics::ItemStrata;
    /// let strata = ItemStrata::by_count(&[0, 3, 40, 7], &[1, 5, 20])?;
    /// assert_eq!(strata.labels(), ["0", "1–4", "5–19", "20+"]);
    /// assert_eq!(strata.of_item(2), Some(3));
    /// # Ok::<(), instructrec_metrics::MetricsError>(())
    /// ```
    ///
    /// # Errors
    /// [`MetricsError::InvalidParameter`] if the bounds are not strictly ascending, start at 0
    /// or make more strata than fit in a `u16`; [`MetricsError::EmptyCatalog`] for no items.
    pub fn by_count(counts: &[u32], lower_bounds: &[u32]) -> Result<Self, MetricsError> {
        if counts.is_empty() {
            return Err(MetricsError::EmptyCatalog);
        }
        let invalid = |message: String| MetricsError::InvalidParameter {
            name: "lower_bounds",
            message,
        };
        if lower_bounds.first() == Some(&0) {
            return Err(invalid(
                "the first stratum already starts at 0; list the bounds after it".into(),
            ));
        }
        if let Some(pair) = lower_bounds.windows(2).find(|pair| pair[0] >= pair[1]) {
            return Err(invalid(format!(
                "must be strictly ascending, got {} then {}",
                pair[0], pair[1]
            )));
        }
        if lower_bounds.len() >= usize::from(u16::MAX) {
            return Err(invalid(format!(
                "{} strata are too many",
                lower_bounds.len() + 1
            )));
        }
        let starts: Vec<u32> = std::iter::once(0)
            .chain(lower_bounds.iter().copied())
            .collect();
        let labels = starts
            .iter()
            .enumerate()
            .map(|(i, &start)| match starts.get(i + 1) {
                Some(&next) if next == start + 1 => start.to_string(),
                Some(&next) => format!("{start}–{}", next - 1),
                None => format!("{start}+"),
            })
            .collect();
        let of_item = counts
            .iter()
            // `partition_point` counts the bounds at or below the count: the stratum index.
            .map(|&count| lower_bounds.partition_point(|&bound| bound <= count) as u16)
            .collect();
        Ok(Self { labels, of_item })
    }

    /// The strata's labels, in index order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Number of strata.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no strata (never true for strata built by [`ItemStrata::by_count`]).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of items covered (ids `0..num_items`).
    pub fn num_items(&self) -> usize {
        self.of_item.len()
    }

    /// The stratum of one item; `None` outside the catalog.
    pub fn of_item(&self, item: u32) -> Option<usize> {
        self.of_item.get(item as usize).map(|&s| usize::from(s))
    }

    /// The stratum of a case with these targets: the lowest among them.
    pub(crate) fn of_targets(&self, targets: &[u32]) -> Option<usize> {
        targets.iter().filter_map(|&item| self.of_item(item)).min()
    }
}

/// One stratum of a [`StratifiedReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StratumReport {
    /// The stratum's label (e.g. `1–4`).
    pub label: String,
    /// The metrics over the stratum's cases; `None` if no case fell in it.
    pub report: Option<EvalReport>,
}

/// A ranking evaluation over all cases and broken down by [`ItemStrata`], from one scoring pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StratifiedReport {
    /// Every case.
    pub overall: EvalReport,
    /// The cases of each stratum, in stratum order.
    pub strata: Vec<StratumReport>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_fall_in_the_stratum_of_their_range() {
        let strata = ItemStrata::by_count(&[0, 1, 4, 5, 19, 20, 1000], &[1, 5, 20]).unwrap();
        let of: Vec<usize> = (0..7).map(|item| strata.of_item(item).unwrap()).collect();
        assert_eq!(of, [0, 1, 1, 2, 2, 3, 3]);
        assert_eq!(strata.of_item(7), None);
        assert_eq!(strata.of_targets(&[6, 2]), Some(1));
        assert_eq!(strata.num_items(), 7);
        assert_eq!(strata.len(), 4);
    }

    #[test]
    fn labels_name_single_values_ranges_and_the_open_end() {
        let strata = ItemStrata::by_count(&[3], &[1, 2, 10]).unwrap();
        assert_eq!(strata.labels(), ["0", "1", "2–9", "10+"]);
        assert_eq!(ItemStrata::by_count(&[3], &[]).unwrap().labels(), ["0+"]);
    }

    #[test]
    fn rejects_unordered_or_zero_bounds_and_empty_catalogs() {
        for bounds in [&[0u32, 5][..], &[5, 5], &[5, 3]] {
            assert!(
                matches!(
                    ItemStrata::by_count(&[1], bounds),
                    Err(MetricsError::InvalidParameter {
                        name: "lower_bounds",
                        ..
                    })
                ),
                "{bounds:?}"
            );
        }
        assert!(matches!(
            ItemStrata::by_count(&[], &[1]),
            Err(MetricsError::EmptyCatalog)
        ));
    }
}
