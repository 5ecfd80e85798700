//! Derived random streams: every random choice of a run comes from `(seed, stream, index)`.
//!
//! Deriving a fresh generator per epoch (shuffling, backend dropout) and per user (example
//! preparation) makes results independent of processing order and makes `(seed, epoch)` the
//! whole random state a resumed run needs.

use rand::rngs::StdRng;
use rand::SeedableRng;

/// Named random streams, so two uses of the same seed never share draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    /// Choice of training targets, forms and negatives (per user).
    Examples = 1,
    /// Order of the examples in an epoch (per epoch).
    Shuffle = 3,
    /// The backend's generator (per epoch), for draws of user-written heads or encoders.
    Backend = 4,
    /// Instruction wording of evaluation cases (per user).
    Evaluation = 5,
    /// Negatives of the matching loss (per epoch).
    Negatives = 6,
    /// Items whose ID embedding is hidden (per epoch).
    IdDropout = 7,
    /// The validation users kept when their number is capped (once per run).
    ValidationUsers = 8,
    /// Dropout masks of one replica's part of a step (per step and part).
    Dropout = 9,
    /// History items replaced in one replica's part of a step (per step and part).
    HistorySubstitution = 10,
}

/// SplitMix64 finalizer: a well-mixed 64-bit function of its input.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of item `index` of `stream` in a run seeded with `seed`.
pub(crate) fn derive_seed(seed: u64, stream: Stream, index: u64) -> u64 {
    mix(mix(mix(seed) ^ stream as u64) ^ index)
}

/// A generator for item `index` of `stream`.
pub(crate) fn rng(seed: u64, stream: Stream, index: u64) -> StdRng {
    StdRng::seed_from_u64(derive_seed(seed, stream, index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_and_indices_are_independent_and_reproducible() {
        let a = derive_seed(7, Stream::Shuffle, 0);
        assert_eq!(a, derive_seed(7, Stream::Shuffle, 0));
        assert_ne!(a, derive_seed(7, Stream::Shuffle, 1));
        assert_ne!(a, derive_seed(7, Stream::Backend, 0));
        assert_ne!(a, derive_seed(8, Stream::Shuffle, 0));
        let x: u64 = rng(3, Stream::Examples, 5).random();
        let y: u64 = rng(3, Stream::Examples, 5).random();
        assert_eq!(x, y);
    }
}
