//! Shared helpers of the engine tests: a seeded generator, an independent brute-force LP
//! solver (vertex enumeration) and the optimality-certificate check of an LP solution.
//! Each test binary uses a different subset of these.
#![allow(dead_code)] // each test crate includes this module and uses only part of it
#![allow(clippy::needless_range_loop)] // dense linear algebra reads clearer with indices

use nash_solver_core::{Lp, LpSolution, Transport};

#[path = "../rng/mod.rs"]
mod rng;
pub use rng::Rng;

/// The transportation problem as a general LP: one column per arc, one row per node.
pub fn transport_to_lp(t: &Transport) -> Lp {
    let mut rows = vec![Vec::new(); t.node_lo.len()];
    for (e, &(s, d)) in t.arcs.iter().enumerate() {
        rows[s].push((e, 1.0));
        rows[d].push((e, 1.0));
    }
    Lp {
        c: t.profit.clone(),
        upper: vec![f64::INFINITY; t.arcs.len()],
        rows,
        row_lo: t.node_lo.clone(),
        row_hi: t.node_hi.clone(),
        cost_scale: None,
    }
}

pub fn tol(b: f64) -> f64 {
    1e-9 * b.abs().max(1.0)
}

pub fn row_activity(lp: &Lp, x: &[f64]) -> Vec<f64> {
    lp.rows
        .iter()
        .map(|r| r.iter().map(|&(j, a)| a * x[j]).sum())
        .collect()
}

/// Solve a dense square system; None when (numerically) singular.
fn solve_dense(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for c in 0..n {
        let p = (c..n).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-10 {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        for r in 0..n {
            if r != c {
                let f = a[r][c] / a[c][c];
                if f != 0.0 {
                    for k in c..n {
                        a[r][k] -= f * a[c][k];
                    }
                    b[r] -= f * b[c];
                }
            }
        }
    }
    Some((0..n).map(|i| b[i] / a[i][i]).collect())
}

/// Maximum of a bounded LP by enumerating every vertex (all choices of n linearly independent
/// active constraints); `None` when no vertex is feasible, i.e. the LP is infeasible (the region
/// lies in x ≥ 0, so it has a vertex whenever it is not empty).
pub fn brute_force_lp(lp: &Lp) -> Option<f64> {
    let n = lp.c.len();
    let mut cons: Vec<(Vec<f64>, f64)> = Vec::new();
    for j in 0..n {
        let mut e = vec![0.0; n];
        e[j] = 1.0;
        cons.push((e.clone(), 0.0));
        if lp.upper[j].is_finite() {
            cons.push((e, lp.upper[j]));
        }
    }
    for (i, r) in lp.rows.iter().enumerate() {
        let mut a = vec![0.0; n];
        for &(j, v) in r {
            a[j] += v;
        }
        if lp.row_lo[i].is_finite() {
            cons.push((a.clone(), lp.row_lo[i]));
        }
        if lp.row_hi[i].is_finite() && lp.row_hi[i] != lp.row_lo[i] {
            cons.push((a, lp.row_hi[i]));
        }
    }
    let feasible = |x: &[f64]| {
        x.iter()
            .zip(&lp.upper)
            .all(|(&v, &u)| v >= -1e-7 && v <= u + 1e-7 * u.abs().max(1.0))
            && row_activity(lp, x).iter().enumerate().all(|(i, &a)| {
                a >= lp.row_lo[i] - 1e-7 * lp.row_lo[i].abs().max(1.0)
                    && a <= lp.row_hi[i] + 1e-7 * lp.row_hi[i].abs().max(1.0)
            })
    };
    let mut best: Option<f64> = None;
    if n == 0 {
        return feasible(&[]).then_some(0.0);
    }
    let k = cons.len();
    let mut idx: Vec<usize> = (0..n).collect();
    if k < n {
        return None;
    }
    loop {
        let a = idx.iter().map(|&i| cons[i].0.clone()).collect();
        let b = idx.iter().map(|&i| cons[i].1).collect();
        if let Some(x) = solve_dense(a, b) {
            if feasible(&x) {
                let v: f64 = x.iter().zip(&lp.c).map(|(x, c)| x * c).sum();
                best = Some(best.map_or(v, |b: f64| b.max(v)));
            }
        }
        // Next combination in lexicographic order.
        let mut i = n;
        loop {
            if i == 0 {
                return best;
            }
            i -= 1;
            if idx[i] < i + k - n {
                idx[i] += 1;
                for t in i + 1..n {
                    idx[t] = idx[t - 1] + 1;
                }
                break;
            }
        }
    }
}

/// Check that `sol` is optimal for `lp` by its certificate: primal feasibility, dual sign
/// conditions, complementary slackness and `d = c − Aᵀy`. Together these prove optimality.
pub fn check_lp_certificate(lp: &Lp, sol: &LpSolution, dtol: f64) -> Result<(), String> {
    let n = lp.c.len();
    if sol.x.len() != n || sol.reduced_cost.len() != n || sol.row_dual.len() != lp.rows.len() {
        return Err("lengths".into());
    }
    for j in 0..n {
        let (x, u) = (sol.x[j], lp.upper[j]);
        if x < -tol(0.0) || x > u + tol(u) {
            return Err(format!("x[{j}] = {x} outside [0, {u}]"));
        }
    }
    let act = row_activity(lp, &sol.x);
    for (i, &a) in act.iter().enumerate() {
        let (l, h) = (lp.row_lo[i], lp.row_hi[i]);
        // Activities are sums: allow the tolerance of the largest term involved.
        let scale = lp.rows[i]
            .iter()
            .fold(1.0f64, |s, &(j, v)| s.max((v * sol.x[j]).abs()));
        let t = 1e-9 * scale.max(l.abs().min(1e300)).max(h.abs().min(1e300));
        if a < l - t || a > h + t {
            return Err(format!("row {i}: activity {a} outside [{l}, {h}]"));
        }
        let y = sol.row_dual[i];
        if y > dtol && a < h - t {
            return Err(format!("row {i}: dual {y} > 0 but activity {a} < hi {h}"));
        }
        if y < -dtol && a > l + t {
            return Err(format!("row {i}: dual {y} < 0 but activity {a} > lo {l}"));
        }
    }
    let mut aty = vec![0.0; n];
    for (i, r) in lp.rows.iter().enumerate() {
        for &(j, v) in r {
            aty[j] += v * sol.row_dual[i];
        }
    }
    for j in 0..n {
        let d = sol.reduced_cost[j];
        let dd = lp.c[j] - aty[j];
        if (d - dd).abs() > dtol * (1.0 + lp.c[j].abs() + aty[j].abs()) {
            return Err(format!("reduced cost {j}: {d} != c - A'y = {dd}"));
        }
        let (x, u) = (sol.x[j], lp.upper[j]);
        if d > dtol && x < u - tol(u) {
            return Err(format!("col {j}: d = {d} > 0 but x = {x} < upper {u}"));
        }
        if d < -dtol && x > tol(0.0) {
            return Err(format!("col {j}: d = {d} < 0 but x = {x} > 0"));
        }
    }
    let obj: f64 = sol.x.iter().zip(&lp.c).map(|(x, c)| x * c).sum();
    if (obj - sol.objective).abs() > 1e-9 * obj.abs().max(1.0) {
        return Err(format!("objective {} != c.x {obj}", sol.objective));
    }
    Ok(())
}
