//! Nash bargaining over a degenerate optimal face by a primal-dual interior-point method.
//!
//! When many allocations reach `W*` (ties: prices in cents, integer quantities), the set of
//! frontier utility vectors is a polytope of high dimension whose vertices column generation
//! approaches only slowly. Here the program is solved directly in "owner arc" variables: per
//! usable edge `e`, `α_e` units whose surplus goes to the seller and `β_e` units whose surplus
//! goes to the buyer (`x_e = α_e + β_e`, seller share `S_e α_e`). Every variable credits one
//! party, so
//!
//! ```text
//!   minimise  −Σ_i w_i log(u_i),   u_i = Σ_{arcs a owned by i} S_a y_a
//!   s.t.      leg rows and ratio rows of the face (equalities where the face fixes them),
//!             y ≥ 0
//! ```
//!
//! and the Hessian of the objective is block-diagonal with one rank-one block per party. A
//! Newton step then needs `Q⁻¹ = (D + Σ g_i g_iᵀ)⁻¹` by Sherman–Morrison per party (disjoint
//! supports) and one Cholesky of the `m × m` matrix `A Q⁻¹ Aᵀ`, `m` the number of rows (legs
//! and ratios). That matrix is sparse when the usable edges are (the Nash stage's edge
//! generation hands in sparse edge subsets): its pattern is fixed by the problem, so it is
//! analysed once (minimum-degree order, `sparse_chol.rs`) and refactored numerically per
//! iteration. Infeasible start, fraction-to-boundary steps, Mehrotra-style centring; the best
//! iterate is kept, since near the optimum the systems get ill-conditioned and a late step can
//! lose accuracy. The caller splits the resulting allocation exactly and checks the
//! first-order condition; this module only has to land close to the optimum.

use crate::deadline::Deadline;
use crate::market::Market;
use crate::relax::{quantity_scale, Face};
use crate::sparse_chol::Symbolic;

/// Iteration cap: a primal-dual method needs a few dozen on these problems.
const MAX_ITERATIONS: usize = 200;
/// Give up after this many iterations without a better iterate.
const STALL_ITERATIONS: usize = 12;
/// The best iterate is returned when every residual is within this factor of its target
/// (gap 1e-11, rows 1e-8 of the quantity scale): close enough for the exact split and the
/// first-order test, which decide.
const ACCEPT_MERIT: f64 = 1e3;

struct Problem {
    /// Sparse columns: (row, coefficient).
    cols: Vec<Vec<(usize, f64)>>,
    b: Vec<f64>,
    /// Owner party and credit per column (`None` for slacks and zero-surplus arcs).
    owner: Vec<Option<(usize, f64)>>,
    /// Number of arc columns (two per usable edge), before the slacks.
    arcs: usize,
}

fn build(market: &Market, face: &Face, usable: &[usize], scale: f64) -> Problem {
    let n_legs = market.legs.len();
    // Row index per leg row / ratio row, created on demand.
    let mut b = Vec::new();
    let mut cols: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut owner = Vec::new();
    let mut leg_rows: Vec<Vec<usize>> = vec![Vec::new(); n_legs]; // rows a leg's arcs enter
    let mut slack_cols: Vec<(usize, f64)> = Vec::new(); // (row, coefficient)
    let mut has_arc = vec![false; n_legs];
    for &e in usable {
        has_arc[market.edges[e].supply] = true;
        has_arc[market.edges[e].demand] = true;
    }
    for l in 0..n_legs {
        if !has_arc[l] {
            continue;
        }
        let (lo, hi) = (face.leg_lo[l] / scale, face.leg_hi[l] / scale);
        if hi - lo <= 1e-12 * hi.abs().max(1.0) {
            leg_rows[l].push(b.len());
            b.push(hi);
        } else {
            leg_rows[l].push(b.len());
            slack_cols.push((b.len(), 1.0));
            b.push(hi);
            if lo > 0.0 {
                leg_rows[l].push(b.len());
                slack_cols.push((b.len(), -1.0));
                b.push(lo);
            }
        }
    }
    let ratio_row0 = b.len();
    for (r, _) in market.ratios.iter().enumerate() {
        if !face.ratio_tight[r] {
            slack_cols.push((ratio_row0 + r, 1.0));
        }
        b.push(0.0);
    }
    for &e in usable {
        let edge = &market.edges[e];
        let mut col = Vec::new();
        for &r in leg_rows[edge.supply].iter().chain(&leg_rows[edge.demand]) {
            col.push((r, 1.0));
        }
        for (r, ratio) in market.ratios.iter().enumerate() {
            let mut c = 0.0;
            if edge.supply == ratio.give {
                c += 1.0;
            }
            if edge.demand == ratio.get {
                c -= ratio.give_per_get_max;
            }
            if c != 0.0 {
                col.push((ratio_row0 + r, c));
            }
        }
        let credit = (edge.surplus > 0.0).then_some(edge.surplus);
        cols.push(col.clone());
        owner.push(credit.map(|c| (edge.seller, c)));
        cols.push(col);
        owner.push(credit.map(|c| (edge.buyer, c)));
    }
    let arcs = cols.len();
    for (row, c) in slack_cols {
        cols.push(vec![(row, c)]);
        owner.push(None);
    }
    Problem {
        cols,
        b,
        owner,
        arcs,
    }
}

/// One counted party's share of the Newton matrix: the rows its arcs touch (the support of
/// `h_i`) and where the rank-one block `h_i h_iᵀ` lands in the factor's storage.
struct PartyBlock {
    /// Number of support rows.
    rows: usize,
    /// Per arc of the party: its column and (position in the support, coefficient) pairs.
    arcs: Vec<(usize, Vec<(usize, f64)>)>,
    /// Slots of the pairs `(a, b)`, `a <= b`, of support positions, row by row.
    slots: Vec<usize>,
}

/// The fixed sparse structure of `K = A Q⁻¹ Aᵀ` for one problem, analysed once.
struct Layout {
    sym: Symbolic,
    /// Per column: (slot, coefficient product) of every pair of its rows.
    col_slots: Vec<Vec<(usize, f64)>>,
    parties: Vec<PartyBlock>,
}

impl Layout {
    fn new(p: &Problem, m: usize, parties: usize, counts: &dyn Fn(usize) -> bool) -> Option<Self> {
        let mut support: Vec<Vec<usize>> = vec![Vec::new(); parties];
        let mut party_arcs: Vec<Vec<usize>> = vec![Vec::new(); parties];
        for j in 0..p.arcs {
            if let Some((i, _)) = p.owner[j] {
                if counts(i) {
                    party_arcs[i].push(j);
                    support[i].extend(p.cols[j].iter().map(|&(r, _)| r));
                }
            }
        }
        for rows in &mut support {
            rows.sort_unstable();
            rows.dedup();
        }
        // Each column's rows and each party's support are dense blocks of the pattern.
        let cliques = p
            .cols
            .iter()
            .map(|col| col.iter().map(|&(r, _)| r).collect::<Vec<usize>>())
            .chain(support.iter().cloned());
        let sym = Symbolic::from_cliques(m, cliques);
        let mut col_slots = Vec::with_capacity(p.cols.len());
        for col in &p.cols {
            let mut slots = Vec::with_capacity(col.len() * (col.len() + 1) / 2);
            for (k, &(r1, a1)) in col.iter().enumerate() {
                slots.push((sym.slot(r1, r1)?, a1 * a1));
                for &(r2, a2) in &col[k + 1..] {
                    // Both (r1, r2) and (r2, r1) of the symmetric product land in one lower
                    // slot; a repeated row would be the diagonal, counted twice.
                    let twice = if r1 == r2 { 2.0 } else { 1.0 };
                    slots.push((sym.slot(r1, r2)?, twice * a1 * a2));
                }
            }
            col_slots.push(slots);
        }
        let mut blocks = Vec::with_capacity(parties);
        for (rows, arcs) in support.iter().zip(&party_arcs) {
            let mut slots = Vec::with_capacity(rows.len() * (rows.len() + 1) / 2);
            for (a, &r1) in rows.iter().enumerate() {
                for &r2 in &rows[a..] {
                    slots.push(sym.slot(r1, r2)?);
                }
            }
            let arcs = arcs
                .iter()
                .map(|&j| {
                    let local = p.cols[j]
                        .iter()
                        .filter_map(|&(r, a)| rows.binary_search(&r).ok().map(|pos| (pos, a)))
                        .collect();
                    (j, local)
                })
                .collect();
            blocks.push(PartyBlock {
                rows: rows.len(),
                arcs,
                slots,
            });
        }
        Some(Self {
            sym,
            col_slots,
            parties: blocks,
        })
    }
}

/// Solve the Nash program over the face; returns the flow per edge (`x`) and the seller's
/// share per edge, or `None` if the method did not converge (the caller falls back).
#[must_use]
#[allow(clippy::needless_range_loop)] // `j` addresses several parallel arrays (d, owner, cols) at once
pub fn solve(
    market: &Market,
    face: &Face,
    w: &[f64],
    deadline: Deadline,
) -> Option<(Vec<f64>, Vec<f64>)> {
    let usable: Vec<usize> = (0..market.edges.len())
        .filter(|&e| face.edge_allowed[e])
        .collect();
    if usable.is_empty() {
        return None;
    }
    let scale = quantity_scale(market);
    let p = build(market, face, &usable, scale);
    let n = p.cols.len();
    let m = p.b.len();
    let parties = market.parties.len();
    // Parties whose utility enters the objective.
    let counts = |i: usize| w[i] > 0.0;

    let mut z = vec![0.1; n];
    let mut v = vec![1.0; n]; // duals of z >= 0
    let mut lam = vec![0.0; m];
    let mut u = vec![0.0; parties];
    let layout = Layout::new(&p, m, parties, &counts)?;
    let mut kvals = layout.sym.values();
    let mut h: Vec<f64> = Vec::new();
    // The best iterate by `merit` (how far each residual is above its target), kept because
    // near the optimum the Newton systems become ill-conditioned and a step can undo the
    // progress of the previous ones; the caller's first-order test is the judge anyway.
    let mut best: Option<(f64, Vec<f64>)> = None;
    let mut stalled = 0;
    for _ in 0..MAX_ITERATIONS {
        if deadline.passed() {
            break;
        }
        u.iter_mut().for_each(|x| *x = 0.0);
        for (j, o) in p.owner.iter().enumerate() {
            if let Some((i, c)) = o {
                u[*i] += c * z[j];
            }
        }
        if (0..parties).any(|i| counts(i) && u[i] <= 0.0) {
            break;
        }
        // Residuals.
        let mut grad = vec![0.0; n];
        for (j, o) in p.owner.iter().enumerate() {
            if let Some((i, c)) = o {
                if counts(*i) {
                    grad[j] = -w[*i] * c / u[*i];
                }
            }
        }
        let mut r_p: Vec<f64> = p.b.iter().map(|b| -b).collect();
        let mut at_lam = vec![0.0; n];
        for (j, col) in p.cols.iter().enumerate() {
            for &(r, a) in col {
                r_p[r] += a * z[j];
                at_lam[j] += a * lam[r];
            }
        }
        let r_d: Vec<f64> = (0..n).map(|j| grad[j] - at_lam[j] - v[j]).collect();
        let gap: f64 = z.iter().zip(&v).map(|(a, b)| a * b).sum::<f64>() / n as f64;
        let rp_norm = r_p.iter().fold(0.0_f64, |a, b| a.max(b.abs()));
        let rd_norm = r_d.iter().fold(0.0_f64, |a, b| a.max(b.abs()));
        let w_max = w.iter().fold(1.0_f64, |a, &b| a.max(b));
        let merit = (gap / 1e-14)
            .max(rp_norm / 1e-11)
            .max(rd_norm / (1e-9 * w_max));
        if best.as_ref().is_none_or(|(b, _)| merit < *b) {
            best = Some((merit, z.clone()));
            stalled = 0;
        } else {
            stalled += 1;
        }
        if merit <= 1.0 || stalled > STALL_ITERATIONS {
            break;
        }
        // Q = D + Σ_i g_i g_iᵀ, D = v / z.
        let d: Vec<f64> = (0..n).map(|j| v[j] / z[j]).collect();
        // Per party: g_i entries live on its arcs; s_i = 1 + g_iᵀ D⁻¹ g_i.
        let mut s_party = vec![1.0; parties];
        let g = |j: usize| -> Option<(usize, f64)> {
            p.owner[j].and_then(|(i, c)| counts(i).then(|| (i, w[i].sqrt() * c / u[i])))
        };
        for j in 0..p.arcs {
            if let Some((i, gj)) = g(j) {
                s_party[i] += gj * gj / d[j];
            }
        }
        let q_inv = |rhs: &[f64]| -> Vec<f64> {
            let mut proj = vec![0.0; parties];
            for j in 0..p.arcs {
                if let Some((i, gj)) = g(j) {
                    proj[i] += gj * rhs[j] / d[j];
                }
            }
            (0..n)
                .map(|j| {
                    let mut out = rhs[j] / d[j];
                    if let Some((i, gj)) = g(j) {
                        out -= (gj / d[j]) * proj[i] / s_party[i];
                    }
                    out
                })
                .collect()
        };
        // K = A D⁻¹ Aᵀ − Σ_i h_i h_iᵀ / s_i, h_i = A D⁻¹ g_i, on the analysed sparse pattern.
        kvals.v.iter_mut().for_each(|x| *x = 0.0);
        for (j, slots) in layout.col_slots.iter().enumerate() {
            for &(slot, coef) in slots {
                kvals.v[slot] += coef / d[j];
            }
        }
        for (i, party) in layout.parties.iter().enumerate() {
            if party.rows == 0 {
                continue;
            }
            h.clear();
            h.resize(party.rows, 0.0);
            for &(j, ref local) in &party.arcs {
                if let Some((_, gj)) = g(j) {
                    for &(pos, a) in local {
                        h[pos] += a * gj / d[j];
                    }
                }
            }
            let mut k = 0;
            for a in 0..party.rows {
                for b in a..party.rows {
                    kvals.v[party.slots[k]] -= h[a] * h[b] / s_party[i];
                    k += 1;
                }
            }
        }
        let diag_max = kvals.v[..m].iter().fold(0.0_f64, |a, &b| a.max(b));
        for x in &mut kvals.v[..m] {
            *x += 1e-15 * diag_max.max(1.0);
        }
        if !layout.sym.factor(&mut kvals) {
            break;
        }
        // Predictor (affine) then corrector with Mehrotra's centring.
        let solve_dir = |r_c: &[f64]| -> (Vec<f64>, Vec<f64>, Vec<f64>) {
            // rhs1 = −r_d − Z⁻¹ r_c
            let rhs1: Vec<f64> = (0..n).map(|j| -r_d[j] - r_c[j] / z[j]).collect();
            let q1 = q_inv(&rhs1);
            let mut rhs2: Vec<f64> = r_p.iter().map(|x| -x).collect();
            for (j, col) in p.cols.iter().enumerate() {
                for &(r, a) in col {
                    rhs2[r] -= a * q1[j];
                }
            }
            layout.sym.solve(&kvals, &mut rhs2);
            let dlam = rhs2;
            let mut at_dlam = vec![0.0; n];
            for (j, col) in p.cols.iter().enumerate() {
                for &(r, a) in col {
                    at_dlam[j] += a * dlam[r];
                }
            }
            let t: Vec<f64> = (0..n).map(|j| rhs1[j] + at_dlam[j]).collect();
            let dz = q_inv(&t);
            let dv: Vec<f64> = (0..n).map(|j| (-r_c[j] - v[j] * dz[j]) / z[j]).collect();
            (dz, dlam, dv)
        };
        let step_to_boundary = |x: &[f64], dx: &[f64]| -> f64 {
            x.iter().zip(dx).fold(
                1.0_f64,
                |a, (&xi, &di)| if di < 0.0 { a.min(-xi / di) } else { a },
            )
        };
        let r_c_aff: Vec<f64> = (0..n).map(|j| z[j] * v[j]).collect();
        let (dz_a, _, dv_a) = solve_dir(&r_c_aff);
        let a_p = step_to_boundary(&z, &dz_a);
        let a_d = step_to_boundary(&v, &dv_a);
        let gap_aff: f64 = (0..n)
            .map(|j| (z[j] + a_p * dz_a[j]) * (v[j] + a_d * dv_a[j]))
            .sum::<f64>()
            / n as f64;
        // Mehrotra's centring, kept away from 0 while the rows are still far from satisfied:
        // an infeasible-start method must shrink infeasibility no slower than the gap.
        let mut sigma = (gap_aff / gap).clamp(0.0, 1.0).powi(3);
        if rp_norm > 1e-8 {
            sigma = sigma.max(0.1);
        }
        let r_c: Vec<f64> = (0..n)
            .map(|j| z[j] * v[j] + dz_a[j] * dv_a[j] - sigma * gap)
            .collect();
        let (dz, dlam, dv) = solve_dir(&r_c);
        // One step length for primal and dual: the objective is not linear, so the dual step
        // must follow the primal point it belongs to.
        let mut alpha_p = (0.99 * step_to_boundary(&z, &dz))
            .min(0.99 * step_to_boundary(&v, &dv))
            .min(1.0);
        // Keep every counted utility positive (the objective's domain).
        let mut du = vec![0.0; parties];
        for (j, o) in p.owner.iter().enumerate() {
            if let Some((i, c)) = o {
                du[*i] += c * dz[j];
            }
        }
        while alpha_p > 1e-12 && (0..parties).any(|i| counts(i) && u[i] + alpha_p * du[i] <= 0.0) {
            alpha_p *= 0.5;
        }
        for j in 0..n {
            z[j] += alpha_p * dz[j];
            v[j] += alpha_p * dv[j];
        }
        for r in 0..m {
            lam[r] += alpha_p * dlam[r];
        }
    }
    let z = match best {
        Some((merit, z)) if merit <= ACCEPT_MERIT => z,
        _ => return None,
    };
    let mut x = vec![0.0; market.edges.len()];
    let mut share = vec![0.0; market.edges.len()];
    for (k, &e) in usable.iter().enumerate() {
        let (a, b) = (z[2 * k].max(0.0) * scale, z[2 * k + 1].max(0.0) * scale);
        x[e] = a + b;
        share[e] = market.edges[e].surplus * a;
    }
    Some((x, share))
}
