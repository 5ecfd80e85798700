//! Popularity-based negative sampling, with the log-probabilities log-Q correction needs.

use burn::prelude::*;
use rand::Rng;

use crate::{check, ModelError, Result};

/// Hyper-parameters of a [`PopularitySampler`].
#[derive(Config, Debug)]
pub struct PopularitySamplerConfig {
    /// Probabilities are proportional to `(count + smoothing) ^ exponent`; 0 samples uniformly.
    #[config(default = 0.75)]
    pub exponent: f64,
    /// Added to every count so that items never seen in training can still be drawn.
    #[config(default = 1.0)]
    pub smoothing: f64,
}

impl PopularitySamplerConfig {
    /// Checks that the hyper-parameters are usable.
    pub fn validate(&self) -> Result<()> {
        if !(self.exponent.is_finite() && self.exponent >= 0.0) {
            return Err(ModelError::InvalidConfig {
                field: "exponent",
                message: format!("{} is not a finite non-negative number", self.exponent),
            });
        }
        check::positive_real("smoothing", self.smoothing)
    }

    /// Builds the sampler from per-item interaction counts (index = item id).
    ///
    /// Errors if the config is invalid or there are no items.
    pub fn init(&self, counts: &[u32]) -> Result<PopularitySampler> {
        self.validate()?;
        if counts.is_empty() {
            return Err(ModelError::InvalidInput {
                name: "counts",
                message: "a sampler needs at least one item".into(),
            });
        }
        let weights: Vec<f64> = counts
            .iter()
            .map(|&count| (f64::from(count) + self.smoothing).powf(self.exponent))
            .collect();
        let total: f64 = weights.iter().sum();
        let mut cumulative = Vec::with_capacity(weights.len());
        let mut running = 0.0;
        for weight in &weights {
            running += weight / total;
            cumulative.push(running);
        }
        Ok(PopularitySampler {
            log_prob: weights.iter().map(|w| (w / total).ln() as f32).collect(),
            cumulative,
        })
    }
}

/// Draws item ids with probability proportional to a power of their popularity.
#[derive(Debug, Clone)]
pub struct PopularitySampler {
    cumulative: Vec<f64>,
    log_prob: Vec<f32>,
}

impl PopularitySampler {
    /// Number of items (ids `0..num_items`).
    pub fn num_items(&self) -> usize {
        self.log_prob.len()
    }

    /// Draws one item id.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u32 {
        let u: f64 = rng.random();
        let index = self.cumulative.partition_point(|&c| c <= u);
        index.min(self.log_prob.len() - 1) as u32
    }

    /// The natural log of the probability of drawing `item` (`-inf` outside the catalog).
    pub fn log_prob(&self, item: u32) -> f32 {
        self.log_prob
            .get(item as usize)
            .copied()
            .unwrap_or(f32::NEG_INFINITY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn probabilities_follow_smoothed_powered_counts() {
        let sampler = PopularitySamplerConfig::new()
            .with_exponent(1.0)
            .with_smoothing(1.0)
            .init(&[0, 1, 6])
            .unwrap();
        // Weights 1, 2, 7 of 10.
        for (item, p) in [(0, 0.1f32), (1, 0.2), (2, 0.7)] {
            assert!((sampler.log_prob(item) - p.ln()).abs() < 1e-6);
        }
        assert_eq!(sampler.log_prob(3), f32::NEG_INFINITY);

        let mut rng = StdRng::seed_from_u64(1);
        let mut counts = [0usize; 3];
        for _ in 0..20_000 {
            counts[sampler.sample(&mut rng) as usize] += 1;
        }
        let share = counts[2] as f64 / 20_000.0;
        assert!((share - 0.7).abs() < 0.02, "item 2 drawn {share}");
        assert!(counts[0] > 0);
    }

    #[test]
    fn rejects_bad_configs_and_empty_catalogs() {
        assert!(PopularitySamplerConfig::new().init(&[]).is_err());
        assert!(PopularitySamplerConfig::new()
            .with_exponent(-1.0)
            .init(&[1])
            .is_err());
        assert!(PopularitySamplerConfig::new()
            .with_smoothing(0.0)
            .init(&[1])
            .is_err());
    }
}
