//! The popularity baseline: every user gets the most-interacted items.

use crate::case::EvalCase;
use crate::error::{BoxedError, MetricsError};
use crate::pointwise::{PointwiseScorer, UserItemPair};
use crate::scorer::Scorer;

/// Scores each item by its interaction count in the training data, the same for every user.
///
/// The reference baseline: a model that does not beat it under the same protocol has learned
/// nothing personal. Counts are stored as `f32`, exact up to 2^24 (16.7 M) interactions per item.
/// Popularity produces many ties among rarely seen items, which the pessimistic tie rule ranks
/// against it.
#[derive(Debug, Clone, PartialEq)]
pub struct PopularityScorer {
    counts: Vec<f32>,
}

impl PopularityScorer {
    /// From per-item counts; `counts.len()` is the catalog size.
    ///
    /// # Errors
    /// [`MetricsError::EmptyCatalog`] for no items.
    pub fn from_counts(counts: &[u64]) -> Result<Self, MetricsError> {
        if counts.is_empty() {
            return Err(MetricsError::EmptyCatalog);
        }
        Ok(Self {
            counts: counts.iter().map(|&count| count as f32).collect(),
        })
    }

    /// Counts the item ids of training interactions over a catalog of `num_items` items.
    ///
    /// # Errors
    /// [`MetricsError::EmptyCatalog`], [`MetricsError::ItemOutOfRange`].
    pub fn from_interactions(
        num_items: u32,
        items: impl IntoIterator<Item = u32>,
    ) -> Result<Self, MetricsError> {
        let mut counts = vec![0_u64; num_items as usize];
        for item in items {
            *counts
                .get_mut(item as usize)
                .ok_or(MetricsError::ItemOutOfRange { item, num_items })? += 1;
        }
        Self::from_counts(&counts)
    }

    /// Catalog size.
    pub fn num_items(&self) -> u32 {
        self.counts.len() as u32
    }

    /// Popularity score of one item.
    fn score(&self, item: u32) -> Result<f32, MetricsError> {
        self.counts
            .get(item as usize)
            .copied()
            .ok_or(MetricsError::ItemOutOfRange {
                item,
                num_items: self.num_items(),
            })
    }
}

impl Scorer for PopularityScorer {
    fn score_all(&mut self, cases: &[EvalCase<'_>]) -> Result<Vec<f32>, BoxedError> {
        Ok(self.counts.repeat(cases.len()))
    }

    /// Gathers counts directly instead of building full rows first.
    fn score_candidates(
        &mut self,
        _cases: &[EvalCase<'_>],
        candidates: &[Vec<u32>],
    ) -> Result<Vec<Vec<f32>>, BoxedError> {
        Ok(candidates
            .iter()
            .map(|items| items.iter().map(|&item| self.score(item)).collect())
            .collect::<Result<_, _>>()?)
    }
}

impl PointwiseScorer for PopularityScorer {
    fn score_pairs(&mut self, pairs: &[UserItemPair]) -> Result<Vec<f32>, BoxedError> {
        Ok(pairs
            .iter()
            .map(|pair| self.score(pair.item))
            .collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_interactions() {
        let mut scorer = PopularityScorer::from_interactions(3, [2, 0, 2]).unwrap();
        let cases = vec![EvalCase::leave_one_out(0, vec![], 1); 2];
        assert_eq!(
            scorer.score_all(&cases).unwrap(),
            vec![1.0, 0.0, 2.0, 1.0, 0.0, 2.0]
        );
        assert_eq!(
            scorer
                .score_candidates(&cases, &[vec![2, 1], vec![0]])
                .unwrap(),
            vec![vec![2.0, 0.0], vec![1.0]]
        );
        assert!(scorer
            .score_candidates(&cases, &[vec![3], vec![0]])
            .is_err());
    }

    #[test]
    fn rejects_bad_catalogs() {
        assert!(matches!(
            PopularityScorer::from_counts(&[]),
            Err(MetricsError::EmptyCatalog)
        ));
        assert!(matches!(
            PopularityScorer::from_interactions(2, [0, 2]),
            Err(MetricsError::ItemOutOfRange {
                item: 2,
                num_items: 2
            })
        ));
    }
}
