//! Walker's alias method: O(1) draws from a fixed discrete distribution.

use rand::Rng;

use crate::{DataError, Result};

/// A discrete distribution over `0..len` proportional to given weights, drawn in O(1)
/// (Vose's construction of Walker's alias table).
#[derive(Debug, Clone, PartialEq)]
pub struct AliasTable {
    /// Probability of keeping the uniformly drawn bucket.
    keep: Vec<f64>,
    /// The bucket's alternative when not kept.
    alias: Vec<u32>,
}

impl AliasTable {
    /// A table for `weights`, which must be finite, non-negative and not all zero.
    pub fn new(weights: &[f64]) -> Result<Self> {
        let invalid = |message: String| DataError::InvalidParameter {
            name: "weights",
            message,
        };
        if let Some((i, w)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return Err(invalid(format!(
                "weight {i} is {w}; weights must be finite and ≥ 0"
            )));
        }
        let total: f64 = weights.iter().sum();
        if !(total.is_finite() && total > 0.0) {
            return Err(invalid(format!(
                "the {} weights sum to {total}; at least one must be positive",
                weights.len()
            )));
        }
        if u32::try_from(weights.len()).is_err() {
            return Err(invalid(format!("{} weights are too many", weights.len())));
        }
        let n = weights.len();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut keep = vec![1.0; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            keep[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // What is left holds (up to rounding) exactly one bucket's mass each: keep = 1.
        Ok(Self { keep, alias })
    }

    /// Number of outcomes.
    pub fn len(&self) -> usize {
        self.keep.len()
    }

    /// Whether the table has no outcome (never true for a constructed table).
    pub fn is_empty(&self) -> bool {
        self.keep.is_empty()
    }

    /// One outcome in `0..len`, with probability proportional to its weight.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let bucket = rng.random_range(0..self.keep.len());
        if rng.random::<f64>() < self.keep[bucket] {
            bucket
        } else {
            self.alias[bucket] as usize
        }
    }
}
