//! The item-kNN baseline: items that sit near the user's recent items in other users' sequences.

use serde::{Deserialize, Serialize};

use crate::case::EvalCase;
use crate::error::{BoxedError, MetricsError};
use crate::scorer::Scorer;

/// Settings of [`ItemKnnScorer`]: which co-occurrences count and how a history votes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ItemKnnConfig {
    /// Two interactions of one sequence co-occur when at most this many positions apart.
    pub window: usize,
    /// How many of the newest history items vote.
    pub recent_items: usize,
    /// The weight of each vote relative to the next newer one (the newest weighs 1).
    pub recency_decay: f32,
}

impl Default for ItemKnnConfig {
    /// A window of 10 positions, the 10 newest history items, decay 0.8.
    fn default() -> Self {
        Self {
            window: 10,
            recent_items: 10,
            recency_decay: 0.8,
        }
    }
}

impl ItemKnnConfig {
    /// Checks every setting.
    ///
    /// # Errors
    /// [`MetricsError::InvalidParameter`] naming the first bad one.
    pub fn validate(&self) -> Result<(), MetricsError> {
        let invalid = |name, message: &str| MetricsError::InvalidParameter {
            name,
            message: message.to_owned(),
        };
        if self.window == 0 {
            return Err(invalid("window", "must be at least 1"));
        }
        if self.recent_items == 0 {
            return Err(invalid("recent_items", "must be at least 1"));
        }
        if !(self.recency_decay > 0.0 && self.recency_decay <= 1.0) {
            return Err(invalid("recency_decay", "must lie in (0, 1]"));
        }
        Ok(())
    }
}

/// Weight of the popularity prior that orders items no history item votes for; it stays far
/// below the smallest vote (`decay^(recent - 1) / sqrt(n_a * n_b)`) on any realistic catalog.
const POPULARITY_TIE_BREAK: f32 = 1e-6;

/// Scores an item by its cosine co-occurrence with the user's newest history items: the
/// non-neural sequential baseline (item-kNN) that a learned model must beat, next to
/// [`PopularityScorer`](crate::PopularityScorer).
///
/// Two items co-occur when one training sequence holds them at most
/// [`window`](ItemKnnConfig::window) positions apart (in either order); their similarity is the
/// count of such pairs over `sqrt(n_a * n_b)`, `n` being each item's interaction count. A user's
/// score for item `j` is `sum_k decay^k * sim(h_k, j)` over the newest history items `h_0, h_1,
/// …`. Items no history item votes for keep the training popularity order, so pessimistic ties
/// do not sink them all to the bottom.
///
/// ```
/// use instructrec_metrics::{EvalCase, Evaluator, ItemKnnConfig, ItemKnnScorer, Protocol};
///
/// // Whoever watched 0 went on to 1, whoever watched 2 went on to 3.
/// let training = [vec![0, 1], vec![0, 1], vec![2, 3], vec![4, 4, 4]];
/// let mut knn = ItemKnnScorer::fit(5, &training, ItemKnnConfig::default())?;
///
/// // Held out on 1 after watching 0: item 1 is the only neighbour of the history.
/// let cases = vec![EvalCase::leave_one_out(9, vec![0], 1)];
/// let report = Evaluator::new(Protocol::Full, 5).evaluate(&mut knn, cases)?;
/// assert_eq!(report.metric("HR@1"), Some(1.0));
/// # Ok::<(), instructrec_metrics::MetricsError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ItemKnnScorer {
    /// Per item, its co-occurring items and their similarity, by item id.
    neighbours: Vec<Vec<(u32, f32)>>,
    /// Every user's starting scores: popularity, scaled far below any vote.
    prior: Vec<f32>,
    config: ItemKnnConfig,
}

impl ItemKnnScorer {
    /// Counts the co-occurrences of the training `sequences` (each in time order) over a catalog
    /// of `num_items` items.
    ///
    /// # Errors
    /// [`MetricsError::InvalidParameter`] for a bad `config`, [`MetricsError::EmptyCatalog`],
    /// [`MetricsError::ItemOutOfRange`] for an item outside the catalog.
    pub fn fit<S: AsRef<[u32]>>(
        num_items: u32,
        sequences: impl IntoIterator<Item = S>,
        config: ItemKnnConfig,
    ) -> Result<Self, MetricsError> {
        config.validate()?;
        if num_items == 0 {
            return Err(MetricsError::EmptyCatalog);
        }
        let mut counts = vec![0_u64; num_items as usize];
        // Each ordered pair as `a << 32 | b`: sorting groups a pair's occurrences and each
        // item's neighbours, without a hash map per item.
        let mut pairs: Vec<u64> = Vec::new();
        for sequence in sequences {
            let sequence = sequence.as_ref();
            for (i, &a) in sequence.iter().enumerate() {
                *counts
                    .get_mut(a as usize)
                    .ok_or(MetricsError::ItemOutOfRange { item: a, num_items })? += 1;
                for &b in sequence.iter().skip(i + 1).take(config.window) {
                    if b >= num_items {
                        return Err(MetricsError::ItemOutOfRange { item: b, num_items });
                    }
                    if a != b {
                        pairs.push(u64::from(a) << 32 | u64::from(b));
                        pairs.push(u64::from(b) << 32 | u64::from(a));
                    }
                }
            }
        }
        pairs.sort_unstable();
        let mut neighbours = vec![Vec::new(); num_items as usize];
        for run in pairs.chunk_by(|x, y| x == y) {
            let (a, b) = ((run[0] >> 32) as usize, (run[0] & 0xffff_ffff) as u32);
            let norm = (counts[a] as f64 * counts[b as usize] as f64).sqrt();
            neighbours[a].push((b, (run.len() as f64 / norm) as f32));
        }
        let most = counts.iter().copied().max().unwrap_or(0).max(1) as f32;
        let prior = counts
            .iter()
            .map(|&count| POPULARITY_TIE_BREAK * count as f32 / most)
            .collect();
        Ok(Self {
            neighbours,
            prior,
            config,
        })
    }

    /// Catalog size.
    pub fn num_items(&self) -> u32 {
        self.neighbours.len() as u32
    }

    /// The items co-occurring with `item` and their similarity, by item id (empty for an item
    /// outside the catalog).
    pub fn neighbours(&self, item: u32) -> &[(u32, f32)] {
        self.neighbours
            .get(item as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// Adds the votes of `history`'s newest items to `row`.
    fn vote(&self, history: &[u32], row: &mut [f32]) -> Result<(), MetricsError> {
        let mut weight = 1.0_f32;
        for &item in history.iter().rev().take(self.config.recent_items) {
            let neighbours =
                self.neighbours
                    .get(item as usize)
                    .ok_or(MetricsError::ItemOutOfRange {
                        item,
                        num_items: self.num_items(),
                    })?;
            for &(other, similarity) in neighbours {
                row[other as usize] += weight * similarity;
            }
            weight *= self.config.recency_decay;
        }
        Ok(())
    }
}

impl Scorer for ItemKnnScorer {
    fn score_all(&mut self, cases: &[EvalCase<'_>]) -> Result<Vec<f32>, BoxedError> {
        let mut scores = self.prior.repeat(cases.len());
        for (case, row) in cases.iter().zip(scores.chunks_exact_mut(self.prior.len())) {
            self.vote(&case.history, row)?;
        }
        Ok(scores)
    }
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;

    use super::*;

    fn config(window: usize) -> ItemKnnConfig {
        ItemKnnConfig {
            window,
            ..ItemKnnConfig::default()
        }
    }

    #[test]
    fn similarity_is_the_cosine_of_co_occurrence_within_the_window() {
        // Items 0 and 2 occur twice, item 1 once, item 3 never.
        let sequences = [vec![0, 1, 2], vec![2, 0]];
        let knn = ItemKnnScorer::fit(4, &sequences, config(1)).unwrap();
        // Window 1: pairs (0, 1) and (1, 2) in the first sequence, (2, 0) in the second.
        let expect = |pairs: &[(u32, f32)], want: &[(u32, f32)]| {
            assert_eq!(pairs.len(), want.len());
            for (&(item, similarity), &(want_item, want_similarity)) in pairs.iter().zip(want) {
                assert_eq!(item, want_item);
                assert_relative_eq!(similarity, want_similarity, epsilon = 1e-6);
            }
        };
        let one_over_sqrt2 = 1.0 / 2.0_f32.sqrt();
        expect(knn.neighbours(0), &[(1, one_over_sqrt2), (2, 0.5)]);
        expect(
            knn.neighbours(1),
            &[(0, one_over_sqrt2), (2, one_over_sqrt2)],
        );
        assert!(knn.neighbours(3).is_empty());
        assert!(knn.neighbours(9).is_empty());
        // Window 2 adds (0, 2) from the first sequence: two co-occurrences of 0 and 2.
        let wide = ItemKnnScorer::fit(4, &sequences, config(2)).unwrap();
        expect(wide.neighbours(0), &[(1, one_over_sqrt2), (2, 1.0)]);
    }

    #[test]
    fn newer_history_items_vote_more_and_popularity_breaks_ties() {
        let sequences = [vec![0, 1], vec![2, 3], vec![4, 4, 4]];
        let mut knn = ItemKnnScorer::fit(5, &sequences, config(1)).unwrap();
        let history = vec![0, 2];
        let cases = [EvalCase::leave_one_out(0, &history, 1)];
        let scores = knn.score_all(&cases).unwrap();
        // Item 3 follows the newest item (2), item 1 the older one (0): 1 against 0.8.
        assert!(scores[3] > scores[1]);
        assert_relative_eq!(scores[3] - scores[1], 0.2, epsilon = 1e-5);
        // Item 4 co-occurs with nothing in the history but is the most popular: it leads the
        // items without votes.
        assert!(scores[4] > 0.0 && scores[4] < scores[1]);
        assert!(scores[4] > scores[0]);
    }

    #[test]
    fn bad_settings_and_items_are_errors() {
        let field = |config: ItemKnnConfig| match ItemKnnScorer::fit(3, [[0_u32, 1]], config) {
            Err(MetricsError::InvalidParameter { name, .. }) => name,
            other => panic!("expected a parameter error, got {other:?}"),
        };
        assert_eq!(field(config(0)), "window");
        let mut no_votes = config(1);
        no_votes.recent_items = 0;
        assert_eq!(field(no_votes), "recent_items");
        for decay in [0.0, 1.5, f32::NAN] {
            let mut bad = config(1);
            bad.recency_decay = decay;
            assert_eq!(field(bad), "recency_decay");
        }
        assert!(matches!(
            ItemKnnScorer::fit(0, [[0_u32]], config(1)),
            Err(MetricsError::EmptyCatalog)
        ));
        assert!(matches!(
            ItemKnnScorer::fit(3, [[0_u32, 3]], config(1)),
            Err(MetricsError::ItemOutOfRange { item: 3, .. })
        ));
        let mut knn = ItemKnnScorer::fit(3, [[0_u32, 1]], config(1)).unwrap();
        let history = vec![7];
        assert!(knn
            .score_all(&[EvalCase::leave_one_out(0, &history, 1)])
            .is_err());
    }
}
