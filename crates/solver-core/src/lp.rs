//! A general linear program with bounded variables and row ranges, solved by a revised
//! primal simplex method. Used where the transportation structure of settlement.md §3.1 is
//! broken: swap ratios and other side constraints.
//!
//! Design (chosen for exactness on small problems and robustness on medium ones):
//! - every row gets a logical variable `r_i = A_i x` with bounds `[row_lo_i, row_hi_i]`, so the
//!   constraints read `A x − r = 0` and the all-logical basis `−I` is always a valid start;
//! - bounded variables are nonbasic at either bound (bound flips need no basis change);
//! - one loop serves both phases ("composite" phase one): while some basic variable is outside
//!   its bounds, the costs are the gradient of the sum of infeasibilities, and an infeasible
//!   basic variable blocks the step when it reaches the bound it violates;
//! - the basis inverse is kept in product form (`eta_file.rs`): one sparse eta per pivot, and a
//!   rebuild every hundred pivots (or once the etas grow past forty nonzeros a row) that takes
//!   the network part of the basis — a forest of edge columns — leaf by leaf, without fill, and
//!   pivots only the bump the ratio rows leave. Until 2026-12-06 it was dense and explicit
//!   (`m²` per pivot, Gauss–Jordan `2m³` per rebuild): on the defer-swap 300×300 market's
//!   welfare LP (678 rows, 31,041 columns, 1,941 pivots) 80 → 47 ms, on its first-order probe
//!   (585 rows, 2,769 pivots) 66 → 40 ms, at 100×100 (190–228 rows) 7.1 → 3.0 and 7.5 → 3.5
//!   ms. A rebuild also happens before infeasibility is declared; optimality is declared on an
//!   updated inverse only when the basic values still solve the rows and fresh duals still
//!   price the basic columns at zero (to a hundredth of the tolerances), else after a rebuild;
//! - the duals `y = c_Bᵀ B⁻¹` are updated from pivot to pivot (with the pivot row of the old
//!   inverse, one backward pass over the etas) while the basic costs are the ones the pivot
//!   assumed, and recomputed from scratch otherwise and after every rebuild;
//! - pricing is partial: the columns are scanned in sections (at least 256, a 32nd of them) from
//!   where the last scan stopped, and the best candidate of the first section with one enters
//!   (Dantzig's rule within the section; a full pass without one proves optimality). On faces
//!   of tens of thousands of edges a full scan per pivot was most of the time. The ratio test
//!   is Harris's two-pass one (prefers large pivots); after a run of degenerate pivots the method
//!   switches to Bland's rule (smallest index enters, scanning from column 0; smallest index
//!   leaves among ties), which cannot cycle, until a step makes progress.
//!
//! Everything is deterministic: fixed scan orders, index tie-breaks.

use crate::deadline::Deadline;
use crate::eta_file::EtaFile;

/// Maximise `c·x` subject to `0 ≤ x ≤ upper` and `row_lo ≤ A x ≤ row_hi`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lp {
    /// Objective coefficients, one per column.
    pub c: Vec<f64>,
    /// Upper bound per column, may be `f64::INFINITY`.
    pub upper: Vec<f64>,
    /// Sparse rows of `A`: `(column, coefficient)`.
    pub rows: Vec<Vec<(usize, f64)>>,
    /// Lower bound per row, may be `f64::NEG_INFINITY`.
    pub row_lo: Vec<f64>,
    /// Upper bound per row, may be `f64::INFINITY`.
    pub row_hi: Vec<f64>,
    /// The size of the costs that matter, which the optimality test's dual tolerance is
    /// relative to; `None`: the largest `|c|`. A caller with big-M penalty columns passes the
    /// scale of its real costs: relative to the penalty (hundreds of times the largest real
    /// cost), the test would accept a vertex that far from optimal (measured: the Nash
    /// oracle over a face with swaps returned a flow 2e-6 below a settlement known to be on
    /// the face, relative, more than §3.2's first-order tolerance).
    pub cost_scale: Option<f64>,
}

/// An optimal basic solution with its duals.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LpSolution {
    pub x: Vec<f64>,
    pub objective: f64,
    /// `y ≥ 0` on rows at `row_hi`, `≤ 0` at `row_lo`, 0 strictly inside.
    pub row_dual: Vec<f64>,
    /// `d = c − Aᵀy`: `≤ tol` at `x = 0`, `≥ −tol` at `x = upper`, ≈ 0 in between.
    pub reduced_cost: Vec<f64>,
}

/// Why [`solve_lp`] returned no solution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LpError {
    Infeasible,
    Unbounded,
    Deadline,
    /// A singular basis or the iteration safeguard.
    Numerical,
    /// More rows than the engine takes ([`MAX_DENSE_ROWS`]).
    TooLarge,
    /// Malformed input: lengths differ, a column index is out of range, or a number is NaN
    /// (or an infinite cost / coefficient).
    Invalid,
}

const NONE: usize = usize::MAX;
/// Most rows the engine takes: a rebuild of the inverse costs up to `m²` where the basis is
/// not a network (the name is from when the inverse was dense, `m²` floats). A challenge's LP
/// has at most 1,024 parties' legs and ratio rows, far below it; larger problems are refused
/// up front.
pub const MAX_DENSE_ROWS: usize = 4096;
/// Primal feasibility tolerance, relative to `max(1, |bound|)`.
const FEAS_TOL: f64 = 1e-9;
/// Dual (reduced cost) tolerance, relative to the costs' scale (`Lp::cost_scale`) in phase two.
const DUAL_TOL: f64 = 1e-9;
/// Entries of the pivot column below this are treated as zero.
const PIVOT_TOL: f64 = 1e-9;
/// Degenerate pivots in a row before switching to Bland's rule.
const BLAND_AFTER: usize = 30;
const DEADLINE_POLL: usize = 64;
/// The inverse is rebuilt after this many pivots, or once the etas appended since the last
/// rebuild hold more than `REBUILD_GROWTH` nonzeros per row: each pivot's solves cost the
/// file's nonzeros, and a rebuild also clears the rounding the updates accumulate.
const REBUILD_PIVOTS: usize = 100;
/// See `REBUILD_PIVOTS`.
const REBUILD_GROWTH: usize = 40;
/// Shortest section of columns scanned per pricing step (partial pricing): a full scan costs
/// as much as the rest of a pivot several times over on faces with tens of thousands of edges.
const PRICING_SECTION: usize = 256;

fn ftol(b: f64) -> f64 {
    FEAS_TOL * b.abs().max(1.0)
}

struct Simplex<'a> {
    m: usize,
    n: usize,
    /// The structural columns, compressed: column `j`'s `(row, value)` entries at
    /// `entries[col_start[j]..col_start[j + 1]]`. One array, not a vector per column: pricing
    /// reads thousands of columns per pivot, and separate allocations made each a cache miss.
    col_start: Vec<usize>,
    entries: Vec<(usize, f64)>,
    cost: &'a [f64],
    lo: Vec<f64>,
    hi: Vec<f64>,
    x: Vec<f64>,
    at_upper: Vec<bool>,
    basis: Vec<usize>,
    pos: Vec<usize>,
    /// `B⁻¹` in product form (`eta_file.rs`).
    inv: EtaFile,
}

impl Simplex<'_> {
    /// The `(row, value)` entries of structural column `j < n`.
    fn structural(&self, j: usize) -> &[(usize, f64)] {
        &self.entries[self.col_start[j]..self.col_start[j + 1]]
    }

    /// Visit the nonzeros of column `j` (structural, or `−e_i` for logical `n + i`).
    fn for_col(&self, j: usize, mut f: impl FnMut(usize, f64)) {
        if j < self.n {
            for &(k, a) in self.structural(j) {
                f(k, a);
            }
        } else {
            f(j - self.n, -1.0);
        }
    }

    fn ftran(&self, j: usize, out: &mut [f64]) {
        out.fill(0.0);
        self.for_col(j, |k, a| out[k] += a);
        self.inv.ftran(out);
    }

    fn btran(&self, cb: &[f64], out: &mut [f64]) {
        out.copy_from_slice(cb);
        self.inv.btran(out);
    }

    /// Row `r` of `B⁻¹`.
    fn inverse_row(&self, r: usize, out: &mut [f64]) {
        out.fill(0.0);
        out[r] = 1.0;
        self.inv.btran(out);
    }

    fn dot_col(&self, j: usize, y: &[f64]) -> f64 {
        let mut s = 0.0;
        self.for_col(j, |k, a| s += a * y[k]);
        s
    }

    /// Rebuild `B⁻¹` from scratch (`EtaFile::rebuild`: the basic columns may change position)
    /// and recompute the basic values from the nonbasic ones.
    fn refactor(&mut self) -> Result<(), LpError> {
        let m = self.m;
        let columns: Vec<Vec<(usize, f64)>> = self
            .basis
            .iter()
            .map(|&j| {
                let mut col = Vec::new();
                self.for_col(j, |k, a| col.push((k, a)));
                col
            })
            .collect();
        let (inv, place) = EtaFile::rebuild(m, &columns).ok_or(LpError::Numerical)?;
        self.inv = inv;
        let old = std::mem::take(&mut self.basis);
        self.basis = vec![NONE; m];
        for (&j, &p) in old.iter().zip(&place) {
            self.basis[p] = j;
            self.pos[j] = p;
        }
        // B x_B = −N x_N.
        let mut rhs = vec![0.0; m];
        for j in 0..self.n + m {
            if self.pos[j] == NONE && self.x[j] != 0.0 {
                let v = self.x[j];
                self.for_col(j, |k, a| rhs[k] -= a * v);
            }
        }
        self.inv.ftran(&mut rhs);
        for (i, v) in rhs.into_iter().enumerate() {
            self.x[self.basis[i]] = v;
        }
        Ok(())
    }

    /// True when the current basis is still accurate: every row's activity equals its logical
    /// variable, and `y` prices every basic column at zero, within a hundredth of the
    /// feasibility and dual tolerances (drift of the updated inverse shows in both).
    fn accurate(&self, y: &[f64], cscale: f64) -> bool {
        let m = self.m;
        let mut activity = vec![0.0; m];
        for j in 0..self.n {
            let v = self.x[j];
            if v != 0.0 {
                for &(k, a) in self.structural(j) {
                    activity[k] += a * v;
                }
            }
        }
        let rows_ok = (0..m).all(|i| {
            let r = self.x[self.n + i];
            (activity[i] - r).abs() <= 0.01 * ftol(r)
        });
        let duals_ok = self.basis.iter().all(|&j| {
            let d = self.cost[j] - self.dot_col(j, y);
            d.abs() <= 0.01 * DUAL_TOL * cscale
        });
        rows_ok && duals_ok
    }

    /// Phase-one costs of the basic variables (gradient of minus the infeasibility sum), or
    /// `None` when every basic variable is within tolerance of its bounds.
    fn infeasibility_costs(&self, cb: &mut [f64]) -> bool {
        let mut any = false;
        for (i, &v) in self.basis.iter().enumerate() {
            let xv = self.x[v];
            cb[i] = if xv < self.lo[v] - ftol(self.lo[v]) {
                1.0
            } else if xv > self.hi[v] + ftol(self.hi[v]) {
                -1.0
            } else {
                0.0
            };
            any |= cb[i] != 0.0;
        }
        any
    }
}

/// One blocking candidate of the ratio test.
struct Block {
    pos: usize,
    bound: f64,
    ratio: f64,
    rate: f64,
}

fn validate(lp: &Lp) -> Result<(), LpError> {
    let n = lp.c.len();
    let m = lp.rows.len();
    if lp.upper.len() != n || lp.row_lo.len() != m || lp.row_hi.len() != m {
        return Err(LpError::Invalid);
    }
    if lp.c.iter().any(|c| !c.is_finite()) || lp.upper.iter().any(|u| u.is_nan()) {
        return Err(LpError::Invalid);
    }
    if lp.row_lo.iter().chain(&lp.row_hi).any(|b| b.is_nan()) {
        return Err(LpError::Invalid);
    }
    if lp
        .rows
        .iter()
        .flatten()
        .any(|&(j, a)| j >= n || !a.is_finite())
    {
        return Err(LpError::Invalid);
    }
    Ok(())
}

/// Solve `lp` to an optimal basic solution with row duals and reduced costs.
///
/// # Errors
/// [`LpError::Infeasible`], [`LpError::Unbounded`], [`LpError::Deadline`] when `deadline`
/// passes first, [`LpError::Numerical`] on a singular basis or runaway iterations,
/// [`LpError::Invalid`] on malformed input, [`LpError::TooLarge`] beyond
/// [`MAX_DENSE_ROWS`] rows.
pub fn solve_lp(lp: &Lp, deadline: Deadline) -> Result<LpSolution, LpError> {
    solve_lp_from(lp, deadline, &mut None)
}

/// The basis a solve ended on, with its inverse: a later solve of an LP whose rows, row bounds
/// and column bounds are the same — only the costs differ — starts from it instead of from the
/// all-logical basis. The Nash stage's first-order probes are such a sequence: one face, new
/// party weights each round. The basis stays primal feasible, so such a solve runs phase two
/// from where the last one stopped, and skips the rebuild of the inverse a start needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Warm {
    /// `constraints_key` of the LP the basis belongs to.
    key: u64,
    basis: Vec<usize>,
    at_upper: Vec<bool>,
    x: Vec<f64>,
    inv: EtaFile,
    /// Pivots the inverse has been updated by since it was last rebuilt: the next solve goes
    /// on counting, so the periodic rebuild comes as it would have, and an optimum found
    /// without a pivot is still checked against the rows before it is declared.
    since_refactor: usize,
}

/// A fingerprint of everything but the costs: the shape, every coefficient with its position,
/// and every bound (the bits of each number, so equal inputs give equal keys).
fn constraints_key(lp: &Lp) -> u64 {
    // FNV-1a over 64-bit words: enough to tell two different problems apart (a false match
    // would still be caught by the solve's accuracy test and rebuild, never give a wrong
    // answer silently: the saved values are checked against the rows before optimality).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut mix = |v: u64| {
        h ^= v;
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    mix(lp.c.len() as u64);
    mix(lp.rows.len() as u64);
    for row in &lp.rows {
        mix(row.len() as u64);
        for &(j, a) in row {
            mix(j as u64);
            mix(a.to_bits());
        }
    }
    for b in lp.row_lo.iter().chain(&lp.row_hi).chain(&lp.upper) {
        mix(b.to_bits());
    }
    h
}

/// [`solve_lp`], starting from `warm` when it belongs to an LP with the same constraints as
/// this one (else from the all-logical basis); on success `warm` holds the final basis.
///
/// # Errors
/// As [`solve_lp`]. `warm` is left empty on an error.
#[allow(clippy::too_many_lines)] // one simplex loop; splitting it would scatter its invariants
pub fn solve_lp_from(
    lp: &Lp,
    deadline: Deadline,
    warm: &mut Option<Warm>,
) -> Result<LpSolution, LpError> {
    let start = warm.take();
    validate(lp)?;
    let n = lp.c.len();
    let m = lp.rows.len();
    if m > MAX_DENSE_ROWS {
        return Err(LpError::TooLarge);
    }
    for j in 0..n {
        if lp.upper[j] < 0.0 {
            return Err(LpError::Infeasible);
        }
    }
    for i in 0..m {
        let (l, h) = (lp.row_lo[i], lp.row_hi[i]);
        if l > h || l == f64::INFINITY || h == f64::NEG_INFINITY {
            return Err(LpError::Infeasible);
        }
    }
    // Rows to compressed columns: count, place (rows in order within each column).
    let mut col_start = vec![0usize; n + 1];
    for row in &lp.rows {
        for &(j, a) in row {
            if a != 0.0 {
                col_start[j + 1] += 1;
            }
        }
    }
    for j in 0..n {
        col_start[j + 1] += col_start[j];
    }
    let mut entries = vec![(0usize, 0.0f64); col_start[n]];
    let mut fill = col_start.clone();
    for (i, row) in lp.rows.iter().enumerate() {
        for &(j, a) in row {
            if a != 0.0 {
                entries[fill[j]] = (i, a);
                fill[j] += 1;
            }
        }
    }
    let total = n + m;
    let mut lo = vec![0.0; n];
    lo.extend_from_slice(&lp.row_lo);
    let mut hi = lp.upper.clone();
    hi.extend_from_slice(&lp.row_hi);
    let mut cost = lp.c.clone();
    cost.resize(total, 0.0);
    let mut s = Simplex {
        m,
        n,
        col_start,
        entries,
        cost: &cost,
        lo,
        hi,
        x: vec![0.0; total],
        at_upper: vec![false; total],
        basis: (n..total).collect(),
        pos: (0..total)
            .map(|j| if j < n { NONE } else { j - n })
            .collect(),
        inv: EtaFile::identity(m),
    };
    let key = constraints_key(lp);
    let mut since_refactor = 0usize;
    match start.filter(|w| w.key == key) {
        Some(w) => {
            // The same rows and bounds: the basis is still a basis and its values still solve
            // the rows within their bounds; only the duals must be computed anew (below).
            s.pos.fill(NONE);
            for (p, &j) in w.basis.iter().enumerate() {
                s.pos[j] = p;
            }
            s.basis = w.basis;
            s.at_upper = w.at_upper;
            s.x = w.x;
            s.inv = w.inv;
            since_refactor = w.since_refactor.max(1);
        }
        None => s.refactor()?,
    }

    // Relative to the costs' own size (not to 1: profits of 1e-4 per unit would otherwise
    // be priced to 1e-5 of themselves); 1 when every cost is 0.
    let cscale = match lp
        .cost_scale
        .unwrap_or_else(|| lp.c.iter().fold(0.0f64, |a, c| a.max(c.abs())))
    {
        v if v > 0.0 && v.is_finite() => v,
        _ => 1.0,
    };
    let limit = 50 * (total + 100) + 20 * m * m.min(n.max(1));
    let mut cb = vec![0.0; m];
    let mut y = vec![0.0; m];
    let mut y_costs = vec![0.0; m];
    // Partial pricing (see the pricing step): the section length and where the next scan starts.
    let section = PRICING_SECTION.max(total / 32);
    let mut price_from = 0usize;
    // `y_fresh`: `y` belongs to the current inverse; `y_exact`: and was computed from scratch.
    let mut y_fresh = false;
    let mut y_exact = false;
    let mut alpha = vec![0.0; m];
    let mut row_r = vec![0.0; m];
    let mut degenerate = 0usize;
    let mut cands: Vec<Block> = Vec::new();
    let mut iter = 0usize;
    loop {
        iter += 1;
        if iter.is_multiple_of(DEADLINE_POLL) && deadline.passed() {
            return Err(LpError::Deadline);
        }
        if iter > limit {
            return Err(LpError::Numerical);
        }
        if since_refactor >= REBUILD_PIVOTS || s.inv.growth() > REBUILD_GROWTH * m {
            if deadline.passed() {
                return Err(LpError::Deadline);
            }
            s.refactor()?;
            since_refactor = 0;
            y_fresh = false;
        }
        let phase1 = s.infeasibility_costs(&mut cb);
        if !phase1 {
            for (c, &v) in cb.iter_mut().zip(&s.basis) {
                *c = s.cost[v];
            }
        }
        // `y = c_Bᵀ B⁻¹` costs O(m²) from scratch; after a pivot it was updated in O(m) for
        // the costs the pivot assumed (`y_costs`), which is every pivot of phase two and most
        // of phase one. Rebuilt whenever the costs differ or the inverse was rebuilt.
        if !y_fresh || cb != y_costs {
            s.btran(&cb, &mut y);
            y_costs.copy_from_slice(&cb);
            y_fresh = true;
            y_exact = true;
        }
        let dtol = if phase1 { DUAL_TOL } else { DUAL_TOL * cscale };
        let bland = degenerate >= BLAND_AFTER;

        // Pricing. Partial: the columns are scanned in sections from where the last scan
        // stopped, and the best candidate of the first section that has one enters (Dantzig's
        // rule within it); a full pass without a candidate means optimal. Bland's rule scans
        // from column 0 (the smallest index must enter).
        let mut enter = NONE;
        let mut best = 0.0;
        let mut enter_d = 0.0;
        let first = if bland { 0 } else { price_from };
        let mut scanned = 0;
        while scanned < total && enter == NONE {
            let len = if bland {
                total
            } else {
                section.min(total - scanned)
            };
            // `first + scanned` is below `2 · total`: one subtraction wraps it (a division
            // per column was a tenth of the pricing).
            let mut j = first + scanned;
            if j >= total {
                j -= total;
            }
            for _ in 0..len {
                let here = j;
                j += 1;
                if j == total {
                    j = 0;
                }
                let j = here;
                if s.pos[j] != NONE || s.hi[j] <= s.lo[j] {
                    continue;
                }
                let cj = if phase1 { 0.0 } else { s.cost[j] };
                let d = cj - s.dot_col(j, &y);
                let gain = if s.at_upper[j] { -d } else { d };
                if gain > dtol && (enter == NONE || (!bland && gain > best)) {
                    enter = j;
                    best = gain;
                    enter_d = d;
                    if bland {
                        break;
                    }
                }
            }
            scanned += len;
        }
        if !bland {
            price_from = (first + scanned) % total;
        }
        if enter == NONE {
            if !y_exact {
                // Carried duals: price once more with duals computed from scratch.
                y_fresh = false;
                continue;
            }
            // Declare nothing on a drifted inverse: optimality only when the basic values
            // still solve the rows and the duals still price the basic columns at zero (both
            // checked in O(nonzeros), far below a rebuild's O(m³), which most of these short
            // solves would otherwise end with); infeasibility only after a rebuild.
            if since_refactor > 0 && (phase1 || !s.accurate(&y, cscale)) {
                s.refactor()?;
                since_refactor = 0;
                y_fresh = false;
                continue;
            }
            if phase1 {
                return Err(LpError::Infeasible);
            }
            break;
        }
        let j = enter;
        let dir = if s.at_upper[j] { -1.0 } else { 1.0 };
        s.ftran(j, &mut alpha);

        // Ratio test: pass one collects blocking basics and the Harris bound.
        cands.clear();
        let flip = s.hi[j] - s.lo[j];
        let mut harris = flip;
        for (i, &a) in alpha.iter().enumerate() {
            if a.abs() <= PIVOT_TOL {
                continue;
            }
            let rate = -dir * a;
            let v = s.basis[i];
            let (xv, l, h) = (s.x[v], s.lo[v], s.hi[v]);
            let bound = if rate < 0.0 {
                if xv > h + ftol(h) {
                    h
                } else if l.is_finite() && xv >= l - ftol(l) {
                    l
                } else {
                    continue;
                }
            } else if xv < l - ftol(l) {
                l
            } else if h.is_finite() && xv <= h + ftol(h) {
                h
            } else {
                continue;
            };
            let raw = (bound - xv) / rate;
            let ratio = raw.max(0.0);
            harris = harris.min(raw + ftol(bound) / rate.abs());
            cands.push(Block {
                pos: i,
                bound,
                ratio,
                rate,
            });
        }
        // Pass two: the leaving row.
        let mut leave: Option<&Block> = None;
        if bland {
            for b in &cands {
                let better = match leave {
                    None => true,
                    Some(l) => {
                        b.ratio < l.ratio - 1e-12
                            || (b.ratio <= l.ratio + 1e-12 && s.basis[b.pos] < s.basis[l.pos])
                    }
                };
                if better {
                    leave = Some(b);
                }
            }
        } else {
            for b in &cands {
                let larger = match leave {
                    None => true,
                    Some(l) => b.rate.abs() > l.rate.abs(),
                };
                if b.ratio <= harris && larger {
                    leave = Some(b);
                }
            }
        }
        let theta = leave.map_or(f64::INFINITY, |b| b.ratio);
        if theta == f64::INFINITY && flip == f64::INFINITY {
            return Err(if phase1 {
                LpError::Numerical
            } else {
                LpError::Unbounded
            });
        }
        if flip <= theta {
            // Bound flip: the entering variable crosses to its other bound.
            for (i, &a) in alpha.iter().enumerate() {
                let v = s.basis[i];
                s.x[v] -= dir * flip * a;
            }
            s.at_upper[j] = !s.at_upper[j];
            s.x[j] = if s.at_upper[j] { s.hi[j] } else { s.lo[j] };
            degenerate = 0;
            continue;
        }
        let Some(b) = leave else {
            return Err(LpError::Numerical);
        };
        let (r, bound) = (b.pos, b.bound);
        for (i, &a) in alpha.iter().enumerate() {
            let v = s.basis[i];
            s.x[v] -= dir * theta * a;
        }
        s.x[j] += dir * theta;
        let out = s.basis[r];
        s.x[out] = bound;
        s.at_upper[out] = bound == s.hi[out] && bound != s.lo[out];
        s.pos[out] = NONE;
        s.basis[r] = j;
        s.pos[j] = r;
        s.at_upper[j] = false;
        // y' = y + (d_j / α_r) · (row r of the old B⁻¹): the entering column's reduced cost
        // becomes 0 and the leaving one's −d_j / α_r, for the costs `y_costs` with position r
        // now holding the entering column's cost (0 in phase one, where it lands in bounds).
        let step = enter_d / alpha[r];
        s.inverse_row(r, &mut row_r);
        for (yk, rk) in y.iter_mut().zip(&row_r) {
            *yk += step * rk;
        }
        y_costs[r] = if phase1 { 0.0 } else { s.cost[j] };
        y_exact = false;
        s.inv.push(r, &alpha);
        since_refactor += 1;
        if theta <= 1e-12 {
            degenerate += 1;
        } else {
            degenerate = 0;
        }
    }

    let x: Vec<f64> = (0..n).map(|j| s.x[j].clamp(0.0, lp.upper[j])).collect();
    let objective = x.iter().zip(&lp.c).map(|(x, c)| x * c).sum();
    let reduced_cost = (0..n).map(|j| lp.c[j] - s.dot_col(j, &y)).collect();
    *warm = Some(Warm {
        key,
        basis: s.basis,
        at_upper: s.at_upper,
        x: s.x,
        inv: s.inv,
        since_refactor,
    });
    Ok(LpSolution {
        x,
        objective,
        row_dual: y,
        reduced_cost,
    })
}
