//! Popularity-based negative sampling.

use rand::RngCore;

use super::draw::{draw_distinct, Excluded, Proposal};
use super::{AliasTable, Sampler, SeenItems};
use crate::{DataError, Dataset, ItemIdx, Result, UserIdx};

/// Draws negatives with probability proportional to `count^exponent`, excluding the user's
/// items. `exponent` 1 follows popularity, 0.75 flattens it (word2vec), 0 is uniform; items
/// nobody interacted with are never drawn when `exponent > 0`.
#[derive(Debug, Clone)]
pub struct PopularitySampler {
    seen: SeenItems,
    table: AliasTable,
    probabilities: Vec<f64>,
    num_drawable: usize,
    /// Per user: proposal mass and number of drawable items among the user's items.
    excluded: Vec<(f64, usize)>,
}

impl PopularitySampler {
    /// A sampler with the item counts and per-user exclusions of `dataset`.
    pub fn new(dataset: &Dataset, exponent: f64) -> Result<Self> {
        Self::from_parts(
            SeenItems::from_dataset(dataset),
            &dataset.item_counts(),
            exponent,
        )
    }

    /// A sampler from item counts (index = item) and exclusions (e.g. from training data only).
    pub fn from_parts(seen: SeenItems, counts: &[u32], exponent: f64) -> Result<Self> {
        if !(exponent.is_finite() && exponent >= 0.0) {
            return Err(DataError::InvalidParameter {
                name: "exponent",
                message: format!("must be finite and ≥ 0, got {exponent}"),
            });
        }
        if counts.iter().all(|&c| c == 0) && exponent > 0.0 {
            return Err(DataError::Empty(
                "no item has an interaction to weigh popularity by".to_owned(),
            ));
        }
        let weights: Vec<f64> = counts
            .iter()
            .map(|&c| f64::from(c).powf(exponent))
            .collect();
        let table = AliasTable::new(&weights)?;
        let total: f64 = weights.iter().sum();
        let probabilities: Vec<f64> = weights.iter().map(|w| w / total).collect();
        let excluded = (0..seen.num_users() as UserIdx)
            .map(|user| {
                let items = seen.of(user).unwrap_or_default();
                let of_items = items.iter().filter_map(|&i| probabilities.get(i as usize));
                let drawable = of_items.clone().filter(|&&p| p > 0.0).count();
                (of_items.sum(), drawable)
            })
            .collect();
        Ok(Self {
            seen,
            table,
            num_drawable: weights.iter().filter(|&&w| w > 0.0).count(),
            probabilities,
            excluded,
        })
    }
}

impl Proposal for PopularitySampler {
    fn num_drawable(&self) -> usize {
        self.num_drawable
    }

    fn propose(&self, rng: &mut dyn RngCore) -> ItemIdx {
        self.table.sample(rng) as ItemIdx
    }

    fn excluded(&self, user: UserIdx) -> Result<Excluded<'_>> {
        let items = self.seen.of(user)?;
        let (mass, drawable) = self
            .excluded
            .get(user as usize)
            .copied()
            .unwrap_or_default();
        Ok(Excluded {
            items,
            mass,
            drawable,
        })
    }
}

impl Sampler for PopularitySampler {
    fn num_items(&self) -> usize {
        self.probabilities.len()
    }

    fn proposal_probability(&self, item: ItemIdx) -> f64 {
        self.probabilities
            .get(item as usize)
            .copied()
            .unwrap_or(0.0)
    }

    fn sample_into(
        &self,
        user: UserIdx,
        n: usize,
        rng: &mut dyn RngCore,
        out: &mut Vec<ItemIdx>,
    ) -> Result<()> {
        draw_distinct(self, user, n, rng, out)
    }
}
