//! Running sums of per-user ranking metrics, turned into the report's means.

use std::collections::BTreeMap;

use crate::coverage::ItemCoverage;
use crate::error::MetricsError;
use crate::report::{COVERAGE, HIT_RATE, MAP, MRR, NDCG, RECALL};
use crate::target_ranks::TargetRanks;

/// Sums of HR, Recall, NDCG and MAP per cut-off and of reciprocal ranks, plus the coverage of the
/// top lists; O(num_items) memory whatever the number of users.
#[derive(Debug, Clone)]
pub(crate) struct RankingAccumulator {
    ks: Vec<usize>,
    /// Sums at `ks[i]`, same index.
    sums: Vec<CutoffSums>,
    reciprocal_rank_sum: f64,
    lists: usize,
    coverage: ItemCoverage,
}

impl RankingAccumulator {
    /// `ks` must be non-empty without zeros (checked by the evaluator).
    pub(crate) fn new(ks: &[usize], num_items: u32) -> Result<Self, MetricsError> {
        Ok(Self {
            ks: ks.to_vec(),
            sums: vec![CutoffSums::default(); ks.len()],
            reciprocal_rank_sum: 0.0,
            lists: 0,
            coverage: ItemCoverage::new(num_items)?,
        })
    }

    /// Adds one user's target ranks and top list (item ids, best first, at least `max k` long
    /// unless the ranked list is shorter).
    pub(crate) fn add(
        &mut self,
        ranks: &TargetRanks,
        top_items: &[u32],
    ) -> Result<(), MetricsError> {
        for (&k, sums) in self.ks.iter().zip(&mut self.sums) {
            sums.hit_rate += ranks.hit_rate_at(k)?;
            sums.recall += ranks.recall_at(k)?;
            sums.ndcg += ranks.ndcg_at(k)?;
            sums.average_precision += ranks.average_precision_at(k)?;
        }
        self.reciprocal_rank_sum += ranks.reciprocal_rank();
        self.coverage.add_top_list(top_items)?;
        self.lists += 1;
        Ok(())
    }

    /// Number of users added so far.
    pub(crate) fn lists(&self) -> usize {
        self.lists
    }

    /// Means over users, keyed as in [`EvalReport::metrics`](crate::EvalReport).
    pub(crate) fn finish(&self) -> Result<BTreeMap<String, f64>, MetricsError> {
        if self.lists == 0 {
            return Err(MetricsError::NothingToEvaluate { what: "cases" });
        }
        let users = self.lists as f64;
        let mut metrics = BTreeMap::new();
        for (&k, sums) in self.ks.iter().zip(&self.sums) {
            for (name, sum) in [
                (HIT_RATE, sums.hit_rate),
                (RECALL, sums.recall),
                (NDCG, sums.ndcg),
                (MAP, sums.average_precision),
            ] {
                metrics.insert(format!("{name}@{k}"), sum / users);
            }
            metrics.insert(format!("{COVERAGE}@{k}"), self.coverage.coverage_at(k)?);
        }
        metrics.insert(MRR.to_owned(), self.reciprocal_rank_sum / users);
        Ok(metrics)
    }
}

/// Per-user metric sums at one cut-off.
#[derive(Debug, Clone, Copy, Default)]
struct CutoffSums {
    hit_rate: f64,
    recall: f64,
    ndcg: f64,
    average_precision: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn averages_over_users() {
        let mut accumulator = RankingAccumulator::new(&[1, 3], 10).unwrap();
        // user A: target at rank 0, top list [4, 5, 6]; user B: target at rank 2, top [4, 7, 8].
        accumulator
            .add(&TargetRanks::new(vec![0]).unwrap(), &[4, 5, 6])
            .unwrap();
        accumulator
            .add(&TargetRanks::new(vec![2]).unwrap(), &[4, 7, 8])
            .unwrap();
        let metrics = accumulator.finish().unwrap();
        // HR@1 = (1 + 0) / 2; HR@3 = (1 + 1) / 2
        assert_relative_eq!(metrics["HR@1"], 0.5);
        assert_relative_eq!(metrics["HR@3"], 1.0);
        // NDCG@3 = (1 + 1/log2(4)) / 2 = 0.75
        assert_relative_eq!(metrics["NDCG@3"], 0.75);
        // MAP@3 = (1 + 1/3) / 2
        assert_relative_eq!(metrics["MAP@3"], 2.0 / 3.0);
        // MRR = (1 + 1/3) / 2
        assert_relative_eq!(metrics["MRR"], 2.0 / 3.0);
        // coverage@1 = |{4}| / 10; coverage@3 = |{4,5,6,7,8}| / 10
        assert_relative_eq!(metrics["coverage@1"], 0.1);
        assert_relative_eq!(metrics["coverage@3"], 0.5);
        assert_eq!(metrics.len(), 2 * 5 + 1);
    }

    #[test]
    fn no_users_is_an_error() {
        let accumulator = RankingAccumulator::new(&[1], 10).unwrap();
        assert!(matches!(
            accumulator.finish(),
            Err(MetricsError::NothingToEvaluate { what: "cases" })
        ));
    }
}
