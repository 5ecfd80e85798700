//! 64-bit FNV-1a, the one hash behind every fingerprint of the workspace: checkpoint weight
//! digests here and the training-data fingerprint a resumed run checks.
//!
//! Chosen for being tiny, dependency-free and stable across platforms and releases (unlike
//! `std`'s `DefaultHasher`), so a fingerprint written to disk stays comparable. It detects
//! accidental changes only; it is not a cryptographic hash.

/// FNV-1a's 64-bit offset basis: the hash of no bytes.
const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a's 64-bit prime.
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// An incremental 64-bit FNV-1a hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fnv1a64(u64);

impl Default for Fnv1a64 {
    fn default() -> Self {
        Self(OFFSET_BASIS)
    }
}

impl Fnv1a64 {
    /// Adds `bytes`.
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(PRIME);
        }
        self
    }

    /// Adds each word as its 4 little-endian bytes, so the hash is the same on every platform.
    pub fn words(&mut self, words: &[u32]) -> &mut Self {
        for word in words {
            self.bytes(&word.to_le_bytes());
        }
        self
    }

    /// The hash of everything added so far.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// The 64-bit FNV-1a hash of `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    Fnv1a64::default().bytes(bytes).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_vectors_and_hashes_words_little_endian() {
        // From the FNV reference test suite.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
        let words = Fnv1a64::default().words(&[1, 0x0403_0201]).finish();
        assert_eq!(words, fnv1a64(&[1, 0, 0, 0, 1, 2, 3, 4]));
        let split = Fnv1a64::default().bytes(b"foo").bytes(b"bar").finish();
        assert_eq!(split, fnv1a64(b"foobar"));
    }
}
