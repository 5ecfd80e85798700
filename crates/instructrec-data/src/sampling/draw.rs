//! Distinct draws from a proposal distribution, excluding a user's items.

use rand::{Rng, RngCore};

use super::Sampler;
use crate::{DataError, ItemIdx, Result, UserIdx};

/// Below this share of proposal mass left after exclusion, drawing and rejecting would waste
/// too many draws, so the remaining items are enumerated instead.
const MIN_FREE_MASS_FOR_REJECTION: f64 = 0.25;

/// A user's items as a sampler sees them, summarised once per sampler rather than per draw
/// (training asks for one negative per position, so per-call sums would cost O(history²)).
pub(super) struct Excluded<'a> {
    /// The user's items, sorted and distinct.
    pub items: &'a [ItemIdx],
    /// Their total proposal probability.
    pub mass: f64,
    /// How many of them have a positive proposal probability.
    pub drawable: usize,
}

/// How a sampler proposes items, before exclusion; probabilities come from
/// [`Sampler::proposal_probability`].
pub(super) trait Proposal: Sampler {
    /// Number of items with a positive proposal probability.
    fn num_drawable(&self) -> usize;
    /// One proposed item.
    fn propose(&self, rng: &mut dyn RngCore) -> ItemIdx;
    /// The user's items to exclude.
    fn excluded(&self, user: UserIdx) -> Result<Excluded<'_>>;
}

/// Appends `n` distinct items that are not the user's, drawn from `proposal` without
/// replacement: the same law as proposing repeatedly and rejecting the user's or repeated items.
pub(super) fn draw_distinct(
    proposal: &impl Proposal,
    user: UserIdx,
    n: usize,
    rng: &mut dyn RngCore,
    out: &mut Vec<ItemIdx>,
) -> Result<()> {
    let excluded = proposal.excluded(user)?;
    let seen = excluded.items;
    let available = proposal.num_drawable().saturating_sub(excluded.drawable);
    if available < n {
        return Err(DataError::NotEnoughNegatives {
            user,
            available,
            requested: n,
        });
    }
    let start = out.len();
    if 1.0 - excluded.mass >= MIN_FREE_MASS_FOR_REJECTION {
        // Expected draws stay below ~4n while few items are taken; the cap bounds bad luck.
        let max_draws = 8 * n + 32;
        for _ in 0..max_draws {
            if out.len() - start == n {
                return Ok(());
            }
            let item = proposal.propose(rng);
            if seen.binary_search(&item).is_err() && !out[start..].contains(&item) {
                out.push(item);
            }
        }
    }
    let missing = n - (out.len() - start);
    enumerate_remaining(proposal, seen, missing, rng, start, out);
    Ok(())
}

/// Draws `missing` more items by weighted sampling without replacement over every remaining
/// item (Efraimidis–Spirakis: the largest `ln(u) / w` keys win).
fn enumerate_remaining(
    proposal: &impl Proposal,
    seen: &[ItemIdx],
    missing: usize,
    rng: &mut dyn RngCore,
    start: usize,
    out: &mut Vec<ItemIdx>,
) {
    if missing == 0 {
        return;
    }
    let mut taken: Vec<ItemIdx> = out[start..].to_vec();
    taken.sort_unstable();
    let mut keyed: Vec<(f64, ItemIdx)> = (0..proposal.num_items() as ItemIdx)
        .filter(|item| seen.binary_search(item).is_err() && taken.binary_search(item).is_err())
        .filter_map(|item| {
            let weight = proposal.proposal_probability(item);
            // 1 - u lies in (0, 1], so the logarithm is finite.
            (weight > 0.0).then(|| ((1.0 - rng.random::<f64>()).ln() / weight, item))
        })
        .collect();
    keyed.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    out.extend(keyed.iter().take(missing).map(|&(_, item)| item));
}
