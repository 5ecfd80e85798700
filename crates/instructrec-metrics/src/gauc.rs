//! Group AUC: per-user AUC averaged with impression weights.

use serde::{Deserialize, Serialize};

use crate::auc::auc;
use crate::error::MetricsError;

/// Result of [`gauc`]: the value and how many users it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Gauc {
    /// Σ_u impressions_u · AUC_u / Σ_u impressions_u over the users with both classes.
    pub value: f64,
    /// Users whose AUC entered the average.
    pub users_evaluated: usize,
    /// Users skipped because all their impressions are positive or all negative (AUC undefined).
    pub users_skipped: usize,
}

/// GAUC: the AUC of each user's impressions, weighted by the user's number of impressions.
///
/// AUC pooled over all users mostly measures whether popular items outscore unpopular ones;
/// GAUC asks whether each user's positives outscore *that user's* negatives. Users with a single
/// class are skipped and counted in [`Gauc::users_skipped`].
///
/// # Errors
/// [`MetricsError::NothingToEvaluate`], [`MetricsError::LengthMismatch`],
/// [`MetricsError::NanScore`], and [`MetricsError::NoUserWithBothClasses`].
pub fn gauc(users: &[u32], scores: &[f32], labels: &[bool]) -> Result<Gauc, MetricsError> {
    if users.is_empty() {
        return Err(MetricsError::NothingToEvaluate {
            what: "impressions",
        });
    }
    for (what, len) in [
        ("scores vs users", scores.len()),
        ("labels vs users", labels.len()),
    ] {
        if len != users.len() {
            return Err(MetricsError::LengthMismatch {
                what,
                expected: users.len(),
                actual: len,
            });
        }
    }
    if let Some(index) = scores.iter().position(|score| score.is_nan()) {
        return Err(MetricsError::NanScore { index });
    }

    let mut order: Vec<usize> = (0..users.len()).collect();
    order.sort_by_key(|&index| users[index]);

    let (mut weighted_sum, mut weight) = (0.0_f64, 0.0_f64);
    let (mut users_evaluated, mut users_skipped) = (0, 0);
    let (mut user_scores, mut user_labels) = (Vec::new(), Vec::new());
    for group in order.chunk_by(|&a, &b| users[a] == users[b]) {
        user_scores.clear();
        user_labels.clear();
        user_scores.extend(group.iter().map(|&index| scores[index]));
        user_labels.extend(group.iter().map(|&index| labels[index]));
        match auc(&user_scores, &user_labels) {
            Ok(user_auc) => {
                weighted_sum += group.len() as f64 * user_auc;
                weight += group.len() as f64;
                users_evaluated += 1;
            }
            Err(MetricsError::SingleClass { .. }) => users_skipped += 1,
            Err(other) => return Err(other),
        }
    }
    if users_evaluated == 0 {
        return Err(MetricsError::NoUserWithBothClasses { users_skipped });
    }
    Ok(Gauc {
        value: weighted_sum / weight,
        users_evaluated,
        users_skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn weights_users_by_impressions_and_skips_single_class_users() {
        // user 7: scores 0.9(+) 0.2(-) 0.5(-)        → AUC 1,   3 impressions
        // user 3: scores 0.3(+) 0.6(-)               → AUC 0,   2 impressions
        // user 9: scores 0.4(+)                      → skipped (only positives)
        // GAUC = (3·1 + 2·0) / (3 + 2) = 0.6
        let users = [7, 3, 7, 9, 3, 7];
        let scores = [0.9, 0.3, 0.2, 0.4, 0.6, 0.5];
        let labels = [true, true, false, true, false, false];
        let result = gauc(&users, &scores, &labels).unwrap();
        assert_relative_eq!(result.value, 0.6);
        assert_eq!(result.users_evaluated, 2);
        assert_eq!(result.users_skipped, 1);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            gauc(&[], &[], &[]),
            Err(MetricsError::NothingToEvaluate { .. })
        ));
        assert!(matches!(
            gauc(&[1, 2], &[0.1], &[true, false]),
            Err(MetricsError::LengthMismatch { .. })
        ));
        assert!(matches!(
            gauc(&[1, 1], &[0.1, f32::NAN], &[true, false]),
            Err(MetricsError::NanScore { index: 1 })
        ));
        assert!(matches!(
            gauc(&[1, 2], &[0.1, 0.2], &[true, false]),
            Err(MetricsError::NoUserWithBothClasses { users_skipped: 2 })
        ));
    }
}
