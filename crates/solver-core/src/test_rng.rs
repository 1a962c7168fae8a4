//! The tests' pseudo-random numbers: one 64-bit linear congruential step (Knuth's MMIX
//! constants), so generated test data is the same on every machine and every run.

/// The generator's successive states from `seed` (the first call returns the state after one
/// step); callers take the bits they need (`>> 11` for a 53-bit fraction, `>> 33` for a
/// small integer).
pub(crate) fn states(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed;
    move || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        s
    }
}

/// Uniform in `[0, 1)` from the top 53 bits of each state.
pub(crate) fn unit(seed: u64) -> impl FnMut() -> f64 {
    let mut next = states(seed);
    move || (next() >> 11) as f64 / (1_u64 << 53) as f64
}
