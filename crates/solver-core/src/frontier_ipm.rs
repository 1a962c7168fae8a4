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
use crate::dense_chol::Dense;
use crate::market::Market;
use crate::relax::{quantity_scale, Face};
use crate::sparse_chol::Symbolic;

/// Iteration cap: a primal-dual method needs a few dozen on these problems.
pub(crate) const MAX_ITERATIONS: usize = 200;
/// Give up after this many iterations without a better iterate.
pub(crate) const STALL_ITERATIONS: usize = 12;
/// A step may take a counted utility down by at most this fraction of it.
pub(crate) const U_STEP_KEEP: f64 = 0.9;
/// The best iterate is returned when its residuals are within these (`accepted`), though above
/// the targets of `merit`: the mean complementarity within 1e-9, the rows within 1e-6 of the
/// quantity scale (the caller's face check holds them to half of §3's tolerance), the dual
/// residual within 1e-4 of the largest weight; the exact split and the first-order test decide.
/// On faces with lots and ratios the Newton systems can lose the rows near the end (measured:
/// rows stuck at 1.3e-7 while the gap fell to 1e-17); such an iterate still splits to a
/// Nash-stable settlement.
pub(crate) const ACCEPT_GAP: f64 = 1e-9;
/// See `ACCEPT_GAP`.
pub(crate) const ACCEPT_ROW: f64 = 1e-6;
/// See `ACCEPT_GAP`.
pub(crate) const ACCEPT_DUAL: f64 = 1e-4;

/// True when an iterate's residuals are within `ACCEPT_GAP`, `ACCEPT_ROW` and `ACCEPT_DUAL`.
pub(crate) fn accepted(gap: f64, rp_norm: f64, rd_norm: f64, w_max: f64) -> bool {
    gap <= ACCEPT_GAP && rp_norm <= ACCEPT_ROW && rd_norm <= ACCEPT_DUAL * w_max
}

/// A Nash program in owner-arc form: columns over rows `A y = b`, each crediting at most one
/// party. `build` makes the one of a face; `price_ladder.rs` makes another.
pub(crate) struct Problem {
    /// Sparse columns: (row, coefficient).
    pub cols: Vec<Vec<(usize, f64)>>,
    pub b: Vec<f64>,
    /// Owner party and credit per column (`None` for slacks and zero-surplus arcs).
    pub owner: Vec<Option<(usize, f64)>>,
    /// Number of arc columns, before the slacks.
    pub arcs: usize,
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
        if leg_fixed(lo, hi) {
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
    // A ratio row whose legs have no usable arc is `0 ≤ 0` (the Nash stage hands in faces of
    // one component at a time): left out, since an empty row makes the Newton matrix singular.
    let mut ratio_row: Vec<Option<usize>> = vec![None; market.ratios.len()];
    for (r, ratio) in market.ratios.iter().enumerate() {
        if !(has_arc[ratio.give] || has_arc[ratio.get]) {
            continue;
        }
        ratio_row[r] = Some(b.len());
        if !face.ratio_tight[r] {
            slack_cols.push((b.len(), 1.0));
        }
        b.push(0.0);
    }
    for &e in usable {
        let edge = &market.edges[e];
        let mut col = Vec::new();
        for &r in leg_rows[edge.supply].iter().chain(&leg_rows[edge.demand]) {
            col.push((r, 1.0));
        }
        for (ratio, row) in market.ratios.iter().zip(&ratio_row) {
            let Some(row) = *row else { continue };
            let c = ratio.coefficient(edge);
            if c != 0.0 {
                col.push((row, c));
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
    /// Slots of the pairs `(a, b)`, `a <= b`, of support positions, row by row (sparse
    /// storage only: the dense one computes them from `global`).
    slots: Vec<usize>,
    /// The support rows, ascending.
    global: Vec<usize>,
}

/// Largest Newton matrix factored densely.
const DENSE_MAX_ROWS: usize = 600;
/// A Newton matrix is factored densely when the cliques that build it (columns and party
/// supports) fill at least this fraction of its lower triangle: on a complete bipartite face
/// every party's support is the whole other side, the factor is full anyway, and the dense
/// kernel is several times faster than the sparse one's indirection.
const DENSE_MIN_FILL: f64 = 0.25;
/// A matrix that passes `DENSE_MIN_FILL` is factored densely only when its analysed sparse
/// factor, fill-in included, holds at least this fraction of the lower triangle. Measured on the 300×300 defer-swap market's edge-generation subsets (577 rows):
/// at a factor fill of 0.25 the sparse factorisation is about twice as fast as the dense one.
const DENSE_MIN_FACTOR_FILL: f64 = 0.5;

/// How `K` is stored and factored.
pub(crate) enum Pattern {
    Sparse(Symbolic),
    Dense(Dense),
}

impl Pattern {
    pub(crate) fn values(&self) -> Vec<f64> {
        match self {
            Self::Sparse(sym) => sym.values().v,
            Self::Dense(dense) => dense.values(),
        }
    }

    pub(crate) fn slot(&self, i: usize, j: usize) -> Option<usize> {
        match self {
            Self::Sparse(sym) => sym.slot(i, j),
            Self::Dense(dense) => dense.slot(i, j),
        }
    }

    fn diagonal(&self, i: usize) -> usize {
        match self {
            // The sparse storage keeps the diagonal first.
            Self::Sparse(_) => i,
            Self::Dense(dense) => dense.diagonal(i),
        }
    }

    pub(crate) fn factor(&self, values: &mut Vec<f64>) -> bool {
        match self {
            Self::Sparse(sym) => {
                let mut v = crate::sparse_chol::Values {
                    v: std::mem::take(values),
                };
                let ok = sym.factor(&mut v);
                *values = v.v;
                ok
            }
            Self::Dense(dense) => dense.factor(values),
        }
    }

    pub(crate) fn solve(&self, values: &[f64], rhs: &mut [f64]) {
        match self {
            Self::Sparse(sym) => sym.solve_slice(values, rhs),
            Self::Dense(dense) => dense.solve(values, rhs),
        }
    }
}

/// The fixed structure of `K = A Q⁻¹ Aᵀ` for one problem, analysed once.
struct Layout {
    pattern: Pattern,
    /// Per column `j`: (slot, coefficient product) of every pair of its rows, at
    /// `col_slots[col_ptr[j]..col_ptr[j + 1]]`.
    col_slots: Vec<(usize, f64)>,
    col_ptr: Vec<usize>,
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
        let fill: f64 = p
            .cols
            .iter()
            .map(Vec::len)
            .chain(support.iter().map(Vec::len))
            .map(|k| (k * (k + 1) / 2) as f64)
            .sum();
        // The cliques overlap, so their sum overstates the fill; when it says "dense", the
        // analysed factor (fill-in included) decides.
        let triangle = (m * (m + 1) / 2) as f64;
        let sym = if m <= DENSE_MAX_ROWS && fill >= DENSE_MIN_FILL * triangle {
            let sym = Symbolic::from_cliques(m, cliques);
            if sym.slots() as f64 >= DENSE_MIN_FACTOR_FILL * triangle {
                Pattern::Dense(Dense::new(m))
            } else {
                Pattern::Sparse(sym)
            }
        } else {
            Pattern::Sparse(Symbolic::from_cliques(m, cliques))
        };
        let mut col_slots = Vec::new();
        let mut col_ptr = Vec::with_capacity(p.cols.len() + 1);
        col_ptr.push(0);
        for col in &p.cols {
            for (k, &(r1, a1)) in col.iter().enumerate() {
                col_slots.push((sym.slot(r1, r1)?, a1 * a1));
                for &(r2, a2) in &col[k + 1..] {
                    // Both (r1, r2) and (r2, r1) of the symmetric product land in one lower
                    // slot; a repeated row would be the diagonal, counted twice.
                    let twice = if r1 == r2 { 2.0 } else { 1.0 };
                    col_slots.push((sym.slot(r1, r2)?, twice * a1 * a2));
                }
            }
            col_ptr.push(col_slots.len());
        }
        let mut blocks = Vec::with_capacity(parties);
        for (rows, arcs) in support.iter().zip(&party_arcs) {
            let mut slots = Vec::new();
            if let Pattern::Sparse(_) = sym {
                slots.reserve(rows.len() * (rows.len() + 1) / 2);
                for (a, &r1) in rows.iter().enumerate() {
                    for &r2 in &rows[a..] {
                        slots.push(sym.slot(r1, r2)?);
                    }
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
                global: rows.clone(),
            });
        }
        Some(Self {
            pattern: sym,
            col_slots,
            col_ptr,
            parties: blocks,
        })
    }
}

/// An interior point keeps every usable edge slightly positive: flow below this share of the
/// quantity scale is its dust, far below any tolerance of §3, and is dropped so that a
/// settlement lists only real trades.
const DUST: f64 = 1e-9;

/// The interior points' dust on `market` (`DUST` of its quantity scale).
pub(crate) fn dust(market: &Market) -> f64 {
    DUST * quantity_scale(market)
}

/// Solve the Nash program over the face; returns the flow per edge (`x`) and the seller's
/// share per edge, or `None` if the method did not converge (the caller falls back).
#[must_use]
pub fn solve(
    market: &Market,
    face: &Face,
    w: &[f64],
    deadline: Deadline,
) -> Option<(Vec<f64>, Vec<f64>)> {
    solve_until(market, face, w, deadline, None)
}

/// Where a caller may stop the iteration short of its targets: once the mean complementarity
/// is at most `gap` (with the rows within `CHECKPOINT_ROW` and the dual residual within
/// `CHECKPOINT_DUAL` of the largest weight), the iterate's allocation is offered to `stop`,
/// once; when it answers `true` the iteration ends there and returns that iterate, otherwise it
/// goes on to its targets as if never asked. Edge generation uses it: a round that is not the
/// last only has to show which edges to add, and whether it is the last is only known from
/// its allocation's first-order test.
pub(crate) struct Checkpoint<'a> {
    pub gap: f64,
    /// Given the allocation as `solve` returns it: flow and seller's share per edge.
    pub stop: &'a mut dyn FnMut(&[f64], &[f64]) -> bool,
}

/// A `Checkpoint` on a program's own columns (`solve_problem`): its mean complementarity, and
/// the question put to the caller there, given the iterate's columns.
pub(crate) type ColumnCheckpoint<'a> = (f64, &'a mut dyn FnMut(&[f64]) -> bool);

/// Rows of an iterate offered at a `Checkpoint`, in units of the quantity scale: far inside
/// what the caller's projection onto the face repairs (`ACCEPT_ROW`).
const CHECKPOINT_ROW: f64 = 1e-9;
/// The dual residual of an iterate offered at a `Checkpoint`, relative to the largest weight.
const CHECKPOINT_DUAL: f64 = 1e-6;

/// `solve`, with a point where the caller may stop it early (`Checkpoint`).
pub(crate) fn solve_until(
    market: &Market,
    face: &Face,
    w: &[f64],
    deadline: Deadline,
    checkpoint: Option<Checkpoint<'_>>,
) -> Option<(Vec<f64>, Vec<f64>)> {
    let usable: Vec<usize> = (0..market.edges.len())
        .filter(|&e| face.edge_allowed[e])
        .collect();
    if usable.is_empty() {
        return None;
    }
    let scale = quantity_scale(market);
    let p = build(market, face, &usable, scale);
    let allocation = |z: &[f64]| {
        let mut x = vec![0.0; market.edges.len()];
        let mut share = vec![0.0; market.edges.len()];
        for (k, &e) in usable.iter().enumerate() {
            let (a, b) = (z[2 * k].max(0.0) * scale, z[2 * k + 1].max(0.0) * scale);
            x[e] = a + b;
            share[e] = market.edges[e].surplus * a;
        }
        (x, share)
    };
    let (z, _) = match checkpoint {
        None => solve_problem(&p, w, deadline, None)?,
        Some(Checkpoint { gap, stop }) => {
            let mut offer = |z: &[f64]| {
                let (x, share) = allocation(z);
                stop(&x, &share)
            };
            solve_problem(&p, w, deadline, Some((gap, &mut offer)))?
        }
    };
    Some(allocation(&z))
}

/// The iteration itself, on any program of the owner-arc form; `w` has one weight per party
/// the owners name (0: not counted). Returns the best iterate's columns (in the program's
/// scaled units) and its `merit` (at most 1: converged; above, within `accepted`, or stopped
/// at `checkpoint`), or `None` when it does not converge. `checkpoint`: a mean complementarity
/// and the question put to the caller there (`Checkpoint`), on the program's own columns.
#[allow(clippy::needless_range_loop)] // `j` addresses several parallel arrays (z, v, d, g) at once
#[allow(clippy::too_many_lines)] // one Newton iteration reads best as one piece
pub(crate) fn solve_problem(
    p: &Problem,
    w: &[f64],
    deadline: Deadline,
    mut checkpoint: Option<ColumnCheckpoint<'_>>,
) -> Option<(Vec<f64>, f64)> {
    let n = p.cols.len();
    let m = p.b.len();
    let parties = w.len();
    // Parties whose utility enters the objective.
    let counts = |i: usize| w[i] > 0.0;
    let layout = Layout::new(p, m, parties, &counts)?;

    // Flat copies of the columns and owners: the loops below run over them dozens of times
    // per iteration, so they are laid out for that (no per-access matching or allocation).
    let mut cptr = Vec::with_capacity(n + 1);
    let mut crow = Vec::new();
    let mut cval = Vec::new();
    cptr.push(0);
    for col in &p.cols {
        for &(r, a) in col {
            crow.push(r);
            cval.push(a);
        }
        cptr.push(crow.len());
    }
    // Counted owner per column (usize::MAX: none) and its credit.
    let mut owner = vec![usize::MAX; n];
    let mut credit = vec![0.0; n];
    for (j, o) in p.owner.iter().enumerate() {
        if let Some((i, c)) = *o {
            credit[j] = c;
            if counts(i) {
                owner[j] = i;
            }
        }
    }
    let sqrt_w: Vec<f64> = w.iter().map(|x| x.max(0.0).sqrt()).collect();
    let w_max = w.iter().fold(1.0_f64, |a, &b| a.max(b));

    let mut z = vec![0.1; n];
    let mut v = vec![1.0; n]; // duals of z >= 0
    let mut lam = vec![0.0; m];
    let mut u = vec![0.0; parties];
    let mut kvals = layout.pattern.values();
    let mut h: Vec<f64> = Vec::new();
    // Per column: g_j = √w_i · c_j / u_i (the rank-one factor of its owner's Hessian block).
    let mut g = vec![0.0; n];
    // D⁻¹ (= z / v), g D⁻¹ and 1 / z per column.
    let mut d = vec![0.0; n];
    let mut gd = vec![0.0; n];
    let mut inv_z = vec![0.0; n];
    let mut r_p = vec![0.0; m];
    let mut r_d = vec![0.0; n];
    let mut s_party = vec![1.0; parties];
    let mut proj = vec![0.0; parties];
    let mut du = vec![0.0; parties];
    let mut work = Work::new(n, m);
    // The best iterate by `merit` (how far each residual is above its target), kept because
    // near the optimum the Newton systems become ill-conditioned and a step can undo the
    // progress of the previous ones; the caller's first-order test is the judge anyway.
    let mut best: Option<(f64, bool, Vec<f64>)> = None;
    let mut stalled = 0;
    for _ in 0..MAX_ITERATIONS {
        if deadline.passed() {
            break;
        }
        u.iter_mut().for_each(|x| *x = 0.0);
        for j in 0..n {
            if owner[j] != usize::MAX {
                u[owner[j]] += credit[j] * z[j];
            }
        }
        if (0..parties).any(|i| counts(i) && u[i] <= 0.0) {
            break;
        }
        for j in 0..n {
            let i = owner[j];
            g[j] = if i == usize::MAX {
                0.0
            } else {
                sqrt_w[i] * credit[j] / u[i]
            };
        }
        // Residuals: r_p = A z − b, r_d = ∇f − Aᵀλ − v with ∇f_j = −√w_i · g_j.
        r_p.iter_mut().zip(&p.b).for_each(|(r, b)| *r = -b);
        let mut gap = 0.0;
        let mut rd_norm = 0.0_f64;
        for j in 0..n {
            let mut at_lam = 0.0;
            for k in cptr[j]..cptr[j + 1] {
                r_p[crow[k]] += cval[k] * z[j];
                at_lam += cval[k] * lam[crow[k]];
            }
            let i = owner[j];
            let grad = if i == usize::MAX {
                0.0
            } else {
                -sqrt_w[i] * g[j]
            };
            r_d[j] = grad - at_lam - v[j];
            rd_norm = rd_norm.max(r_d[j].abs());
            gap += z[j] * v[j];
        }
        gap /= n as f64;
        let rp_norm = r_p.iter().fold(0.0_f64, |a, b| a.max(b.abs()));
        let merit = merit(gap, rp_norm, rd_norm, w_max);
        if best.as_ref().is_none_or(|(b, _, _)| merit < *b) {
            best = Some((merit, accepted(gap, rp_norm, rd_norm, w_max), z.clone()));
            stalled = 0;
        } else {
            stalled += 1;
        }
        if merit <= 1.0 || stalled > STALL_ITERATIONS {
            break;
        }
        if checkpoint.as_ref().is_some_and(|&(at, _)| {
            gap <= at && rp_norm <= CHECKPOINT_ROW && rd_norm <= CHECKPOINT_DUAL * w_max
        }) {
            if let Some((_, stop)) = checkpoint.take() {
                if stop(&z) {
                    return Some((z, merit));
                }
            }
        }
        // Q = D + Σ_i g_i g_iᵀ, D = v / z; per party s_i = 1 + g_iᵀ D⁻¹ g_i.
        s_party.iter_mut().for_each(|x| *x = 1.0);
        for j in 0..n {
            // Kept as reciprocals: the directions below use them a dozen times each.
            inv_z[j] = 1.0 / z[j];
            d[j] = z[j] / v[j]; // D⁻¹
            gd[j] = g[j] * d[j];
            let i = owner[j];
            if i != usize::MAX {
                s_party[i] += g[j] * gd[j];
            }
        }
        for x in &mut s_party {
            *x = 1.0 / *x;
        }
        // K = A D⁻¹ Aᵀ − Σ_i h_i h_iᵀ / s_i, h_i = A D⁻¹ g_i, on the analysed sparse pattern.
        kvals.iter_mut().for_each(|x| *x = 0.0);
        for j in 0..n {
            let inv = d[j];
            for &(slot, coef) in &layout.col_slots[layout.col_ptr[j]..layout.col_ptr[j + 1]] {
                kvals[slot] += coef * inv;
            }
        }
        for (i, party) in layout.parties.iter().enumerate() {
            if party.rows == 0 {
                continue;
            }
            h.clear();
            h.resize(party.rows, 0.0);
            for &(j, ref local) in &party.arcs {
                let f = gd[j];
                for &(pos, a) in local {
                    h[pos] += a * f;
                }
            }
            let inv_s = s_party[i];
            if matches!(layout.pattern, Pattern::Dense(_)) {
                // Dense storage: entry (row, col), row >= col, at row · m + col; the support
                // is ascending, so `global[b] >= global[a]`. Row by row, so that the inner loop
                // stays in one row of the storage.
                for b in 0..party.rows {
                    let hb = h[b] * inv_s;
                    let row = &mut kvals[party.global[b] * m..];
                    for (&col, &ha) in party.global[..=b].iter().zip(&h[..=b]) {
                        row[col] -= ha * hb;
                    }
                }
            } else {
                let mut k = 0;
                for a in 0..party.rows {
                    let ha = h[a] * inv_s;
                    for b in a..party.rows {
                        kvals[party.slots[k]] -= ha * h[b];
                        k += 1;
                    }
                }
            }
        }
        let diag_max = (0..m)
            .map(|r| kvals[layout.pattern.diagonal(r)])
            .fold(0.0_f64, f64::max);
        for r in 0..m {
            kvals[layout.pattern.diagonal(r)] += DIAGONAL_SHIFT * diag_max.max(1.0);
        }
        if !layout.pattern.factor(&mut kvals) {
            break;
        }
        let system = System {
            cptr: &cptr,
            crow: &crow,
            cval: &cval,
            owner: &owner,
            gd: &gd,
            d: &d,
            inv_s: &s_party,
            inv_z: &inv_z,
            v: &v,
            r_d: &r_d,
            r_p: &r_p,
            pattern: &layout.pattern,
            kvals: &kvals,
        };
        // Predictor (affine) then corrector with Mehrotra's centring.
        for j in 0..n {
            work.r_c[j] = z[j] * v[j];
        }
        system.direction(&mut work, &mut proj);
        let a_p = step_to_boundary(&z, &work.dz);
        let a_d = step_to_boundary(&v, &work.dv);
        let gap_aff: f64 = (0..n)
            .map(|j| (z[j] + a_p * work.dz[j]) * (v[j] + a_d * work.dv[j]))
            .sum::<f64>()
            / n as f64;
        let sigma = centring(gap_aff, gap, rp_norm);
        for j in 0..n {
            work.r_c[j] = z[j] * v[j] + work.dz[j] * work.dv[j] - sigma * gap;
        }
        system.direction(&mut work, &mut proj);
        // One step length for primal and dual: the objective is not linear, so the dual step
        // must follow the primal point it belongs to.
        let mut alpha_p = (0.99 * step_to_boundary(&z, &work.dz))
            .min(0.99 * step_to_boundary(&v, &work.dv))
            .min(1.0);
        // Keep every counted utility positive (the objective's domain).
        du.iter_mut().for_each(|x| *x = 0.0);
        for j in 0..n {
            if owner[j] != usize::MAX {
                du[owner[j]] += credit[j] * work.dz[j];
            }
        }
        // Fraction to the boundary on the utilities too: `w/u` is the gradient, and a step
        // that takes a utility close to 0 leaves the next dual residual at the scale of the
        // new, huge gradient; the method then stalls (measured: 5 of 1,500 larger generated
        // markets, all solved directly once steps keep 10% of every utility).
        for i in 0..parties {
            if counts(i) && du[i] < 0.0 {
                alpha_p = alpha_p.min(U_STEP_KEEP * u[i] / -du[i]);
            }
        }
        for j in 0..n {
            z[j] += alpha_p * work.dz[j];
            v[j] += alpha_p * work.dv[j];
        }
        for r in 0..m {
            lam[r] += alpha_p * work.dlam[r];
        }
    }
    match best {
        Some((merit, true, z)) => Some((z, merit)),
        _ => None,
    }
}

/// A leg whose total the face fixes, on scaled bounds: one equality row instead of a row with a
/// slack.
pub(crate) fn leg_fixed(lo: f64, hi: f64) -> bool {
    hi - lo <= 1e-12 * hi.abs().max(1.0)
}

/// Added to the Newton matrix's diagonal, relative to its largest entry: the leg rows of a
/// transportation face are dependent (sellers' and buyers' totals sum alike), and the shift
/// keeps the factor from breaking on that.
pub(crate) const DIAGONAL_SHIFT: f64 = 1e-15;

/// The interior points' target for the mean complementarity `z · v / n`.
///
/// It sets how exact `u*` is, more than the row and dual targets do. Measured against the price
/// ladder's program (`tests/nash_plain_markets.rs`, `NASH_LADDER_CASES=300`, 776 components of
/// plain markets): at 1e-14 the Nash stage's utilities were more than 1e-9 of the component's
/// largest off on 66 components, more than 1e-8 on 12, at most 1.4e-7; at 1e-16, more than 1e-9
/// on 18 (both programs' errors together), at most 9.7e-9. The cost is about one iteration per
/// solve, the last ones converging fast (instructions, one thread: plain 20×20 +3%, 100×100 +9%,
/// 300×300 +2%; constrained, lots and defer-swap 0–3%). At 1e-17 the ladder's own iteration no
/// longer met its targets on enough components: the floor of double precision is near.
pub(crate) const GAP_TARGET: f64 = 1e-16;

/// The target for the row residual, in units of the quantity scale. 100× tighter and the
/// iterations stall on rounding (the ladder's on more than a quarter of the components).
pub(crate) const ROW_TARGET: f64 = 1e-11;

/// The target for the dual residual, relative to the largest weight. 100× tighter changed none
/// of the utilities measured above.
pub(crate) const DUAL_TARGET: f64 = 1e-9;

/// How far an iterate is from the targets, as the largest ratio of a residual to its target
/// (`GAP_TARGET`, `ROW_TARGET`, `DUAL_TARGET`). At most 1 means converged.
pub(crate) fn merit(gap: f64, rp_norm: f64, rd_norm: f64, w_max: f64) -> f64 {
    (gap / GAP_TARGET)
        .max(rp_norm / ROW_TARGET)
        .max(rd_norm / (DUAL_TARGET * w_max))
}

/// Mehrotra's centring parameter from the affine step's gap, kept away from 0 while the rows
/// are still far from satisfied: an infeasible-start method must shrink infeasibility no
/// slower than the gap (a floor of 0.01 rather than 0.1: 12% fewer iterations on the
/// benchmark's 20×20 markets, and 3,000 generated markets still all verified).
pub(crate) fn centring(gap_aff: f64, gap: f64, rp_norm: f64) -> f64 {
    let sigma = (gap_aff / gap).clamp(0.0, 1.0).powi(3);
    if rp_norm > 1e-8 {
        sigma.max(0.01)
    } else {
        sigma
    }
}

/// Largest step in `[0, 1]` along `dx` that keeps `x` non-negative.
///
/// Compares `x < a · (−dx)` and divides only when the step shrinks: a division per entry, each
/// waiting on the previous minimum, was the most expensive line of an iteration. Entries are
/// screened eight at a time against the step so far, and only a block with an entry that would
/// shrink it is walked one by one (`step_to_boundary_serial`'s rule): the step only shrinks,
/// and an entry that passes a step passes every smaller one (`−dx · a` is monotone in `a`), so
/// the answer is the serial walk's, bit for bit, while the screen is a few vector instructions
/// per block instead of a branch per entry.
#[inline(always)]
pub(crate) fn step_to_boundary(x: &[f64], dx: &[f64]) -> f64 {
    const LANES: usize = 8;
    let n = x.len().min(dx.len());
    let (x, dx) = (&x[..n], &dx[..n]);
    let mut a = 1.0_f64;
    let (xs, ds) = (x.chunks_exact(LANES), dx.chunks_exact(LANES));
    let (x_rest, d_rest) = (xs.remainder(), ds.remainder());
    for (xb, db) in xs.zip(ds) {
        let mut shrinks = false;
        for l in 0..LANES {
            shrinks |= (db[l] < 0.0) & (xb[l] < -db[l] * a);
        }
        if shrinks {
            a = step_to_boundary_serial(a, xb, db);
        }
    }
    step_to_boundary_serial(a, x_rest, d_rest)
}

/// The step from `a` along `dx`, entry by entry.
#[inline(always)]
fn step_to_boundary_serial(mut a: f64, x: &[f64], dx: &[f64]) -> f64 {
    for (&xi, &di) in x.iter().zip(dx) {
        if di < 0.0 && xi < -di * a {
            a = -xi / di;
        }
    }
    a
}

/// Buffers of one Newton direction, reused across iterations.
struct Work {
    r_c: Vec<f64>,
    rhs1: Vec<f64>,
    q: Vec<f64>,
    dlam: Vec<f64>,
    dz: Vec<f64>,
    dv: Vec<f64>,
}

impl Work {
    fn new(n: usize, m: usize) -> Self {
        Self {
            r_c: vec![0.0; n],
            rhs1: vec![0.0; n],
            q: vec![0.0; n],
            dlam: vec![0.0; m],
            dz: vec![0.0; n],
            dv: vec![0.0; n],
        }
    }
}

/// The factored Newton system of one iteration.
struct System<'a> {
    cptr: &'a [usize],
    crow: &'a [usize],
    cval: &'a [f64],
    owner: &'a [usize],
    /// `g D⁻¹` per column.
    gd: &'a [f64],
    /// `D⁻¹` per column.
    d: &'a [f64],
    /// `1 / s_i` per party.
    inv_s: &'a [f64],
    inv_z: &'a [f64],
    v: &'a [f64],
    r_d: &'a [f64],
    r_p: &'a [f64],
    pattern: &'a Pattern,
    kvals: &'a [f64],
}

#[allow(clippy::needless_range_loop)] // `j` addresses several parallel arrays at once
impl System<'_> {
    /// `out = Q⁻¹ rhs` by Sherman–Morrison per party (`proj` is scratch, one per party).
    fn q_inv(&self, rhs: &[f64], out: &mut [f64], proj: &mut [f64]) {
        proj.iter_mut().for_each(|x| *x = 0.0);
        for j in 0..rhs.len() {
            let i = self.owner[j];
            if i != usize::MAX {
                proj[i] += self.gd[j] * rhs[j];
            }
        }
        for x in proj.iter_mut().zip(self.inv_s) {
            *x.0 *= x.1;
        }
        for j in 0..rhs.len() {
            let i = self.owner[j];
            let mut o = rhs[j] * self.d[j];
            if i != usize::MAX {
                o -= self.gd[j] * proj[i];
            }
            out[j] = o;
        }
    }

    /// The direction `(dz, dλ, dv)` for the complementarity residual in `work.r_c`.
    fn direction(&self, work: &mut Work, proj: &mut [f64]) {
        let n = self.inv_z.len();
        // rhs1 = −r_d − Z⁻¹ r_c
        for j in 0..n {
            work.rhs1[j] = -self.r_d[j] - work.r_c[j] * self.inv_z[j];
        }
        self.q_inv(&work.rhs1, &mut work.q, proj);
        for (o, r) in work.dlam.iter_mut().zip(self.r_p) {
            *o = -r;
        }
        for j in 0..n {
            for k in self.cptr[j]..self.cptr[j + 1] {
                work.dlam[self.crow[k]] -= self.cval[k] * work.q[j];
            }
        }
        self.pattern.solve(self.kvals, &mut work.dlam);
        // t = rhs1 + Aᵀ dλ, dz = Q⁻¹ t (rhs1 is overwritten by t).
        for j in 0..n {
            let mut at = 0.0;
            for k in self.cptr[j]..self.cptr[j + 1] {
                at += self.cval[k] * work.dlam[self.crow[k]];
            }
            work.rhs1[j] += at;
        }
        self.q_inv(&work.rhs1, &mut work.dz, proj);
        for j in 0..n {
            work.dv[j] = (-work.r_c[j] - self.v[j] * work.dz[j]) * self.inv_z[j];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The screened walk must give the serial walk's step bit for bit (the iterates, and so the
    /// responses, depend on it), on every length and whatever the signs, ties, zeros or NaN.
    #[test]
    fn the_screened_step_is_the_serial_walks_bit_for_bit() {
        let mut next = crate::test_rng::unit(11);
        let mut shrank = 0;
        for case in 0..4_000 {
            let n = case % 67;
            let mut x: Vec<f64> = (0..n).map(|_| next() * 2.0).collect();
            let mut dx: Vec<f64> = (0..n).map(|_| (next() - 0.6) * 4.0).collect();
            for k in 0..n {
                match (case + k) % 13 {
                    // Ratios equal to the last bit, and ties with a step already taken.
                    0 if k > 0 => (x[k], dx[k]) = (x[k - 1], dx[k - 1]),
                    1 if k > 0 => x[k] = f64::from_bits(x[k - 1].to_bits() + 1),
                    2 => x[k] = 0.0,
                    3 => dx[k] = 0.0,
                    4 if case % 5 == 0 => x[k] = f64::NAN,
                    5 if case % 7 == 0 => dx[k] = f64::NAN,
                    _ => {}
                }
            }
            let want = step_to_boundary_serial(1.0, &x, &dx);
            let got = step_to_boundary(&x, &dx);
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "case {case}: {got} against {want}"
            );
            if want < 1.0 {
                shrank += 1;
            }
        }
        assert!(shrank > 2_000, "the cases must shrink the step ({shrank})");
    }
}
