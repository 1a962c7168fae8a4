//! The master problem of the Nash stage (settlement.md §3.2): Nash bargaining over the convex
//! hull of given utility vectors.
//!
//! Given columns `V_j` (utility vectors of vertices of the frontier) and weights `w`, find
//! `λ ≥ 0, Σ λ = 1` maximising `Φ(λ) = Σ_{i : w_i > 0} w_i log u_i` with `u = Σ_j λ_j V_j`.
//! `Φ` is concave; it is strictly concave in `u` (so `u*` is unique) but not in `λ` when columns
//! are redundant.
//!
//! ## Optimality
//!
//! With `g_j = ∂Φ/∂λ_j = Σ_i w_i V_ij / u_i`, one always has `Σ_j λ_j g_j = Σ_i w_i = W`; the
//! KKT conditions are `g_j = W` where `λ_j > 0` and `g_j ≤ W` where `λ_j = 0`.
//!
//! ## Method
//!
//! 1. Start from the warm start (projected on the simplex) or the uniform mix, and make sure
//!    every weighted party gets something.
//! 2. If many columns carry weight, a few multiplicative updates `λ_j ← λ_j g_j / W` (Cover's
//!    portfolio iteration, 1984: monotone, stays on the simplex) find the columns that matter
//!    cheaply; the rest are dropped (pricing brings back any that was wrong to drop).
//! 3. A primal active-set Newton method on the face of the simplex: the working set is the
//!    support plus the columns priced out as improving (`g_j > W`); the Newton step solves
//!    `min −rᵀd + ½ dᵀ M d` subject to `Σ d = 0` with `M = Vᵀ diag(w/u²) V` on the working set,
//!    regularised (`M + δI`, `δ` relative to its diagonal, raised until the Cholesky
//!    factorisation succeeds) because redundant columns make `M` singular. A ratio test keeps
//!    `λ ≥ 0` (a column that hits 0 leaves the support), and the step length maximises `Φ`
//!    along the direction exactly: `Φ` is concave along a line, so the safeguarded
//!    Newton–bisection on its derivative needs no function differences (which vanish in round-off
//!    near the optimum).
//!
//! Newton converges quadratically once the support is right, so the KKT residual reaches
//! round-off (`~1e-15` relative) in a handful of steps. Everything is a fixed sequence of
//! floating-point operations: the result is deterministic.

// `!(x > 0.0)` is deliberate throughout: it is also true for NaN, which must be refused too.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

/// Solution of the master problem.
#[derive(Debug, Clone, PartialEq)]
pub struct MasterSolution {
    /// Convex weights of the columns (≥ 0, sum 1).
    pub lambda: Vec<f64>,
    /// `Σ_j λ_j V_j`, for every party (also those with weight 0).
    pub utility: Vec<f64>,
    /// `Σ_{i : w_i > 0} w_i ln u_i`.
    pub objective: f64,
}

/// Why the master problem has no solution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterError {
    /// Some party with `w > 0` gets 0 in every column (or there are no columns).
    Infeasible,
    /// Malformed input (a weight or entry that is negative or not finite, a column whose length
    /// differs from the weights'), or the iteration failed to reach the KKT conditions.
    Numerical,
}

/// KKT residual (relative to `W`) at which the iteration stops.
const KKT_TARGET: f64 = 1e-14;
/// Residual above which a result is refused as `Numerical` if the iteration stalls.
const KKT_ACCEPT: f64 = 1e-9;
/// A column outside the support joins the working set when `g_j > W (1 + ADD_TOL)`.
const ADD_TOL: f64 = 1e-14;
/// At most this many columns join the working set per iteration.
const ADD_MAX: usize = 16;
/// Support size above which the multiplicative pre-phase runs, and its length.
const PREPHASE_MIN_SUPPORT: usize = 24;
const PREPHASE_ITERS: usize = 25;
/// After the pre-phase, columns below this fraction of the largest weight are dropped.
const PREPHASE_PRUNE: f64 = 1e-4;
const MAX_ITERS: usize = 400;

/// Maximises `Σ_{i : w_i > 0} w_i log (Σ_j λ_j columns[j][i])` over the simplex.
///
/// # Errors
/// `Infeasible` when some weighted party is 0 in every column; `Numerical` on malformed input
/// or when the iteration cannot reach the KKT conditions to `1e-9` (not expected).
pub fn solve_master(
    weights: &[f64],
    columns: &[Vec<f64>],
    warm_start: Option<&[f64]>,
) -> Result<MasterSolution, MasterError> {
    let n = weights.len();
    if weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
        return Err(MasterError::Numerical);
    }
    if columns
        .iter()
        .any(|c| c.len() != n || c.iter().any(|v| !v.is_finite() || *v < 0.0))
    {
        return Err(MasterError::Numerical);
    }
    let ncols = columns.len();
    if ncols == 0 {
        return Err(MasterError::Infeasible);
    }
    let active: Vec<usize> = (0..n).filter(|&i| weights[i] > 0.0).collect();
    if active.iter().any(|&i| columns.iter().all(|c| c[i] <= 0.0)) {
        return Err(MasterError::Infeasible);
    }
    let problem = Problem {
        w: active.iter().map(|&i| weights[i]).collect(),
        cols: columns
            .iter()
            .map(|c| active.iter().map(|&i| c[i]).collect())
            .collect(),
    };

    let lambda = initial_point(&problem, warm_start);
    let lambda = if active.is_empty() {
        lambda
    } else {
        problem.optimise(lambda)?
    };

    let mut utility = vec![0.0; n];
    for (j, col) in columns.iter().enumerate() {
        if lambda[j] > 0.0 {
            for (u, v) in utility.iter_mut().zip(col) {
                *u += lambda[j] * v;
            }
        }
    }
    let objective = active
        .iter()
        .map(|&i| weights[i] * utility[i].ln())
        .sum::<f64>();
    if !objective.is_finite() {
        return Err(MasterError::Numerical);
    }
    Ok(MasterSolution {
        lambda,
        utility,
        objective,
    })
}

/// The warm start projected on the simplex (or the uniform mix), with every weighted party
/// covered.
fn initial_point(problem: &Problem, warm_start: Option<&[f64]>) -> Vec<f64> {
    let ncols = problem.cols.len();
    let uniform = vec![1.0 / ncols as f64; ncols];
    let mut lambda = match warm_start {
        Some(ws) if ws.len() == ncols && ws.iter().all(|x| x.is_finite()) => {
            let clipped: Vec<f64> = ws.iter().map(|&x| x.max(0.0)).collect();
            let sum: f64 = clipped.iter().sum();
            if sum > 0.0 {
                clipped.iter().map(|&x| x / sum).collect()
            } else {
                uniform
            }
        }
        _ => uniform,
    };
    // Cover every weighted party that the start leaves at 0 with its best column.
    let u = problem.utility(&lambda);
    let mut added = false;
    for (i, &ui) in u.iter().enumerate() {
        if ui <= 0.0 {
            let best = (0..ncols).fold(0, |b, j| {
                if problem.cols[j][i] > problem.cols[b][i] {
                    j
                } else {
                    b
                }
            });
            lambda[best] += 1.0 / ncols as f64;
            added = true;
        }
    }
    if added {
        let sum: f64 = lambda.iter().sum();
        lambda.iter_mut().for_each(|x| *x /= sum);
    }
    lambda
}

/// The problem restricted to weighted parties; `cols[j][i]` for active party `i`.
struct Problem {
    w: Vec<f64>,
    cols: Vec<Vec<f64>>,
}

impl Problem {
    fn utility(&self, lambda: &[f64]) -> Vec<f64> {
        let mut u = vec![0.0; self.w.len()];
        for (col, &l) in self.cols.iter().zip(lambda) {
            if l > 0.0 {
                for (ui, v) in u.iter_mut().zip(col) {
                    *ui += l * v;
                }
            }
        }
        u
    }

    /// `g_j = Σ_i w_i V_ij / u_i` for every column.
    fn gradient(&self, u: &[f64]) -> Vec<f64> {
        let ratio: Vec<f64> = self.w.iter().zip(u).map(|(w, u)| w / u).collect();
        self.cols
            .iter()
            .map(|col| col.iter().zip(&ratio).map(|(v, r)| v * r).sum())
            .collect()
    }

    /// Relative KKT residual.
    fn kkt(&self, lambda: &[f64], g: &[f64], wsum: f64) -> f64 {
        lambda
            .iter()
            .zip(g)
            .map(|(&l, &gj)| {
                if l > 0.0 {
                    (gj - wsum).abs()
                } else {
                    (gj - wsum).max(0.0)
                }
            })
            .fold(0.0, f64::max)
            / wsum
    }

    fn optimise(&self, mut lambda: Vec<f64>) -> Result<Vec<f64>, MasterError> {
        let wsum: f64 = self.w.iter().sum();
        let ncols = self.cols.len();

        if lambda.iter().filter(|&&l| l > 0.0).count() > PREPHASE_MIN_SUPPORT {
            for _ in 0..PREPHASE_ITERS {
                let u = self.utility(&lambda);
                let g = self.gradient(&u);
                for (l, gj) in lambda.iter_mut().zip(&g) {
                    *l *= gj / wsum;
                }
            }
            let top = lambda.iter().copied().fold(0.0, f64::max);
            let kept: Vec<f64> = lambda
                .iter()
                .map(|&l| if l >= PREPHASE_PRUNE * top { l } else { 0.0 })
                .collect();
            if self.utility(&kept).iter().all(|&u| u > 0.0) {
                let sum: f64 = kept.iter().sum();
                lambda = kept.iter().map(|&l| l / sum).collect();
            }
        }

        for _ in 0..MAX_ITERS {
            let u = self.utility(&lambda);
            if u.iter().any(|&x| !(x > 0.0) || !x.is_finite()) {
                return Err(MasterError::Numerical);
            }
            let g = self.gradient(&u);
            let kkt = self.kkt(&lambda, &g, wsum);
            if kkt <= KKT_TARGET {
                return Ok(lambda);
            }
            // Working set: the support and the most improving columns outside it.
            let mut work: Vec<usize> = (0..ncols).filter(|&j| lambda[j] > 0.0).collect();
            let mut candidates: Vec<usize> = (0..ncols)
                .filter(|&j| lambda[j] <= 0.0 && g[j] > wsum * (1.0 + ADD_TOL))
                .collect();
            candidates.sort_by(|&a, &b| g[b].total_cmp(&g[a]).then(a.cmp(&b)));
            candidates.truncate(ADD_MAX);
            work.extend(candidates);
            work.sort_unstable();

            let Some(dir) = self.newton_direction(&lambda, &u, &g, wsum, &mut work) else {
                break;
            };
            if !self.line_step(&mut lambda, &u, &g, wsum, &work, &dir) {
                break;
            }
        }
        let u = self.utility(&lambda);
        if u.iter().any(|&x| !(x > 0.0) || !x.is_finite()) {
            return Err(MasterError::Numerical);
        }
        let g = self.gradient(&u);
        if self.kkt(&lambda, &g, wsum) <= KKT_ACCEPT {
            Ok(lambda)
        } else {
            Err(MasterError::Numerical)
        }
    }

    /// The regularised Newton direction on the working set (which loses the columns at 0 that
    /// the step would push negative). `None` when there is no usable direction.
    fn newton_direction(
        &self,
        lambda: &[f64],
        u: &[f64],
        g: &[f64],
        wsum: f64,
        work: &mut Vec<usize>,
    ) -> Option<Vec<f64>> {
        loop {
            let m = work.len();
            if m == 0 {
                return None;
            }
            let scale: Vec<f64> = self.w.iter().zip(u).map(|(w, u)| w.sqrt() / u).collect();
            let scaled: Vec<Vec<f64>> = work
                .iter()
                .map(|&j| {
                    self.cols[j]
                        .iter()
                        .zip(&scale)
                        .map(|(v, s)| v * s)
                        .collect()
                })
                .collect();
            let mut mat = vec![0.0; m * m];
            for p in 0..m {
                for q in 0..=p {
                    let dot: f64 = scaled[p].iter().zip(&scaled[q]).map(|(a, b)| a * b).sum();
                    mat[p * m + q] = dot;
                    mat[q * m + p] = dot;
                }
            }
            let r: Vec<f64> = work.iter().map(|&j| g[j] - wsum).collect();
            let ones = vec![1.0; m];
            let chol = cholesky_regularised(&mat, m)?;
            let y1 = chol.solve(&r);
            let y2 = chol.solve(&ones);
            let mu = y1.iter().sum::<f64>() / y2.iter().sum::<f64>();
            let dir: Vec<f64> = y1.iter().zip(&y2).map(|(a, b)| a - mu * b).collect();
            if dir.iter().any(|d| !d.is_finite()) {
                return None;
            }
            // A column at 0 that the step would make negative cannot move: leave it out.
            let blocked: Vec<usize> = (0..m)
                .filter(|&p| lambda[work[p]] <= 0.0 && dir[p] < 0.0)
                .collect();
            if blocked.is_empty() {
                return Some(dir);
            }
            let mut keep = vec![true; m];
            for p in blocked {
                keep[p] = false;
            }
            let mut idx = 0;
            work.retain(|_| {
                idx += 1;
                keep[idx - 1]
            });
        }
    }

    /// Takes the best step along `dir` inside the simplex. False when no ascent is possible.
    fn line_step(
        &self,
        lambda: &mut [f64],
        u: &[f64],
        g: &[f64],
        wsum: f64,
        work: &[usize],
        dir: &[f64],
    ) -> bool {
        let slope: f64 = work.iter().zip(dir).map(|(&j, d)| (g[j] - wsum) * d).sum();
        if !(slope > 0.0) {
            return false;
        }
        let mut t_max = f64::INFINITY;
        let mut blocking = usize::MAX;
        for (p, &j) in work.iter().enumerate() {
            if dir[p] < 0.0 {
                let t = lambda[j] / -dir[p];
                if t < t_max {
                    t_max = t;
                    blocking = p;
                }
            }
        }
        // a = V d on the weighted parties.
        let mut a = vec![0.0; u.len()];
        for (p, &j) in work.iter().enumerate() {
            for (ai, v) in a.iter_mut().zip(&self.cols[j]) {
                *ai += dir[p] * v;
            }
        }
        let derivative = |t: f64| -> (f64, f64) {
            let mut d1 = 0.0;
            let mut d2 = 0.0;
            for ((w, ui), ai) in self.w.iter().zip(u).zip(&a) {
                let den = ui + t * ai;
                if den <= 0.0 {
                    if *ai < 0.0 {
                        return (f64::NEG_INFINITY, f64::NEG_INFINITY);
                    }
                    continue;
                }
                let q = ai / den;
                d1 += w * q;
                d2 -= w * q * q;
            }
            (d1, d2)
        };
        let t_hi = t_max.min(1.0);
        let t = if derivative(t_hi).0 >= 0.0 {
            t_hi
        } else {
            // φ' decreases from > 0 at 0 to < 0 at t_hi: Newton with bisection fallback.
            let (mut lo, mut hi) = (0.0, t_hi);
            let mut t = 0.5 * t_hi;
            for _ in 0..100 {
                let (d1, d2) = derivative(t);
                if d1 > 0.0 {
                    lo = t;
                } else {
                    hi = t;
                }
                let newton = if d2 < 0.0 { t - d1 / d2 } else { f64::NAN };
                t = if newton > lo && newton < hi {
                    newton
                } else {
                    0.5 * (lo + hi)
                };
                if hi - lo <= 1e-16 * hi || d1 == 0.0 {
                    break;
                }
            }
            t
        };
        if !(t > 0.0) {
            return false;
        }
        for (p, &j) in work.iter().enumerate() {
            lambda[j] = (lambda[j] + t * dir[p]).max(0.0);
        }
        if t >= t_max && blocking != usize::MAX {
            lambda[work[blocking]] = 0.0;
        }
        let sum: f64 = lambda.iter().sum();
        lambda.iter_mut().for_each(|x| *x /= sum);
        true
    }
}

/// Lower-triangular Cholesky factor, row-major.
struct Cholesky {
    l: Vec<f64>,
    m: usize,
}

/// Factorises `mat + δI`, with `δ` starting at `1e-13 × max diagonal` and raised until every
/// pivot is positive (redundant columns make `mat` singular).
fn cholesky_regularised(mat: &[f64], m: usize) -> Option<Cholesky> {
    let diag_max = (0..m).map(|p| mat[p * m + p]).fold(0.0, f64::max);
    if !(diag_max > 0.0) || !diag_max.is_finite() {
        return None;
    }
    let mut delta = 1e-13 * diag_max;
    for _ in 0..12 {
        if let Some(l) = try_cholesky(mat, m, delta) {
            return Some(Cholesky { l, m });
        }
        delta *= 100.0;
    }
    None
}

fn try_cholesky(mat: &[f64], m: usize, delta: f64) -> Option<Vec<f64>> {
    let mut l = vec![0.0; m * m];
    for p in 0..m {
        for q in 0..=p {
            let mut s = mat[p * m + q];
            if p == q {
                s += delta;
            }
            for k in 0..q {
                s -= l[p * m + k] * l[q * m + k];
            }
            if p == q {
                if !(s > delta * 1e-3) {
                    return None;
                }
                l[p * m + p] = s.sqrt();
            } else {
                l[p * m + q] = s / l[q * m + q];
            }
        }
    }
    Some(l)
}

impl Cholesky {
    // Triangular solves read clearest with explicit indices into the packed factor.
    #[allow(clippy::needless_range_loop)]
    fn solve(&self, b: &[f64]) -> Vec<f64> {
        let m = self.m;
        let mut y = b.to_vec();
        for p in 0..m {
            let mut s = y[p];
            for k in 0..p {
                s -= self.l[p * m + k] * y[k];
            }
            y[p] = s / self.l[p * m + p];
        }
        for p in (0..m).rev() {
            let mut s = y[p];
            for k in p + 1..m {
                s -= self.l[k * m + p] * y[k];
            }
            y[p] = s / self.l[p * m + p];
        }
        y
    }
}
