//! Dropout with a mask drawn on the host by a fast generator.

use burn::prelude::*;
use burn::tensor::Distribution;
use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};

use crate::{ModelError, Result};

/// Hyper-parameters of a [`HostDropout`].
#[derive(Config, Debug)]
pub struct HostDropoutConfig {
    /// Probability of zeroing an element, in `[0, 1)` (validated by the owning config).
    pub prob: f64,
}

impl HostDropoutConfig {
    /// Builds the module.
    pub fn init(&self) -> HostDropout {
        HostDropout { prob: self.prob }
    }
}

/// Inverted dropout, like `burn::nn::Dropout`, but with the mask drawn on the host by a
/// xoshiro generator (4 decisions per 64-bit draw) seeded from the backend's RNG, so
/// `B::seed` still makes runs reproducible.
///
/// burn's CPU backends draw each Bernoulli sample through a cryptographic generator; on a
/// training step of the query tower that was the largest element-wise cost (about 3.5x
/// slower than this mask). Active only on autodiff backends, like burn's dropout.
#[derive(Module, Clone, Debug)]
pub struct HostDropout {
    prob: f64,
}

impl HostDropout {
    /// Zeroes each element with probability `prob` and scales the rest by `1 / (1 - prob)`.
    ///
    /// Errors if the mask's seed cannot be read back from the backend: falling back to a fixed
    /// seed would silently apply the same mask at every step.
    ///
    /// # Shapes
    /// - input and output: any
    pub fn forward<B: Backend, const D: usize>(&self, input: Tensor<B, D>) -> Result<Tensor<B, D>> {
        let device = input.device();
        if !B::ad_enabled(&device) || self.prob == 0.0 {
            return Ok(input);
        }
        let seed = Tensor::<B, 1>::random([2], Distribution::Default, &device)
            .into_data()
            .convert::<f32>()
            .into_vec::<f32>()
            .map_err(|e| ModelError::InvalidInput {
                name: "dropout",
                message: format!("reading the mask seed back from the backend: {e:?}"),
            })?
            .iter()
            .fold(0u64, |seed, value| {
                (seed << 32) | u64::from(value.to_bits())
            });
        let mut rng = SmallRng::seed_from_u64(seed);
        let shape = input.shape();
        let threshold = (self.prob * 65536.0).round() as u64;
        let n = shape.num_elements();
        let mut dropped = Vec::with_capacity(n + 3);
        while dropped.len() < n {
            let bits = rng.next_u64();
            dropped.extend((0..4).map(|k| (bits >> (16 * k)) & 0xFFFF < threshold));
        }
        dropped.truncate(n);
        let mask = Tensor::<B, D, Bool>::from_data(TensorData::new(dropped, shape), &device);
        Ok(input.mask_fill(mask, 0.0) * (1.0 / (1.0 - self.prob)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::{Autodiff, Flex};

    #[test]
    fn drops_the_expected_share_and_keeps_the_mean_only_when_training() {
        type A = Autodiff<Flex>;
        let dropout = HostDropoutConfig::new(0.25).init();
        let ones = Tensor::<A, 2>::ones([200, 100], &Default::default());
        let out = dropout
            .forward(ones)
            .unwrap()
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        let zeros = out.iter().filter(|&&v| v == 0.0).count() as f64 / out.len() as f64;
        assert!((zeros - 0.25).abs() < 0.02, "dropped {zeros}");
        let mean = out.iter().sum::<f32>() / out.len() as f32;
        assert!((mean - 1.0).abs() < 0.03, "mean {mean}");
        assert!(out
            .iter()
            .all(|&v| v == 0.0 || (v - 4.0 / 3.0).abs() < 1e-6));

        // Every call draws a fresh mask.
        let again = dropout
            .forward(Tensor::<A, 2>::ones([200, 100], &Default::default()))
            .unwrap()
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        assert_ne!(out, again);

        let inference = Tensor::<Flex, 2>::ones([4, 4], &Default::default());
        let same = dropout.forward(inference.clone()).unwrap();
        assert_eq!(same.into_data(), inference.into_data());
    }
}
