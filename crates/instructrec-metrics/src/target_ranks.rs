//! Ranking metrics of one list, computed from the ranks of its relevant (target) items.

use serde::{Deserialize, Serialize};

use crate::duplicates::first_adjacent_duplicate;
use crate::error::MetricsError;

/// The 0-based ranks of the target items in one ranked list: sorted, distinct, never empty.
///
/// Build it with [`ranks_of_targets`](crate::ranks_of_targets) or
/// [`ranks_among_candidates`](crate::ranks_among_candidates), which apply the pessimistic tie
/// rule, or directly from known positions with [`TargetRanks::new`].
///
/// All metrics are in `[0, 1]`. Cut-offs `k` count list positions `0..k`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRanks {
    ranks: Vec<usize>,
}

impl TargetRanks {
    /// Wraps the ranks of the targets of one list (any order).
    ///
    /// # Errors
    /// [`MetricsError::EmptyTargets`] for no ranks, [`MetricsError::DuplicateRank`] if two targets
    /// claim the same position.
    pub fn new(mut ranks: Vec<usize>) -> Result<Self, MetricsError> {
        if ranks.is_empty() {
            return Err(MetricsError::EmptyTargets);
        }
        ranks.sort_unstable();
        if let Some(rank) = first_adjacent_duplicate(&ranks) {
            return Err(MetricsError::DuplicateRank { rank });
        }
        Ok(Self { ranks })
    }

    /// The ranks, ascending.
    pub fn ranks(&self) -> &[usize] {
        &self.ranks
    }

    /// Number of targets.
    pub fn num_targets(&self) -> usize {
        self.ranks.len()
    }

    /// Rank of the best-placed target.
    pub fn best_rank(&self) -> usize {
        self.ranks[0]
    }

    /// HR@k: 1 if any target is in the top `k`, else 0.
    pub fn hit_rate_at(&self, k: usize) -> Result<f64, MetricsError> {
        Ok(if self.hits_at(k)? > 0 { 1.0 } else { 0.0 })
    }

    /// Recall@k: fraction of the targets in the top `k` (equals HR@k for one target).
    pub fn recall_at(&self, k: usize) -> Result<f64, MetricsError> {
        Ok(self.hits_at(k)? as f64 / self.num_targets() as f64)
    }

    /// NDCG@k with binary relevance: `Σ 1/log2(rank + 2)` over targets in the top `k`, divided by
    /// the same sum for an ideal list with the `min(k, targets)` targets on top.
    pub fn ndcg_at(&self, k: usize) -> Result<f64, MetricsError> {
        let hits = self.hits_at(k)?;
        let dcg: f64 = self.ranks[..hits].iter().map(|&rank| discount(rank)).sum();
        let ideal: f64 = (0..k.min(self.num_targets())).map(discount).sum();
        Ok(dcg / ideal)
    }

    /// Reciprocal rank of the best-placed target, `1 / (rank + 1)`, over the whole list (no
    /// cut-off), so MRR distinguishes rank 25 from rank 2,500.
    pub fn reciprocal_rank(&self) -> f64 {
        1.0 / (self.best_rank() as f64 + 1.0)
    }

    /// AP@k: mean of precision@(rank+1) over the targets in the top `k`, normalized by
    /// `min(k, targets)` so a list that places every reachable target on top scores 1.
    pub fn average_precision_at(&self, k: usize) -> Result<f64, MetricsError> {
        let hits = self.hits_at(k)?;
        let precision_sum: f64 = self.ranks[..hits]
            .iter()
            .enumerate()
            .map(|(found_before, &rank)| (found_before + 1) as f64 / (rank + 1) as f64)
            .sum();
        Ok(precision_sum / k.min(self.num_targets()) as f64)
    }

    /// Number of targets in positions `0..k`.
    fn hits_at(&self, k: usize) -> Result<usize, MetricsError> {
        if k == 0 {
            return Err(MetricsError::ZeroCutoff);
        }
        Ok(self.ranks.partition_point(|&rank| rank < k))
    }
}

/// DCG gain of a relevant item at 0-based `rank`.
fn discount(rank: usize) -> f64 {
    1.0 / (rank as f64 + 2.0).log2()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn one_target_at_rank_two() {
        // Target at 0-based rank 2 (third place).
        let ranks = TargetRanks::new(vec![2]).unwrap();
        assert_eq!(ranks.hit_rate_at(1).unwrap(), 0.0);
        assert_eq!(ranks.hit_rate_at(2).unwrap(), 0.0);
        assert_eq!(ranks.hit_rate_at(3).unwrap(), 1.0);
        assert_eq!(ranks.recall_at(3).unwrap(), 1.0);
        // NDCG@5 = (1/log2(2+2)) / (1/log2(0+2)) = (1/2) / 1 = 0.5
        assert_relative_eq!(ranks.ndcg_at(5).unwrap(), 0.5);
        assert_eq!(ranks.ndcg_at(2).unwrap(), 0.0);
        // MRR = 1/(2+1)
        assert_relative_eq!(ranks.reciprocal_rank(), 1.0 / 3.0);
        // AP@5 = precision@3 / min(5,1) = (1/3) / 1
        assert_relative_eq!(ranks.average_precision_at(5).unwrap(), 1.0 / 3.0);
    }

    #[test]
    fn two_targets_at_ranks_zero_and_three() {
        let ranks = TargetRanks::new(vec![3, 0]).unwrap();
        assert_eq!(ranks.ranks(), &[0, 3]);
        // HR@1 = 1 (rank 0 is a hit); Recall@1 = 1/2; Recall@4 = 2/2.
        assert_eq!(ranks.hit_rate_at(1).unwrap(), 1.0);
        assert_relative_eq!(ranks.recall_at(1).unwrap(), 0.5);
        assert_relative_eq!(ranks.recall_at(4).unwrap(), 1.0);
        // NDCG@4: DCG = 1/log2(2) + 1/log2(5) = 1 + 0.430677 = 1.430677
        //         IDCG = 1/log2(2) + 1/log2(3) = 1 + 0.630930 = 1.630930
        //         NDCG = 1.430677 / 1.630930 = 0.877215
        assert_relative_eq!(ranks.ndcg_at(4).unwrap(), 0.877215, epsilon = 1e-6);
        // NDCG@1: DCG = 1, IDCG = 1 (min(1, 2) = 1 ideal slot) → 1.
        assert_relative_eq!(ranks.ndcg_at(1).unwrap(), 1.0);
        // AP@4 = (1/1 + 2/4) / min(4, 2) = 1.5 / 2 = 0.75
        assert_relative_eq!(ranks.average_precision_at(4).unwrap(), 0.75);
        // AP@2 = (1/1) / min(2, 2) = 0.5 (the second target is out of reach)
        assert_relative_eq!(ranks.average_precision_at(2).unwrap(), 0.5);
        assert_relative_eq!(ranks.reciprocal_rank(), 1.0);
    }

    #[test]
    fn bad_input_is_rejected() {
        assert!(matches!(
            TargetRanks::new(vec![]),
            Err(MetricsError::EmptyTargets)
        ));
        assert!(matches!(
            TargetRanks::new(vec![4, 1, 4]),
            Err(MetricsError::DuplicateRank { rank: 4 })
        ));
        let ranks = TargetRanks::new(vec![0]).unwrap();
        assert!(matches!(
            ranks.hit_rate_at(0),
            Err(MetricsError::ZeroCutoff)
        ));
        assert!(matches!(ranks.ndcg_at(0), Err(MetricsError::ZeroCutoff)));
        assert!(matches!(
            ranks.average_precision_at(0),
            Err(MetricsError::ZeroCutoff)
        ));
    }
}
