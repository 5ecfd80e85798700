//! Dropout whose masks come from a seeded per-thread stream instead of the backend's generator.
//!
//! burn's CPU backends keep one process-wide generator, so two threads that train replicas of a
//! model at once would interleave their draws and make every run different. Here each thread
//! draws from its own stream, which [`seed_dropout`] resets: a trainer that seeds each replica's
//! thread before its step gets the same masks whatever the scheduling.
//!
//! ```
//! use burn::backend::{Autodiff, Flex};
//! use burn::prelude::*;
//! use instructrec_fusion::dropout::{seed_dropout, HostDropoutConfig};
//!
//! type A = Autodiff<Flex>;
//! let dropout = HostDropoutConfig::new(0.5).init();
//! let masked = |seed| {
//!     seed_dropout(seed);
//!     dropout.forward(Tensor::<A, 1>::ones([64], &Default::default())).into_data()
//! };
//! assert_eq!(masked(7), masked(7));
//! assert_ne!(masked(7), masked(8));
//! ```

use std::cell::RefCell;

use burn::prelude::*;
use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};

/// The seed of a thread's stream before its first [`seed_dropout`].
const DEFAULT_SEED: u64 = 0x5EED_D809;

thread_local! {
    static STREAM: RefCell<SmallRng> = RefCell::new(SmallRng::seed_from_u64(DEFAULT_SEED));
}

/// Restarts the calling thread's dropout stream from `seed`.
///
/// Every mask drawn on this thread afterwards (by [`HostDropout`] and the ID dropout of
/// [`ItemTower`](crate::ItemTower)) follows from `seed` and the order of the draws.
pub fn seed_dropout(seed: u64) {
    STREAM.with(|stream| *stream.borrow_mut() = SmallRng::seed_from_u64(seed));
}

/// `n` independent decisions that are `true` with probability `prob` (to 1/65536), drawn
/// from the calling thread's stream, four per 64-bit draw.
pub fn bernoulli_mask(n: usize, prob: f64) -> Vec<bool> {
    let threshold = (prob.clamp(0.0, 1.0) * 65536.0).round() as u64;
    let mut mask = Vec::with_capacity(n + 3);
    STREAM.with(|stream| {
        let mut stream = stream.borrow_mut();
        while mask.len() < n {
            let bits = stream.next_u64();
            mask.extend((0..4).map(|k| (bits >> (16 * k)) & 0xFFFF < threshold));
        }
    });
    mask.truncate(n);
    mask
}

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

/// Inverted dropout, like `burn::nn::Dropout`, with the mask drawn on the host from the
/// calling thread's stream (see the [module docs](self)).
///
/// Besides being reproducible under threads it is faster: burn's CPU backends draw each
/// Bernoulli sample through a cryptographic generator, which was the largest element-wise cost
/// of a query-tower training step (about 3.5x slower than this mask). Active only on autodiff
/// backends, like burn's dropout.
#[derive(Module, Clone, Debug)]
pub struct HostDropout {
    prob: f64,
}

impl HostDropout {
    /// Zeroes each element with probability `prob` and scales the rest by `1 / (1 - prob)`.
    ///
    /// # Shapes
    /// - input and output: any
    pub fn forward<B: Backend, const D: usize>(&self, input: Tensor<B, D>) -> Tensor<B, D> {
        let device = input.device();
        if !B::ad_enabled(&device) || self.prob == 0.0 {
            return input;
        }
        let shape = input.shape();
        let dropped = bernoulli_mask(shape.num_elements(), self.prob);
        let mask = Tensor::<B, D, Bool>::from_data(TensorData::new(dropped, shape), &device);
        input.mask_fill(mask, 0.0) * (1.0 / (1.0 - self.prob))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::{Autodiff, Flex};

    type A = Autodiff<Flex>;

    fn ones() -> Tensor<A, 2> {
        Tensor::ones([200, 100], &Default::default())
    }

    #[test]
    fn drops_the_expected_share_and_keeps_the_mean_only_when_training() {
        let dropout = HostDropoutConfig::new(0.25).init();
        let out = dropout.forward(ones()).into_data().to_vec::<f32>().unwrap();
        let zeros = out.iter().filter(|&&v| v == 0.0).count() as f64 / out.len() as f64;
        assert!((zeros - 0.25).abs() < 0.02, "dropped {zeros}");
        let mean = out.iter().sum::<f32>() / out.len() as f32;
        assert!((mean - 1.0).abs() < 0.03, "mean {mean}");
        assert!(out
            .iter()
            .all(|&v| v == 0.0 || (v - 4.0 / 3.0).abs() < 1e-6));

        // Every call draws a fresh mask.
        let again = dropout.forward(ones()).into_data().to_vec::<f32>().unwrap();
        assert_ne!(out, again);

        let inference = Tensor::<Flex, 2>::ones([4, 4], &Default::default());
        let same = dropout.forward(inference.clone());
        assert_eq!(same.into_data(), inference.into_data());
    }

    #[test]
    fn each_thread_replays_its_own_seeded_stream() {
        let dropout = HostDropoutConfig::new(0.5).init();
        let masks = |seed: u64| {
            seed_dropout(seed);
            [
                dropout.forward(ones()).into_data(),
                dropout.forward(ones()).into_data(),
            ]
        };
        let here = masks(11);
        // Another thread drawing at the same time neither sees nor disturbs this stream.
        let there = std::thread::scope(|scope| {
            let other = scope.spawn(|| masks(11));
            let mine = masks(11);
            (mine, other.join().unwrap())
        });
        assert_eq!(here, there.0);
        assert_eq!(here, there.1);
        assert_ne!(here[0], here[1]);
        assert_ne!(here, masks(12));
    }

    #[test]
    fn the_mask_share_follows_the_probability() {
        seed_dropout(3);
        assert!(bernoulli_mask(1000, 0.0).iter().all(|&d| !d));
        assert!(bernoulli_mask(1000, 1.0).iter().all(|&d| d));
        let share = bernoulli_mask(40_000, 0.1).iter().filter(|&&d| d).count() as f64 / 40_000.0;
        assert!((share - 0.1).abs() < 0.01, "{share}");
        assert_eq!(bernoulli_mask(5, 0.5).len(), 5);
    }
}
