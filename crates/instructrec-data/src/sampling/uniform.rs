//! Uniform negative sampling.

use rand::{Rng, RngCore};

use super::draw::{draw_distinct, Excluded, Proposal};
use super::{Sampler, SeenItems};
use crate::{DataError, Dataset, ItemIdx, Result, UserIdx};

/// Draws negatives uniformly from the catalog, excluding the user's items (the sampled
/// evaluation protocol of the SASRec paper, and plain negative sampling in training).
#[derive(Debug, Clone)]
pub struct UniformSampler {
    seen: SeenItems,
    num_items: usize,
}

impl UniformSampler {
    /// A sampler over `dataset`'s catalog, excluding each user's items in `dataset`.
    pub fn new(dataset: &Dataset) -> Result<Self> {
        Self::from_parts(SeenItems::from_dataset(dataset), dataset.num_items())
    }

    /// A sampler over `num_items` items excluding `seen` (e.g. only training interactions).
    pub fn from_parts(seen: SeenItems, num_items: usize) -> Result<Self> {
        if num_items == 0 {
            return Err(DataError::Empty("no item to sample from".to_owned()));
        }
        Ok(Self { seen, num_items })
    }
}

impl Proposal for UniformSampler {
    fn num_drawable(&self) -> usize {
        self.num_items
    }

    fn propose(&self, rng: &mut dyn RngCore) -> ItemIdx {
        rng.random_range(0..self.num_items as ItemIdx)
    }

    fn excluded(&self, user: UserIdx) -> Result<Excluded<'_>> {
        let items = self.seen.of(user)?;
        let drawable = items.partition_point(|&item| (item as usize) < self.num_items);
        Ok(Excluded {
            items,
            mass: drawable as f64 / self.num_items as f64,
            drawable,
        })
    }
}

impl Sampler for UniformSampler {
    fn num_items(&self) -> usize {
        self.num_items
    }

    fn proposal_probability(&self, item: ItemIdx) -> f64 {
        if (item as usize) < self.num_items {
            1.0 / self.num_items as f64
        } else {
            0.0
        }
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
