//! Dense Cholesky factorisation for small symmetric positive definite systems whose pattern
//! is (nearly) full — the Newton matrices of the Nash stage on a complete bipartite face, where
//! every party trades with every leg of the other side. The sparse factor (`sparse_chol.rs`)
//! pays for its indirection there and gains nothing; this one keeps the lower triangle
//! row-major so that each entry of the factor is one contiguous dot product.

/// An `m × m` symmetric matrix stored as its lower triangle, row-major in a full `m × m` array
/// (`values[i * m + j]`, `j <= i`).
#[derive(Debug, Clone)]
pub struct Dense {
    m: usize,
}

impl Dense {
    #[must_use]
    pub fn new(m: usize) -> Self {
        Self { m }
    }

    #[must_use]
    pub fn dim(&self) -> usize {
        self.m
    }

    /// Storage for the matrix's values (and, after `factor`, the factor's).
    #[must_use]
    pub fn values(&self) -> Vec<f64> {
        vec![0.0; self.m * self.m]
    }

    /// Where entry `(i, j)` (either order) lives.
    #[must_use]
    pub fn slot(&self, i: usize, j: usize) -> Option<usize> {
        (i < self.m && j < self.m).then(|| i.max(j) * self.m + i.min(j))
    }

    /// Where diagonal entry `i` lives.
    #[must_use]
    pub fn diagonal(&self, i: usize) -> usize {
        i * self.m + i
    }

    /// Overwrite the lower triangle with `L` (`A = L Lᵀ`). A pivot that is not clearly
    /// positive (relative to the original diagonal) becomes huge, which drops that direction
    /// from the solve instead of failing — the same rule as the sparse factor. Returns false
    /// on a non-finite result.
    #[must_use]
    pub fn factor(&self, a: &mut [f64]) -> bool {
        let m = self.m;
        if a.len() != m * m {
            return false;
        }
        factor_with(m, a, Pivots::OWN);
        a.iter().all(|x| x.is_finite())
    }

    /// Solve `A x = rhs` in place with the factor from `factor`.
    pub fn solve(&self, l: &[f64], rhs: &mut [f64]) {
        let m = self.m;
        for i in 0..m {
            let s = rhs[i] - dot(&l[i * m..i * m + i], &rhs[..i]);
            rhs[i] = s / l[i * m + i];
        }
        for i in (0..m).rev() {
            let xi = rhs[i] / l[i * m + i];
            rhs[i] = xi;
            for k in 0..i {
                rhs[k] -= l[i * m + k] * xi;
            }
        }
    }
}

/// How a factor judges its pivots: one that is not clearly positive relative to a reference
/// diagonal becomes `huge`, which drops that direction from the solve instead of failing.
#[derive(Clone, Copy)]
pub(crate) struct Pivots<'a> {
    /// The diagonal a pivot is judged against: the matrix's own (`None`), or another (the
    /// sparse factor's dense tail: its diagonal before the sparse columns' updates).
    pub reference: Option<&'a [f64]>,
    pub huge: f64,
}

impl Pivots<'_> {
    /// `Dense::factor`'s rule.
    const OWN: Pivots<'static> = Pivots {
        reference: None,
        huge: 1e32,
    };
}

/// The factor of `Dense::factor` on an `m × m` row-major lower triangle, with `pivots`' rule:
/// four lanes per register where the processor has them, more rows per pass where it has the
/// registers for them; the same bits either way.
pub(crate) fn factor_with(m: usize, a: &mut [f64], pivots: Pivots<'_>) {
    #[cfg(target_arch = "x86_64")]
    if crate::wide::has_avx512() {
        #[allow(
            unsafe_code,
            reason = "an AVX-512 function, called after the check above"
        )]
        // SAFETY: the processor supports AVX-512 F and VL (`has_avx512`).
        unsafe {
            factor_avx512(m, a, pivots);
        }
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if crate::wide::has_avx2() {
        #[allow(unsafe_code, reason = "an AVX2 function, called after the check above")]
        // SAFETY: the processor supports AVX2 (`has_avx2`).
        unsafe {
            factor_avx2(m, a, pivots);
        }
        return;
    }
    factor_lower::<2>(m, a, pivots);
}

/// `factor_lower` compiled for AVX2 (`wide.rs`), four rows at a time: eight four-lane sums
/// and six loads fit AVX2's sixteen registers.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn factor_avx2(m: usize, a: &mut [f64], pivots: Pivots<'_>) {
    factor_lower::<4>(m, a, pivots);
}

/// `factor_lower` compiled for AVX-512 (`wide.rs`), eight rows at a time: sixteen four-lane
/// sums and ten loads fit its 32 registers (ten loads per sixteen products; with two rows it
/// was four per four, and the loads bound the loop).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,avx512f,avx512vl")]
fn factor_avx512(m: usize, a: &mut [f64], pivots: Pivots<'_>) {
    factor_lower::<8>(m, a, pivots);
}

/// The left-looking factor of `Dense::factor`, in place on the row-major lower triangle, the
/// rows below each pair of pivot columns taken `R` at a time (any `R` gives the same bits).
#[inline(always)]
fn factor_lower<const R: usize>(m: usize, a: &mut [f64], pivots: Pivots<'_>) {
    let reference = |i: usize, own: f64| pivots.reference.map_or(own, |r| r[i]);
    // Columns two at a time (left-looking): each row below updates both from one pass
    // over its prefix, so every load of the two pivot rows serves four products.
    let mut j = 0;
    while j < m {
        let dj = pivot(
            a[j * m + j],
            dot(&a[j * m..j * m + j], &a[j * m..j * m + j]),
            reference(j, a[j * m + j]),
            pivots.huge,
        );
        a[j * m + j] = dj;
        if j + 1 == m {
            break;
        }
        let k = j + 1;
        let lkj = (a[k * m + j] - dot(&a[k * m..k * m + j], &a[j * m..j * m + j])) / dj;
        a[k * m + j] = lkj;
        let dk = pivot(
            a[k * m + k],
            dot(&a[k * m..k * m + k], &a[k * m..k * m + k]),
            reference(k, a[k * m + k]),
            pivots.huge,
        );
        a[k * m + k] = dk;
        // L[i][j] = (A[i][j] − L[i][..j]·L[j][..j]) / L[j][j], then L[i][k] likewise with
        // the new L[i][j] added to the prefix product.
        let (upto, rest) = a.split_at_mut((k + 1) * m);
        let (lj, lk) = (&upto[j * m..j * m + j], &upto[k * m..k * m + j]);
        // Each row below: its two entries from its prefix sums with the pivot rows.
        let finish = |r: &mut [f64], [s0, s1]: [f64; 2]| {
            let x0 = (r[j] - s0) / dj;
            r[j] = x0;
            r[k] = (r[k] - (s1 + x0 * lkj)) / dk;
        };
        // `R` rows at a time against the two pivot rows, the rows past the last whole group one
        // at a time. Each row's sums are its own, so the grouping changes no bits.
        let mut groups = rest[..(m - k - 1) * m].chunks_exact_mut(R * m);
        for group in &mut groups {
            let mut rows = group.chunks_exact_mut(m);
            let block: [&mut [f64]; R] = std::array::from_fn(|_| rows.next().unwrap_or_default());
            let prefixes: [&[f64]; R] = std::array::from_fn(|i| &block[i][..j]);
            let sums = dot_block::<R, 2>(prefixes, [lj, lk]);
            for (r, s) in block.into_iter().zip(sums) {
                finish(r, s);
            }
        }
        for r in groups.into_remainder().chunks_exact_mut(m) {
            let [s] = dot_block::<1, 2>([&r[..j]], [lj, lk]);
            finish(r, s);
        }
        j += 2;
    }
}

/// The pivot `√(value − sum)`; one that is not clearly positive relative to `reference`
/// becomes `huge` (see `Pivots`).
#[inline(always)]
fn pivot(value: f64, sum: f64, reference: f64, huge: f64) -> f64 {
    let d = value - sum;
    if d.is_nan() || d <= 1e-13 * reference.abs() || d <= 0.0 {
        huge
    } else {
        d.sqrt()
    }
}

/// Dot product with four independent sums (the compiler keeps a single running sum in order
/// otherwise, which serialises on the add latency); short rows (the Newton matrices of small
/// components) take a plain loop.
#[inline(always)]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    if n < 8 {
        return a[..n].iter().zip(&b[..n]).map(|(x, y)| x * y).sum();
    }
    let (mut s0, mut s1, mut s2, mut s3) = (0.0, 0.0, 0.0, 0.0);
    let chunks = n / 4;
    for c in 0..chunks {
        let k = 4 * c;
        s0 += a[k] * b[k];
        s1 += a[k + 1] * b[k + 1];
        s2 += a[k + 2] * b[k + 2];
        s3 += a[k + 3] * b[k + 3];
    }
    for k in 4 * chunks..n {
        s0 += a[k] * b[k];
    }
    (s0 + s1) + (s2 + s3)
}

/// `[[a_i · b_j]]` for `R` rows of `a` against `C` rows of `b`, each with `dot`'s additions in
/// `dot`'s order (so the same bits as `dot`): a register block of a dense product, every load
/// of a row serving `R` or `C` products.
#[inline(always)]
pub(crate) fn dot_block<const R: usize, const C: usize>(
    a: [&[f64]; R],
    b: [&[f64]; C],
) -> [[f64; C]; R] {
    let n = a.iter().chain(&b).map(|x| x.len()).min().unwrap_or(0);
    if n < 8 {
        return std::array::from_fn(|i| std::array::from_fn(|j| dot(&a[i][..n], &b[j][..n])));
    }
    let ac: [&[[f64; 4]]; R] = std::array::from_fn(|i| a[i][..n].as_chunks::<4>().0);
    let bc: [&[[f64; 4]]; C] = std::array::from_fn(|j| b[j][..n].as_chunks::<4>().0);
    let chunks = n / 4;
    let mut s = [[[0.0_f64; 4]; C]; R];
    for k in 0..chunks {
        let x: [[f64; 4]; R] = std::array::from_fn(|i| ac[i][k]);
        let y: [[f64; 4]; C] = std::array::from_fn(|j| bc[j][k]);
        for i in 0..R {
            for j in 0..C {
                for l in 0..4 {
                    s[i][j][l] += x[i][l] * y[j][l];
                }
            }
        }
    }
    for k in 4 * chunks..n {
        for i in 0..R {
            for j in 0..C {
                s[i][j][0] += a[i][k] * b[j][k];
            }
        }
    }
    s.map(|row| row.map(|v| (v[0] + v[1]) + (v[2] + v[3])))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `A = B Bᵀ + I` for a random `B` (entries in [−1, 1)): symmetric positive definite,
    /// the full matrix row-major.
    fn random_spd(m: usize, seed: &mut u64) -> Vec<f64> {
        let mut next = || {
            *seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((*seed >> 33) % 2000) as f64 / 1000.0 - 1.0
        };
        let b: Vec<f64> = (0..m * m).map(|_| next()).collect();
        let mut full = vec![0.0; m * m];
        for i in 0..m {
            for j in 0..m {
                full[i * m + j] = (0..m).map(|k| b[i * m + k] * b[j * m + k]).sum::<f64>()
                    + if i == j { 1.0 } else { 0.0 };
            }
        }
        full
    }

    /// Whether two factors agree bit for bit.
    fn same_bits(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
    }

    /// The lower triangle of a full matrix in `Dense`'s storage.
    fn lower(dense: &Dense, full: &[f64]) -> Vec<f64> {
        let m = dense.dim();
        let mut a = dense.values();
        for i in 0..m {
            for j in 0..=i {
                let slot = dense.slot(j, i).expect("in range");
                a[slot] = full[i * m + j];
            }
        }
        a
    }

    #[test]
    fn solves_dense_spd_systems() {
        let mut seed = 7_u64;
        for m in [1, 2, 3, 5, 8, 31, 64, 97] {
            let full = random_spd(m, &mut seed);
            let dense = Dense::new(m);
            let mut a = lower(&dense, &full);
            assert!(dense.factor(&mut a));
            let x: Vec<f64> = (0..m).map(|i| (i as f64 * 0.37).cos()).collect();
            let mut rhs: Vec<f64> = (0..m)
                .map(|i| (0..m).map(|j| full[i * m + j] * x[j]).sum())
                .collect();
            dense.solve(&a, &mut rhs);
            for i in 0..m {
                assert!(
                    (rhs[i] - x[i]).abs() < 1e-9,
                    "m={m} i={i}: {} vs {}",
                    rhs[i],
                    x[i]
                );
            }
        }
    }

    #[test]
    fn the_wide_build_gives_the_baseline_bits() {
        // `Dense::factor` takes the AVX2 build where the processor has it (`wide.rs`); the
        // baseline build of the same loop must give the same bits, or responses would differ
        // between machines.
        let mut seed = 11_u64;
        for m in [3, 9, 17, 64, 130, 231] {
            let dense = Dense::new(m);
            let mut a = lower(&dense, &random_spd(m, &mut seed));
            let mut baseline = a.clone();
            factor_lower::<2>(m, &mut baseline, Pivots::OWN);
            assert!(dense.factor(&mut a));
            let same = same_bits(&a, &baseline);
            assert!(
                same,
                "m={m}: the dispatched factor differs from the baseline build"
            );
        }
    }

    #[test]
    fn every_row_grouping_gives_the_same_bits() {
        // The AVX2 and AVX-512 builds group four and eight rows per pass; whichever this
        // processor runs, each grouping must give the two-row baseline's bits.
        let mut seed = 13_u64;
        for m in [2, 5, 9, 12, 17, 40, 77, 130] {
            let dense = Dense::new(m);
            let a = lower(&dense, &random_spd(m, &mut seed));
            let mut baseline = a.clone();
            factor_lower::<2>(m, &mut baseline, Pivots::OWN);
            for (r, mut got) in [(1, a.clone()), (4, a.clone()), (8, a.clone())] {
                match r {
                    1 => factor_lower::<1>(m, &mut got, Pivots::OWN),
                    4 => factor_lower::<4>(m, &mut got, Pivots::OWN),
                    _ => factor_lower::<8>(m, &mut got, Pivots::OWN),
                }
                let same = same_bits(&got, &baseline);
                assert!(same, "m={m}: {r} rows per pass differ from two");
            }
        }
    }

    /// The sparse factor's dense tail judges its pivots against another diagonal (`Pivots`):
    /// there too every grouping and the dispatched build give the baseline's bits, and a pivot
    /// that is small against the reference becomes the huge value even where it is not small
    /// against the matrix's own diagonal.
    #[test]
    fn pivots_judged_against_a_reference_keep_the_bits_and_the_rule() {
        let mut seed = 17_u64;
        for m in [5, 17, 40, 77] {
            let dense = Dense::new(m);
            let a = lower(&dense, &random_spd(m, &mut seed));
            // Row 3's reference is 1e16 times its own diagonal: its pivot (the diagonal less
            // a sum of squares) is then below 1e-13 of the reference.
            let reference: Vec<f64> = (0..m)
                .map(|i| a[i * m + i] * if i == 3 { 1e16 } else { 1.0 })
                .collect();
            let pivots = Pivots {
                reference: Some(&reference),
                huge: 1e64,
            };
            let mut baseline = a.clone();
            factor_lower::<2>(m, &mut baseline, pivots);
            assert_eq!(baseline[3 * m + 3].to_bits(), 1e64_f64.to_bits(), "m={m}");
            assert!((1..m)
                .filter(|&i| i != 3)
                .all(|i| baseline[i * m + i] < 1e3));
            let mut dispatched = a.clone();
            factor_with(m, &mut dispatched, pivots);
            let mut runs = vec![(0, dispatched)];
            for r in [1, 4, 8] {
                let mut got = a.clone();
                match r {
                    1 => factor_lower::<1>(m, &mut got, pivots),
                    4 => factor_lower::<4>(m, &mut got, pivots),
                    _ => factor_lower::<8>(m, &mut got, pivots),
                }
                runs.push((r, got));
            }
            for (r, got) in runs {
                let same = same_bits(&got, &baseline);
                assert!(
                    same,
                    "m={m}: {r} rows per pass (0: dispatched) differ from two"
                );
            }
        }
    }

    #[test]
    fn a_block_of_dots_is_each_dot() {
        // `dot_block` promises `dot`'s bits for every entry, at every length (short rows take
        // `dot` itself, long ones its four lanes and its remainder).
        let mut seed = 5_u64;
        for n in [0, 3, 7, 8, 9, 31, 64] {
            // Off-diagonal entries of random SPD matrices: values of both signs, no pattern.
            let values = random_spd(n + 1, &mut seed);
            let rows: Vec<Vec<f64>> = (0..7)
                .map(|r| {
                    (0..n)
                        .map(|k| values[(k + 1) * (n + 1) + (r % (k + 1))] + r as f64 * 0.3)
                        .collect()
                })
                .collect();
            let a: [&[f64]; 3] = std::array::from_fn(|i| &rows[i][..]);
            let b: [&[f64]; 4] = std::array::from_fn(|j| &rows[3 + j][..]);
            let s = dot_block::<3, 4>(a, b);
            for i in 0..3 {
                for j in 0..4 {
                    assert_eq!(
                        s[i][j].to_bits(),
                        dot(a[i], b[j]).to_bits(),
                        "n={n} ({i}, {j})"
                    );
                }
            }
        }
    }

    #[test]
    fn a_singular_direction_is_dropped_not_fatal() {
        // [[1, 1], [1, 1]] is singular: the second pivot is 0 and becomes huge.
        let dense = Dense::new(2);
        let mut a = vec![1.0, 0.0, 1.0, 1.0];
        assert!(dense.factor(&mut a));
        let mut rhs = vec![2.0, 2.0];
        dense.solve(&a, &mut rhs);
        assert!((rhs[0] - 2.0).abs() < 1e-12 && rhs[1].abs() < 1e-12);
    }
}
