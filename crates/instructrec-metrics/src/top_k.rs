//! Selection of the `k` best-scored items of a list, used for item coverage.

/// Item ids of the `k` highest `scores`, best first, skipping positions for which `skip` is true;
/// `item_of(position)` is the item scored at `position`.
///
/// Equal scores are ordered by lower item id, never by position, so the lists (and coverage) do
/// not depend on the order in which candidates were shuffled.
///
/// One pass keeping a sorted buffer of `k` entries: O(N) plus O(k) per (rare) insertion, which
/// beats a full sort for the small `k` of recommendation metrics. Scores must not be NaN (callers
/// rank the same scores first, which rejects NaN).
pub(crate) fn top_k_items(
    scores: &[f32],
    k: usize,
    item_of: impl Fn(usize) -> u32,
    skip: impl Fn(usize) -> bool,
) -> Vec<u32> {
    if k == 0 {
        return Vec::new();
    }
    // (score, item), best first.
    let mut best: Vec<(f32, u32)> = Vec::with_capacity(k.min(scores.len()) + 1);
    let ranks_above = |(kept_score, kept_item): (f32, u32), score: f32, item: u32| {
        kept_score > score || (kept_score == score && kept_item < item)
    };
    for (position, &score) in scores.iter().enumerate() {
        let full = best.len() == k;
        if (full && score < best[k - 1].0) || skip(position) {
            continue;
        }
        let item = item_of(position);
        if full && ranks_above(best[k - 1], score, item) {
            continue;
        }
        let at = best.partition_point(|&kept| ranks_above(kept, score, item));
        best.insert(at, (score, item));
        if full {
            best.pop();
        }
    }
    best.into_iter().map(|(_, item)| item).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_best_first_with_ties_by_item_id() {
        let scores = [0.2, 0.9, 0.5, 0.9, 0.1, 0.5];
        let by_position = |position: usize| position as u32;
        assert_eq!(
            top_k_items(&scores, 3, by_position, |_| false),
            vec![1, 3, 2]
        );
        assert_eq!(
            top_k_items(&scores, 10, by_position, |_| false),
            vec![1, 3, 2, 5, 0, 4]
        );
        assert!(top_k_items(&scores, 0, by_position, |_| false).is_empty());

        // Same scores under item ids in reverse order: ties now resolve the other way.
        let reversed = |position: usize| 10 - position as u32;
        assert_eq!(top_k_items(&scores, 3, reversed, |_| false), vec![7, 9, 5]);
    }

    #[test]
    fn skipped_positions_never_appear() {
        let scores = [0.2, 0.9, 0.5, 0.9, 0.1, 0.5];
        let top = top_k_items(&scores, 3, |position| position as u32, |p| p == 1 || p == 2);
        assert_eq!(top, vec![3, 5, 0]);
    }
}
