//! Pessimistic ranks of target items in a scored list.
//!
//! Ranks are 0-based positions in the list sorted by descending score. Ties are resolved
//! **pessimistically**: every non-target item whose score equals a target's is placed above it,
//! so a model cannot gain from emitting constant or coarse scores. When several targets tie with
//! each other they occupy consecutive positions (in the order they were given), because a ranked
//! list is a permutation and only one of them can come first.

use crate::duplicates::first_duplicate;
use crate::error::MetricsError;
use crate::target_ranks::TargetRanks;

/// Rank of the score at `target` among all `scores`: the number of *other* scores that are
/// greater than or equal to it.
///
/// One O(N) pass without branches in the loop, so it vectorizes; this is what full-catalog
/// evaluation spends its time on.
///
/// # Errors
/// [`MetricsError::TargetIndexOutOfRange`] if `target` is not an index of `scores`,
/// [`MetricsError::NanScore`] if any score is NaN.
pub fn pessimistic_rank(scores: &[f32], target: usize) -> Result<usize, MetricsError> {
    let target_score = *scores
        .get(target)
        .ok_or(MetricsError::TargetIndexOutOfRange {
            index: target,
            len: scores.len(),
        })?;
    let (at_or_above, nans) = count_at_or_above(scores, target_score);
    if nans > 0 {
        return Err(first_nan(scores));
    }
    // The target's own score is counted once (it equals itself).
    Ok(at_or_above - 1)
}

/// Ranks of several targets among `scores`, after removing the `excluded` items from the list.
///
/// Excluded items (e.g. the user's history under the full-ranking protocol) are *removed*: they
/// neither rank above nor tie with a target, whatever their score. An excluded index that is also
/// a target is ignored, so a target is always ranked. Duplicate excluded indices are allowed
/// (histories repeat items).
///
/// Cost: one pass over `scores` plus sorting the targets and the excluded indices; a single target
/// takes the branch-free path of [`pessimistic_rank`].
///
/// # Errors
/// [`MetricsError::EmptyTargets`], [`MetricsError::DuplicateTarget`], out-of-range indices, and
/// [`MetricsError::NanScore`] if any score (excluded ones included) is NaN.
pub fn ranks_of_targets(
    scores: &[f32],
    targets: &[usize],
    excluded: &[usize],
) -> Result<TargetRanks, MetricsError> {
    let order = targets_by_descending_score(scores, targets)?;
    let excluded = excluded_non_targets(scores.len(), targets, excluded)?;

    let ranks = if let [target] = order[..] {
        let rank_with_excluded = pessimistic_rank(scores, target)?;
        // Every excluded item scoring >= the target was counted above it; take those back out.
        let excluded_at_or_above = excluded
            .iter()
            .filter(|&&index| scores[index] >= scores[target])
            .count();
        vec![rank_with_excluded - excluded_at_or_above]
    } else {
        ranks_of_ordered_targets(scores, &order, &excluded)?
    };
    TargetRanks::new(ranks)
}

/// Ranks of the `targets` (item ids) inside a candidate list, where `scores[i]` scores
/// `candidates[i]`. The order of the candidates does not matter.
///
/// # Errors
/// [`MetricsError::EmptyCandidates`], [`MetricsError::LengthMismatch`],
/// [`MetricsError::DuplicateCandidate`], [`MetricsError::TargetNotAmongCandidates`],
/// [`MetricsError::DuplicateTarget`], [`MetricsError::NanScore`].
pub fn ranks_among_candidates(
    candidates: &[u32],
    scores: &[f32],
    targets: &[u32],
) -> Result<TargetRanks, MetricsError> {
    if candidates.is_empty() {
        return Err(MetricsError::EmptyCandidates);
    }
    if scores.len() != candidates.len() {
        return Err(MetricsError::LengthMismatch {
            what: "scores vs candidates",
            expected: candidates.len(),
            actual: scores.len(),
        });
    }
    if let Some(item) = first_duplicate(candidates) {
        return Err(MetricsError::DuplicateCandidate { item });
    }
    // Checked on ids so the error names the item, not its position.
    if let Some(item) = first_duplicate(targets) {
        return Err(MetricsError::DuplicateTarget {
            target: item as usize,
        });
    }
    let positions = targets
        .iter()
        .map(|&item| {
            candidates
                .iter()
                .position(|&candidate| candidate == item)
                .ok_or(MetricsError::TargetNotAmongCandidates { item })
        })
        .collect::<Result<Vec<_>, _>>()?;
    ranks_of_targets(scores, &positions, &[])
}

/// Counts scores `>= threshold` and NaN scores in one pass. Both counters are updated on every
/// element (no early exit) so the loop stays branch-free.
fn count_at_or_above(scores: &[f32], threshold: f32) -> (usize, usize) {
    scores.iter().fold((0, 0), |(at_or_above, nans), &score| {
        (
            at_or_above + usize::from(score >= threshold),
            nans + usize::from(score.is_nan()),
        )
    })
}

/// The error for the first NaN in `scores`; called only once a NaN is known to exist.
fn first_nan(scores: &[f32]) -> MetricsError {
    let index = scores.iter().position(|score| score.is_nan()).unwrap_or(0);
    MetricsError::NanScore { index }
}

/// Validates the targets and orders them as they will sit in the pessimistic ranking:
/// by descending score, ties in the order given.
fn targets_by_descending_score(
    scores: &[f32],
    targets: &[usize],
) -> Result<Vec<usize>, MetricsError> {
    if targets.is_empty() {
        return Err(MetricsError::EmptyTargets);
    }
    for &target in targets {
        let score = *scores
            .get(target)
            .ok_or(MetricsError::TargetIndexOutOfRange {
                index: target,
                len: scores.len(),
            })?;
        if score.is_nan() {
            return Err(MetricsError::NanScore { index: target });
        }
    }
    if let Some(target) = first_duplicate(targets) {
        return Err(MetricsError::DuplicateTarget { target });
    }
    let mut order = targets.to_vec();
    // Stable sort keeps the given order among tied targets; scores are not NaN here.
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    Ok(order)
}

/// Sorted, deduplicated excluded indices with targets removed.
fn excluded_non_targets(
    len: usize,
    targets: &[usize],
    excluded: &[usize],
) -> Result<Vec<usize>, MetricsError> {
    if let Some(&index) = excluded.iter().find(|&&index| index >= len) {
        return Err(MetricsError::ExcludedIndexOutOfRange { index, len });
    }
    let mut kept: Vec<usize> = excluded
        .iter()
        .copied()
        .filter(|index| !targets.contains(index))
        .collect();
    kept.sort_unstable();
    kept.dedup();
    Ok(kept)
}

/// Ranks of several targets given in ranking order (see [`targets_by_descending_score`]).
///
/// A non-target item with score `s` ranks above every target whose score is `<= s`; with the
/// target scores sorted descending those targets form a suffix, found by binary search. Counting
/// suffix starts and taking a prefix sum gives, per target, the number of non-target items above
/// it in O(N log T) without sorting the N scores.
fn ranks_of_ordered_targets(
    scores: &[f32],
    order: &[usize],
    excluded: &[usize],
) -> Result<Vec<usize>, MetricsError> {
    let target_scores: Vec<f32> = order.iter().map(|&index| scores[index]).collect();
    let suffix_start = |score: f32| target_scores.partition_point(|&target| target > score);

    // Every item is counted here, then targets and excluded items are taken back out, so the hot
    // loop needs no membership test.
    let mut starts = vec![0_isize; order.len() + 1];
    for (index, &score) in scores.iter().enumerate() {
        if score.is_nan() {
            return Err(MetricsError::NanScore { index });
        }
        starts[suffix_start(score)] += 1;
    }
    for &index in order.iter().chain(excluded) {
        starts[suffix_start(scores[index])] -= 1;
    }

    let mut non_targets_above = 0_isize;
    let mut ranks = Vec::with_capacity(order.len());
    for (position, &start_count) in starts[..order.len()].iter().enumerate() {
        non_targets_above += start_count;
        // Counts only shrink by items that were added first, so the running sum is never negative.
        let above = usize::try_from(non_targets_above).unwrap_or(0);
        ranks.push(above + position);
    }
    Ok(ranks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_target_counts_strictly_higher_and_tied_scores() {
        // scores:  0.9  0.5  0.7  0.5  0.1 ; target index 1 (0.5)
        // above it: 0.9, 0.7 (higher) and index 3 (tied, pessimistic) → rank 3.
        let scores = [0.9, 0.5, 0.7, 0.5, 0.1];
        assert_eq!(pessimistic_rank(&scores, 1).unwrap(), 3);
        assert_eq!(pessimistic_rank(&scores, 3).unwrap(), 3);
        assert_eq!(pessimistic_rank(&scores, 0).unwrap(), 0);
        assert_eq!(pessimistic_rank(&scores, 4).unwrap(), 4);
    }

    #[test]
    fn constant_scores_put_the_target_last() {
        let scores = [1.0_f32; 6];
        assert_eq!(pessimistic_rank(&scores, 0).unwrap(), 5);
        assert_eq!(ranks_of_targets(&scores, &[2], &[]).unwrap().ranks(), &[5]);
    }

    #[test]
    fn nan_and_bad_indices_are_errors() {
        let scores = [0.3, f32::NAN, 0.2];
        assert!(matches!(
            pessimistic_rank(&scores, 0),
            Err(MetricsError::NanScore { index: 1 })
        ));
        assert!(matches!(
            pessimistic_rank(&scores, 1),
            Err(MetricsError::NanScore { index: 1 })
        ));
        assert!(matches!(
            pessimistic_rank(&[0.1, 0.2], 2),
            Err(MetricsError::TargetIndexOutOfRange { index: 2, len: 2 })
        ));
        assert!(matches!(
            ranks_of_targets(&scores, &[0, 2], &[]),
            Err(MetricsError::NanScore { index: 1 })
        ));
        assert!(matches!(
            ranks_of_targets(&[0.1, 0.2], &[], &[]),
            Err(MetricsError::EmptyTargets)
        ));
        assert!(matches!(
            ranks_of_targets(&[0.1, 0.2], &[1, 1], &[]),
            Err(MetricsError::DuplicateTarget { target: 1 })
        ));
        assert!(matches!(
            ranks_of_targets(&[0.1, 0.2], &[0], &[5]),
            Err(MetricsError::ExcludedIndexOutOfRange { index: 5, len: 2 })
        ));
    }

    #[test]
    fn excluded_items_are_removed_not_tied() {
        // scores: 0.8 0.8 0.8 0.2 ; target 0, items 1 and 2 excluded (history).
        // Without exclusion the target would be rank 2 (two ties above); removed, nothing is above.
        let scores = [0.8, 0.8, 0.8, 0.2];
        assert_eq!(
            ranks_of_targets(&scores, &[0], &[1, 2]).unwrap().ranks(),
            &[0]
        );
        // Duplicates in the history and the target itself in the history change nothing.
        assert_eq!(
            ranks_of_targets(&scores, &[0], &[2, 1, 2, 0])
                .unwrap()
                .ranks(),
            &[0]
        );
    }

    #[test]
    fn several_targets_with_ties() {
        // index:   0    1    2    3    4    5
        // scores: 0.9  0.5  0.5  0.7  0.5  0.1 ; targets 1 and 4 (both 0.5), 2 excluded.
        // Remaining non-targets: 0 (0.9), 3 (0.7), 5 (0.1). Above both targets: 0.9, 0.7 → 2.
        // Tied targets take consecutive positions in the given order: 1 → rank 2, 4 → rank 3.
        let scores = [0.9, 0.5, 0.5, 0.7, 0.5, 0.1];
        let ranks = ranks_of_targets(&scores, &[1, 4], &[2]).unwrap();
        assert_eq!(ranks.ranks(), &[2, 3]);
        // Without the exclusion, item 2 ties with both targets and goes above them: ranks 3 and 4.
        let ranks = ranks_of_targets(&scores, &[4, 1], &[]).unwrap();
        assert_eq!(ranks.ranks(), &[3, 4]);
    }

    #[test]
    fn candidate_lists_are_checked() {
        let candidates = [10, 20, 30];
        let scores = [0.1, 0.9, 0.5];
        // 20 has the best score → rank 0; 10 is last → rank 2.
        assert_eq!(
            ranks_among_candidates(&candidates, &scores, &[20])
                .unwrap()
                .ranks(),
            &[0]
        );
        assert_eq!(
            ranks_among_candidates(&candidates, &scores, &[10])
                .unwrap()
                .ranks(),
            &[2]
        );
        assert!(matches!(
            ranks_among_candidates(&[], &[], &[1]),
            Err(MetricsError::EmptyCandidates)
        ));
        assert!(matches!(
            ranks_among_candidates(&candidates, &scores[..2], &[10]),
            Err(MetricsError::LengthMismatch { .. })
        ));
        assert!(matches!(
            ranks_among_candidates(&candidates, &scores, &[40]),
            Err(MetricsError::TargetNotAmongCandidates { item: 40 })
        ));
        assert!(matches!(
            ranks_among_candidates(&[10, 20, 10], &scores, &[20]),
            Err(MetricsError::DuplicateCandidate { item: 10 })
        ));
        assert!(matches!(
            ranks_among_candidates(&candidates, &scores, &[30, 30]),
            Err(MetricsError::DuplicateTarget { target: 30 })
        ));
    }
}
