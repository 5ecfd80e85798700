//! Stochastic shared embeddings for histories: training histories with some items swapped for
//! random catalog items.
//!
//! On sparse ID data (Amazon Games) validation stops improving halfway through training while
//! the training loss keeps falling: the model memorizes which exact items precede which. SSE
//! (Wu et al., "Stochastic Shared Embeddings", NeurIPS 2019; SSE-PT, RecSys 2020) replaces each
//! input item, with a small probability, by an item drawn uniformly from the catalog, so that no
//! single history item can be relied on. Only inputs change: the targets stay the real items.

use rand::rngs::StdRng;
use rand::Rng;

/// Replaces history items of one step's examples.
#[derive(Debug)]
pub(crate) struct HistorySubstitution {
    probability: f64,
    num_items: u32,
    rng: StdRng,
}

impl HistorySubstitution {
    /// Replaces each item with `probability` (in `[0, 1)`, checked by the trainer config) by an
    /// item of `0..num_items`, drawing from `rng`.
    pub fn new(probability: f64, num_items: u32, rng: StdRng) -> Self {
        Self {
            probability,
            num_items,
            rng,
        }
    }

    /// Replaces the items of `history` in place.
    pub fn apply(&mut self, history: &mut [u32]) {
        if self.probability <= 0.0 || self.num_items == 0 {
            return;
        }
        for item in history {
            if self.rng.random_bool(self.probability) {
                *item = self.rng.random_range(0..self.num_items);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn substituted(probability: f64, history: &[u32], seed: u64) -> Vec<u32> {
        let mut history = history.to_vec();
        HistorySubstitution::new(probability, 1_000, StdRng::seed_from_u64(seed))
            .apply(&mut history);
        history
    }

    #[test]
    fn replaces_about_the_given_share_with_catalog_items() {
        let history: Vec<u32> = (0..10_000).map(|i| i % 7).collect();
        let out = substituted(0.1, &history, 3);
        let changed = out.iter().zip(&history).filter(|(a, b)| a != b).count();
        // 10 % replaced, less the 1-in-1,000 draws that hit the same item; 3 sigma is ~90.
        assert!(
            (900..=1_100).contains(&changed),
            "{changed} of 10,000 changed"
        );
        assert!(out.iter().all(|&item| item < 1_000));
        assert!(
            out.iter().any(|&item| item >= 7),
            "replacements come from the whole catalog"
        );
    }

    #[test]
    fn zero_probability_keeps_the_history_and_a_seed_repeats() {
        let history = [4, 8, 15, 16, 23, 42];
        assert_eq!(substituted(0.0, &history, 1), history);
        assert_eq!(substituted(0.5, &history, 9), substituted(0.5, &history, 9));
        assert_ne!(substituted(0.5, &history, 9), history);
    }
}
