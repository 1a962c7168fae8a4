//! Wider registers for the dense kernels of the Nash stage, chosen at run time.
//!
//! The prebuilt addon targets baseline x86-64 (SSE2: two doubles per register). The dense
//! factor (`dense_chol.rs`, the Newton systems of the Nash stage's interior-point solves on
//! 300×300 plain markets: 44% of their time) is a loop of four independent lanes that the
//! compiler widens to one four-double register when it may use AVX2, which every x86-64
//! server of the last decade has. Measured on the benchmark's plain 300×300 market, one
//! thread: Nash stage 463–473 → 387–405 ms. The interior-point iteration of
//! `bipartite_ipm.rs` compiled the same way gained nothing at first (its loops wait on
//! divisions and memory); once the factor and the Newton-matrix product (`lower_product`)
//! were blocked (below), the whole iteration as an AVX2 twin (`solve_avx2`) took 7% fewer
//! instructions on plain 100×100 (callgrind, 96.9 M → 89.7 M) and 5–7% less time (one thread,
//! six alternating pairs of runs); an AVX-512 twin of it gained nothing more, so there is none.
//!
//! With more registers a kernel can also hold more sums at once, so each load serves more
//! products: the factor takes two rows per pass in the baseline build, four with AVX2 and
//! eight with AVX-512 (F and VL: 32 registers, used four doubles wide); the product two by two,
//! then four by four. Measured on the benchmark's plain 300×300 market, one thread
//! (callgrind, AVX2 build): factor 566 M → 362 M instructions, product 416 M → 249 M; on an
//! AVX-512 machine the whole solve 18–28% less time (three alternating pairs of runs). Each row's and each
//! entry's sums are its own, so the grouping changes no bits either.
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

/// True when the processor supports AVX-512 F and VL (32 vector registers of four or eight
/// doubles): kernels whose register blocks need more than AVX2's sixteen take their
/// `…_avx512` twin.
#[inline(always)]
pub(crate) fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}
