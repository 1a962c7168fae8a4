//! Wider registers for the dense Cholesky factor, chosen at run time.
//!
//! The prebuilt addon targets baseline x86-64 (SSE2: two doubles per register). The dense
//! factor (`dense_chol.rs`, the Newton systems of the Nash stage's interior-point solves on
//! 300×300 plain markets: 44% of their time) is a loop of four independent lanes that the
//! compiler widens to one four-double register when it may use AVX2, which every x86-64
//! server of the last decade has. Measured on the benchmark's plain 300×300 market, one
//! thread: Nash stage 463–473 → 387–405 ms. The interior-point iteration of
//! `bipartite_ipm.rs` compiled the same way gained nothing (its loops wait on divisions and
//! memory), so it stays baseline code.
//!
//! The results are the same bits either way: the lanes are the source's own (`dot`'s four
//! partial sums), nothing is reassociated, and Rust never contracts `a * b + c` into a fused
//! multiply-add, so every lane does the baseline's multiplications and additions in the
//! baseline's order. Responses stay byte-identical across machines; a unit test of
//! `dense_chol` compares both builds bit for bit.

/// True when the processor supports AVX2: the caller then runs its `…_avx2` twin, a
/// `#[target_feature(enable = "avx2")]` function whose body is the baseline function,
/// `#[inline(always)]` down to the hot loops so that they are compiled inside it. (A closure
/// passed to one generic AVX2 runner is not inlined into it, measured: the loops stay
/// baseline code; hence one small twin per kernel.)
#[inline(always)]
pub(crate) fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}
