//! Negative samplers: items a user has not interacted with, drawn reproducibly.
//!
//! Samplers take the random generator as an argument, so a seeded generator (e.g.
//! `StdRng::seed_from_u64(seed)`) makes every draw reproducible, and an evaluator can derive
//! one generator per user to make negatives independent of batch order.

mod alias;
mod draw;
mod popularity;
mod seen;
mod uniform;

use rand::RngCore;

use crate::{ItemIdx, Result, UserIdx};

pub use alias::AliasTable;
pub use popularity::PopularitySampler;
pub use seen::SeenItems;
pub use uniform::UniformSampler;

/// Draws distinct negative items for a user: items the user never interacted with.
pub trait Sampler {
    /// Number of items in the catalog the sampler draws from.
    fn num_items(&self) -> usize;

    /// Probability that one draw, before excluding the user's items, proposes `item` (the `Q`
    /// of a log-Q correction). 0 for an unknown item.
    fn proposal_probability(&self, item: ItemIdx) -> f64;

    /// Appends `n` distinct items that `user` never interacted with to `out`.
    ///
    /// Fails with [`DataError::NotEnoughNegatives`](crate::DataError::NotEnoughNegatives) when
    /// fewer than `n` items are left to draw, and with
    /// [`DataError::UnknownId`](crate::DataError::UnknownId) for an unknown user.
    fn sample_into(
        &self,
        user: UserIdx,
        n: usize,
        rng: &mut dyn RngCore,
        out: &mut Vec<ItemIdx>,
    ) -> Result<()>;

    /// `n` distinct items that `user` never interacted with.
    fn sample(&self, user: UserIdx, n: usize, rng: &mut dyn RngCore) -> Result<Vec<ItemIdx>> {
        let mut out = Vec::with_capacity(n);
        self.sample_into(user, n, rng, &mut out)?;
        Ok(out)
    }
}
