//! SplitMix64, the one seeded generator of the Rust tests and benches: tiny and identical on
//! every platform, so a failing seed reproduces anywhere. Each test or bench crate includes
//! this file with `#[path]` and uses part of it.
#![allow(dead_code)] // each including crate uses a different subset

pub struct Rng(pub u64);

impl Rng {
    /// A generator whose state is the seed mixed with the golden-ratio increment (so that seed
    /// 0 does not start at state 0).
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        #[allow(clippy::cast_precision_loss)] // a 53-bit draw, exact in an f64
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        u
    }
    pub fn range(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.unit()
    }
    /// Uniform integer in [a, b].
    pub fn int(&mut self, a: usize, b: usize) -> usize {
        a + (self.next_u64() % (b - a + 1) as u64) as usize
    }
    /// Uniform integer in [0, n).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// A value with two decimals in [a, b]: coarse on purpose, so that ties happen.
    pub fn cents(&mut self, a: f64, b: f64) -> f64 {
        (self.range(a, b) * 100.0).round() / 100.0
    }
    /// A whole quantity in [lo, hi].
    pub fn qty(&mut self, lo: u32, hi: u32) -> f64 {
        f64::from(lo + (self.next_u64() % u64::from(hi - lo + 1)) as u32)
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}
