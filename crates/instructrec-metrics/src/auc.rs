//! Area under the ROC curve for pointwise (yes/no) scores.

use crate::error::MetricsError;

/// AUC of `scores` against binary `labels`: the probability that a random positive scores above a
/// random negative.
///
/// A positive tied with a negative counts one half (mid-ranks, Mann–Whitney U). Unlike the rank
/// metrics, AUC is a symmetric pairwise probability: counting ties as losses would make a
/// constant scorer look anti-informative (AUC 0) instead of uninformative (0.5), so the standard
/// convention of scikit-learn and RecBole is kept. O(n log n).
///
/// # Errors
/// [`MetricsError::NothingToEvaluate`] for empty input, [`MetricsError::LengthMismatch`],
/// [`MetricsError::NanScore`], and [`MetricsError::SingleClass`] when only one label occurs.
pub fn auc(scores: &[f32], labels: &[bool]) -> Result<f64, MetricsError> {
    if scores.is_empty() {
        return Err(MetricsError::NothingToEvaluate { what: "scores" });
    }
    if labels.len() != scores.len() {
        return Err(MetricsError::LengthMismatch {
            what: "labels vs scores",
            expected: scores.len(),
            actual: labels.len(),
        });
    }
    if let Some(index) = scores.iter().position(|score| score.is_nan()) {
        return Err(MetricsError::NanScore { index });
    }
    let positives = labels.iter().filter(|&&label| label).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return Err(MetricsError::SingleClass {
            positives,
            negatives,
        });
    }

    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_unstable_by(|&a, &b| scores[a].total_cmp(&scores[b]));

    // Sum of the 1-based ascending mid-ranks of the positives.
    let mut positive_rank_sum = 0.0_f64;
    let mut group_start = 0;
    while group_start < order.len() {
        let group_score = scores[order[group_start]];
        let group_end = group_start
            + order[group_start..].partition_point(|&index| scores[index] == group_score);
        let mid_rank = (group_start + 1 + group_end) as f64 / 2.0;
        let group_positives = order[group_start..group_end]
            .iter()
            .filter(|&&index| labels[index])
            .count();
        positive_rank_sum += mid_rank * group_positives as f64;
        group_start = group_end;
    }

    let (positives, negatives) = (positives as f64, negatives as f64);
    let u_statistic = positive_rank_sum - positives * (positives + 1.0) / 2.0;
    Ok(u_statistic / (positives * negatives))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn hand_computed_with_a_tie() {
        // positives: 0.9, 0.4 ; negatives: 0.4, 0.1
        // pairs (pos, neg): (0.9,0.4)=1 (0.9,0.1)=1 (0.4,0.4)=½ (0.4,0.1)=1 → 3.5 / 4 = 0.875
        let scores = [0.9, 0.4, 0.4, 0.1];
        let labels = [true, true, false, false];
        assert_relative_eq!(auc(&scores, &labels).unwrap(), 0.875);
    }

    #[test]
    fn perfect_inverted_and_constant() {
        let labels = [true, false, true, false];
        assert_relative_eq!(auc(&[0.9, 0.1, 0.8, 0.2], &labels).unwrap(), 1.0);
        assert_relative_eq!(auc(&[0.1, 0.9, 0.2, 0.8], &labels).unwrap(), 0.0);
        assert_relative_eq!(auc(&[0.5; 4], &labels).unwrap(), 0.5);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            auc(&[], &[]),
            Err(MetricsError::NothingToEvaluate { .. })
        ));
        assert!(matches!(
            auc(&[0.1, 0.2], &[true]),
            Err(MetricsError::LengthMismatch { .. })
        ));
        assert!(matches!(
            auc(&[0.1, f32::NAN], &[true, false]),
            Err(MetricsError::NanScore { index: 1 })
        ));
        assert!(matches!(
            auc(&[0.1, 0.2], &[true, true]),
            Err(MetricsError::SingleClass {
                positives: 2,
                negatives: 0
            })
        ));
    }
}
