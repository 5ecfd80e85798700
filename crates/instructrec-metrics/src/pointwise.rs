//! Pointwise (yes/no) evaluation: AUC and GAUC of "does item X suit user U?" scores.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::auc::auc;
use crate::error::{BoxedError, MetricsError};
use crate::gauc::gauc;

/// One labelled impression: a user, an item, and whether the user actually liked it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointwiseCase {
    pub user: u32,
    pub item: u32,
    pub label: bool,
}

/// What a pointwise scorer sees of a case: the label is withheld so it cannot leak into scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserItemPair {
    pub user: u32,
    pub item: u32,
}

/// Scores (user, item) pairs, e.g. the logit of "yes" of a pointwise instruction head.
/// Higher = more likely "yes".
pub trait PointwiseScorer {
    /// One score per pair, in order.
    fn score_pairs(&mut self, pairs: &[UserItemPair]) -> Result<Vec<f32>, BoxedError>;
}

/// Streams pointwise cases through a [`PointwiseScorer`] in batches and reports AUC and GAUC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointwiseEvaluator {
    /// Cases scored per call to the scorer.
    pub batch_size: usize,
}

impl Default for PointwiseEvaluator {
    fn default() -> Self {
        Self { batch_size: 1024 }
    }
}

/// AUC over all impressions and GAUC over users.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PointwiseReport {
    /// Number of scored impressions.
    pub impressions: usize,
    /// AUC pooled over all impressions (ties count one half).
    pub auc: f64,
    /// Per-user AUC weighted by the user's number of impressions.
    pub gauc: f64,
    /// Users in the GAUC average.
    pub gauc_users: usize,
    /// Users left out of GAUC because all their impressions share one label.
    pub gauc_users_skipped: usize,
}

impl PointwiseEvaluator {
    /// Scores every case and computes AUC and GAUC. Only the scores, users and labels are kept
    /// (AUC needs all of them at once), never more than one batch of cases.
    ///
    /// # Errors
    /// [`MetricsError::ZeroBatchSize`], scorer failures, a score count that differs from the batch
    /// size, and the errors of [`auc`](crate::auc()) and [`gauc`](crate::gauc()).
    pub fn evaluate<S>(
        &self,
        scorer: &mut S,
        cases: impl IntoIterator<Item = PointwiseCase>,
    ) -> Result<PointwiseReport, MetricsError>
    where
        S: PointwiseScorer + ?Sized,
    {
        if self.batch_size == 0 {
            return Err(MetricsError::ZeroBatchSize);
        }
        let (mut users, mut scores, mut labels) = (Vec::new(), Vec::new(), Vec::new());
        let mut cases = cases.into_iter();
        let mut pairs = Vec::new();
        loop {
            pairs.clear();
            for case in cases.by_ref().take(self.batch_size) {
                pairs.push(UserItemPair {
                    user: case.user,
                    item: case.item,
                });
                users.push(case.user);
                labels.push(case.label);
            }
            if pairs.is_empty() {
                break;
            }
            let batch_scores = scorer.score_pairs(&pairs).map_err(MetricsError::Scorer)?;
            if batch_scores.len() != pairs.len() {
                return Err(MetricsError::LengthMismatch {
                    what: "score_pairs output (one score per pair)",
                    expected: pairs.len(),
                    actual: batch_scores.len(),
                });
            }
            scores.extend(batch_scores);
        }
        let pooled = auc(&scores, &labels)?;
        let grouped = gauc(&users, &scores, &labels)?;
        Ok(PointwiseReport {
            impressions: scores.len(),
            auc: pooled,
            gauc: grouped.value,
            gauc_users: grouped.users_evaluated,
            gauc_users_skipped: grouped.users_skipped,
        })
    }
}

impl fmt::Display for PointwiseReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "pointwise · {} impressions", self.impressions)?;
        writeln!(f, "{:<10}{:>9.4}", "AUC", self.auc)?;
        writeln!(
            f,
            "{:<10}{:>9.4}  ({} users, {} single-class users skipped)",
            "GAUC", self.gauc, self.gauc_users, self.gauc_users_skipped
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// Scores a pair by its item id; counts its calls to check batching.
    struct ItemId {
        calls: usize,
    }

    impl PointwiseScorer for ItemId {
        fn score_pairs(&mut self, pairs: &[UserItemPair]) -> Result<Vec<f32>, BoxedError> {
            self.calls += 1;
            Ok(pairs.iter().map(|pair| pair.item as f32).collect())
        }
    }

    fn case(user: u32, item: u32, label: bool) -> PointwiseCase {
        PointwiseCase { user, item, label }
    }

    #[test]
    fn streams_batches_and_reports_auc_and_gauc() {
        // user 0: items 5(+) 1(-)        → AUC 1
        // user 1: items 2(+) 3(-) 4(-)   → AUC 0
        // user 2: item 6(+)              → skipped
        // pooled: positives {5, 2, 6}, negatives {1, 3, 4}:
        //   5 beats 1,3,4 (3); 2 beats 1 (1); 6 beats all (3) → 7 / 9
        // GAUC = (2·1 + 3·0) / 5 = 0.4
        let cases = [
            case(0, 5, true),
            case(1, 2, true),
            case(0, 1, false),
            case(1, 3, false),
            case(2, 6, true),
            case(1, 4, false),
        ];
        let mut scorer = ItemId { calls: 0 };
        let report = PointwiseEvaluator { batch_size: 4 }
            .evaluate(&mut scorer, cases)
            .unwrap();
        assert_eq!(scorer.calls, 2);
        assert_eq!(report.impressions, 6);
        assert_relative_eq!(report.auc, 7.0 / 9.0);
        assert_relative_eq!(report.gauc, 0.4);
        assert_eq!((report.gauc_users, report.gauc_users_skipped), (2, 1));
        assert!(report.to_string().contains("GAUC         0.4000"));
    }

    #[test]
    fn rejects_bad_settings_and_output() {
        struct Short;
        impl PointwiseScorer for Short {
            fn score_pairs(&mut self, _: &[UserItemPair]) -> Result<Vec<f32>, BoxedError> {
                Ok(vec![0.5])
            }
        }
        let cases = [case(0, 1, true), case(0, 2, false)];
        assert!(matches!(
            PointwiseEvaluator { batch_size: 0 }.evaluate(&mut Short, cases),
            Err(MetricsError::ZeroBatchSize)
        ));
        assert!(matches!(
            PointwiseEvaluator::default().evaluate(&mut Short, cases),
            Err(MetricsError::LengthMismatch { .. })
        ));
        assert!(matches!(
            PointwiseEvaluator::default().evaluate(&mut ItemId { calls: 0 }, []),
            Err(MetricsError::NothingToEvaluate { .. })
        ));
    }
}
