//! The deterministic xorshift generator the benchmark corpora are made with: the same arguments
//! give the same corpus on every run. Shared by the example binaries with `#[path]`.
#![allow(dead_code)]

/// Xorshift64 generator seeded with a non-zero value.
pub struct Rng(pub u64);

impl Rng {
    /// The next raw value.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Zipf-like pick: small indexes much more often, like words in real text.
    pub fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((n as f64).powf(u) as usize)
            .saturating_sub(1)
            .min(n.saturating_sub(1))
    }
}
