//! Newton's method on the pattern of a grid answer: the last digits of `u*` that the interior
//! point cannot give.
//!
//! The interior point of `bipartite_ipm.rs` ends at a mean complementarity of 1e-16, yet its
//! utilities are only good to about 1e-8 of the largest: the program has no strictly
//! complementary solution (a party indifferent between two partners it does not both use), so
//! the error shrinks like the square root of the gap, and tighter targets stall rather than
//! converge (`docs/nash-stage-performance.md`). The answer's *pattern* is right, though: after
//! the exchange moves (`sparse_finish.rs`) and the exact split, every trade is owned by its
//! seller (the seller takes the whole surplus), by its buyer, or split (both sides at the same
//! `u / w`). On a fixed pattern the optimality conditions are a square system of equations —
//!
//! ```text
//!   Cᵀ μ = Aᵀ λ        every variable of the pattern is tight (stationarity)
//!   μ_i (C y)_i = w_i  the utilities' prices (μ = π = w / u)
//!   A y = b            every fixed leg total
//! ```
//!
//! with `y` the pattern's variables (each trade's quantity, and the seller's credit of a split
//! trade), `C` their credit to each counted party's utility and `A` their use of each fixed
//! leg — and Newton's method solves it to rounding in one to a few steps from the interior
//! point's answer. Measured on the benchmark's plain 100×100 and 300×300 markets: the shipped
//! utilities were 2e-11 to 1.7e-8 of the largest off the solution of these equations, whose
//! first-order gap is at the oracle's own resolution.
//!
//! The pattern is degenerate (a top level of parties splitting freely has many equivalent
//! allocations), so `CᵀΦC` (the Newton matrix of the objective, `Φ = diag(μ / u)`) is singular.
//! Each step is taken with a small proximal term `δ ‖dy‖²` — the least-change step among the
//! many — and reduced to a symmetric positive definite system over the party and leg rows,
//! `([C; A][C; A]ᵀ + diag(δ Φ⁻¹, 0)) [dz; dλ] = …`, factored by `sparse_chol` (each variable
//! touches at most three rows, so the system is as sparse as the pattern; densely up to
//! `DENSE_UP_TO` rows).
//!
//! A step that leaves the pattern (a quantity below zero, a split outside its trade's surplus)
//! changes the pattern and starts again, a few times at most; an answer whose owned trades have
//! the richer side as owner is refused. The result is only a candidate: the caller keeps it
//! only when it is on the face and its Nash objective is no lower, and the first-order bound
//! at its leg prices then decides as for the interior point's answer.

use crate::bipartite_ipm::Grid;
use crate::deadline::Deadline;
use crate::dense_chol::Dense;
use crate::frontier_ipm::leg_fixed;
use crate::frontier_ipm::Pattern;
use crate::market::Market;
use crate::relax::{quantity_scale, Face};
use crate::sparse_chol::Symbolic;

/// A trade below this share of the largest is taken as zero (the interior point's near-zero
/// arcs, about `√gap` of the legs, are not part of any optimal pattern; measured on the
/// benchmark's plain components, 1e-8 kept some and the equations had no solution, 1e-5 to
/// 1e-3 gave the same answer).
const TRADE_BELOW: f64 = 1e-5;
/// A trade whose one side's credit is at most this share of its surplus is owned by the other
/// side.
const OWNED_WITHIN: f64 = 1e-6;
/// An owned trade's owner may look richer than the other side (a smaller `π = w / u`) by at
/// most this share of `π`: two sides at one level agree only to the equations' residual. A
/// larger difference means the exact split would give the trade to the other side, and the
/// answer is refused (the first-order test that follows bounds what is left).
const OWNER_LEVEL: f64 = 1e-6;
/// The proximal term `δ`, relative to the largest entry of the objective's Newton matrix
/// (1e-11 of it let the degenerate directions drift; 1e-3 to 1e-7 converged alike).
const PROXIMAL: f64 = 1e-7;
/// Systems of at most this many rows are factored densely: below it the minimum-degree
/// analysis costs more than the dense factor it saves (plain 20×20 components, 20–30 rows).
const DENSE_UP_TO: usize = 48;
/// Newton steps per pattern.
const MAX_STEPS: usize = 40;
/// Patterns tried (the first, then each repaired one).
const MAX_PATTERNS: usize = 4;
/// The equations' residual, relative to their scales, at which a pattern is solved.
const SOLVED: f64 = 1e-12;

/// How a trade of the pattern credits its surplus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Seller,
    Buyer,
    Split,
}

/// A polished answer: flow and split per market edge, and the leg prices (per market leg, in the
/// oracle's units) that make every trade of its pattern tight.
#[derive(Debug, Clone)]
pub struct Polished {
    pub x: Vec<f64>,
    /// The seller's credit per market edge (the surplus split the equations solved for).
    pub share: Vec<f64>,
    pub leg_price: Vec<f64>,
}

/// Solve the optimality conditions on the pattern of `(x, share)` (flow and seller's credit
/// per market edge, an exactly split answer on `face`'s grid), starting from it and from the
/// leg prices `leg_price` (oracle units, e.g. the interior point's). `None` when no pattern
/// tried converges inside the face, or past the deadline.
#[must_use]
#[allow(clippy::too_many_arguments)] // the face and its grid, the weights, and the answer's three parts
pub fn polish(
    market: &Market,
    face: &Face,
    grid: &Grid,
    w: &[f64],
    x: &[f64],
    share: &[f64],
    leg_price: &[f64],
    deadline: Deadline,
) -> Option<Polished> {
    let scale = quantity_scale(market);
    let x_max = grid
        .edge
        .iter()
        .filter(|&&e| e != usize::MAX)
        .map(|&e| x[e])
        .fold(0.0_f64, f64::max);
    if x_max <= 0.0 {
        return None;
    }
    let mut pattern: Vec<(usize, Owner)> = Vec::new();
    for (k, &e) in grid.edge.iter().enumerate() {
        if e == usize::MAX || x[e] <= TRADE_BELOW * x_max {
            continue;
        }
        let total = market.edges[e].surplus * x[e];
        let owner = if total - share[e] <= OWNED_WITHIN * total {
            Owner::Seller
        } else if share[e] <= OWNED_WITHIN * total {
            Owner::Buyer
        } else {
            Owner::Split
        };
        pattern.push((k, owner));
    }
    for _ in 0..MAX_PATTERNS {
        if deadline.passed() {
            return None;
        }
        let system = Equations::of(market, face, grid, w, &pattern, scale);
        let start: Vec<f64> = pattern
            .iter()
            .map(|&(k, _)| x[grid.edge[k]] / scale)
            .chain(
                pattern
                    .iter()
                    .filter(|p| p.1 == Owner::Split)
                    .map(|&(k, _)| share[grid.edge[k]] / scale),
            )
            .collect();
        let lam: Vec<f64> = system.leg.iter().map(|&l| leg_price[l] * scale).collect();
        let (y, lam, mu) = system.solve(start, lam, deadline)?;
        // Per trade of the pattern, its seller's credit when split (the variables after the
        // trades', in pattern order, as `Equations::of` lays them out), else 0.
        let mut split_credits = y[pattern.len()..].iter();
        let credits: Vec<f64> = pattern
            .iter()
            .map(|&(_, owner)| match owner {
                Owner::Split => split_credits.next().copied().unwrap_or(0.0),
                _ => 0.0,
            })
            .collect();
        // The pattern's own bounds: every trade positive, every split within its surplus.
        let mut repaired = Vec::with_capacity(pattern.len());
        let mut left = false;
        for (p, &(k, owner)) in pattern.iter().enumerate() {
            let (q, credit) = (y[p], credits[p]);
            let surplus = market.edges[grid.edge[k]].surplus * q;
            if q <= 0.0 {
                left = true;
                continue;
            }
            let owner = match owner {
                Owner::Split if credit < 0.0 => {
                    left = true;
                    Owner::Buyer
                }
                Owner::Split if credit > surplus => {
                    left = true;
                    Owner::Seller
                }
                o => o,
            };
            repaired.push((k, owner));
        }
        if !left {
            // A trade owned by one side must not have the other side poorer (a larger
            // `π = w / u`): the exact split would give it to that side. Counted parties all
            // have rows (or the pattern leaves one at zero utility, which is refused).
            let nb = grid.demand.len();
            let ns = grid.supply.len();
            let mut pi = vec![0.0; ns + nb];
            for (g, &l) in grid.supply.iter().chain(&grid.demand).enumerate() {
                if w[market.legs[l].party] > 0.0 {
                    let r = system.party_row[g];
                    if r == usize::MAX {
                        return None;
                    }
                    pi[g] = mu[r];
                }
            }
            let mut out = vec![0.0; market.edges.len()];
            let mut credit = vec![0.0; market.edges.len()];
            for (p, &(k, owner)) in pattern.iter().enumerate() {
                let e = grid.edge[k];
                let (ps, pb) = (pi[k / nb], pi[ns + k % nb]);
                out[e] = y[p] * scale;
                let surplus = market.edges[e].surplus * out[e];
                credit[e] = match owner {
                    Owner::Seller if ps >= pb * (1.0 - OWNER_LEVEL) => surplus,
                    Owner::Buyer if pb >= ps * (1.0 - OWNER_LEVEL) => 0.0,
                    Owner::Split => (credits[p] * scale).clamp(0.0, surplus),
                    _ => return None,
                };
            }
            let mut price = vec![0.0; market.legs.len()];
            for (r, &l) in system.leg.iter().enumerate() {
                price[l] = lam[r] / scale;
            }
            return Some(Polished {
                x: out,
                share: credit,
                leg_price: price,
            });
        }
        pattern = repaired;
    }
    None
}

/// The square system of one pattern: per variable, its entries in the party rows (`0..parties`,
/// the counted parties' utilities) and in the leg rows (`parties..`, the fixed legs).
struct Equations {
    parties: usize,
    /// Per grid row (sellers, then buyers): its party row, `usize::MAX` when it has none.
    party_row: Vec<usize>,
    /// Per variable: its rows and coefficients, party rows first.
    entries: Vec<Entries>,
    /// Per variable: the slots of its row pairs `(i, j ≤ i)` in `Entries::pairs` order.
    slots: Vec<[usize; 6]>,
    /// Per party row: its diagonal slot.
    diagonal: Vec<usize>,
    /// Weight per party row.
    weight: Vec<f64>,
    /// Scaled total per leg row, and its market leg.
    total: Vec<f64>,
    leg: Vec<usize>,
    pattern: Pattern,
}

/// A variable's column: at most three rows (a trade: its credited party and its two legs; a
/// split's credit: its two parties), kept inline — a pattern has hundreds of them.
#[derive(Debug, Clone, Copy, Default)]
struct Entries {
    rows: [usize; 3],
    coef: [f64; 3],
    len: usize,
}

impl Entries {
    fn push(&mut self, row: Option<usize>, coef: f64) {
        if let Some(r) = row {
            self.rows[self.len] = r;
            self.coef[self.len] = coef;
            self.len += 1;
        }
    }

    fn iter(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.rows[..self.len]
            .iter()
            .copied()
            .zip(self.coef[..self.len].iter().copied())
    }

    /// The row pairs `(i, j)`, `j ≤ i`, with their products, in the order of `slots`.
    fn pairs(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        (0..self.len).flat_map(move |i| {
            (0..=i).map(move |j| (self.rows[i], self.rows[j], self.coef[i] * self.coef[j]))
        })
    }
}

impl AsRef<[usize]> for Entries {
    fn as_ref(&self) -> &[usize] {
        &self.rows[..self.len]
    }
}

impl Equations {
    fn of(
        market: &Market,
        face: &Face,
        grid: &Grid,
        w: &[f64],
        pattern: &[(usize, Owner)],
        scale: f64,
    ) -> Self {
        let nb = grid.demand.len();
        let legs: Vec<usize> = grid.supply.iter().chain(&grid.demand).copied().collect();
        let seller_of = |k: usize| k / nb;
        let buyer_of = |k: usize| grid.supply.len() + k % nb;
        // Rows actually used: a counted party credited by some variable, a fixed leg traded on.
        let mut party_row = vec![usize::MAX; legs.len()];
        let mut leg_row = vec![usize::MAX; legs.len()];
        let counted = |g: usize| w[market.legs[legs[g]].party] > 0.0;
        let fixed = |g: usize| leg_fixed(face.leg_lo[legs[g]], face.leg_hi[legs[g]]);
        let mut weight = Vec::new();
        for &(k, owner) in pattern {
            let credited: &[usize] = match owner {
                Owner::Seller => &[seller_of(k)],
                Owner::Buyer => &[buyer_of(k)],
                Owner::Split => &[seller_of(k), buyer_of(k)],
            };
            for &g in credited {
                if counted(g) && party_row[g] == usize::MAX {
                    party_row[g] = weight.len();
                    weight.push(w[market.legs[legs[g]].party]);
                }
            }
        }
        let parties = weight.len();
        let (mut total, mut leg) = (Vec::new(), Vec::new());
        for &(k, _) in pattern {
            for g in [seller_of(k), buyer_of(k)] {
                if fixed(g) && leg_row[g] == usize::MAX {
                    leg_row[g] = parties + leg.len();
                    leg.push(legs[g]);
                    total.push(face.leg_hi[legs[g]] / scale);
                }
            }
        }
        let row = |rows: &[usize], g: usize| (rows[g] != usize::MAX).then_some(rows[g]);
        let mut entries: Vec<Entries> = Vec::with_capacity(pattern.len());
        let mut splits = Vec::new();
        for &(k, owner) in pattern {
            let surplus = market.edges[grid.edge[k]].surplus;
            let (s, b) = (seller_of(k), buyer_of(k));
            let mut e = Entries::default();
            let credited = if owner == Owner::Seller { s } else { b };
            e.push(row(&party_row, credited), surplus);
            e.push(row(&leg_row, s), 1.0);
            e.push(row(&leg_row, b), 1.0);
            entries.push(e);
            if owner == Owner::Split {
                let mut t = Entries::default();
                t.push(row(&party_row, s), 1.0);
                t.push(row(&party_row, b), -1.0);
                splits.push(t);
            }
        }
        entries.extend(splits);
        let m = parties + leg.len();
        let pattern = if m <= DENSE_UP_TO {
            Pattern::Dense(Dense::new(m))
        } else {
            Pattern::Sparse(Symbolic::from_cliques(m, entries.iter()))
        };
        let slot = |i: usize, j: usize| pattern.slot(i, j).unwrap_or(usize::MAX);
        let slots = entries
            .iter()
            .map(|e| {
                let mut at = [usize::MAX; 6];
                for (p, (i, j, _)) in e.pairs().enumerate() {
                    at[p] = slot(i, j);
                }
                at
            })
            .collect();
        let diagonal = (0..parties).map(|p| slot(p, p)).collect();
        Self {
            parties,
            party_row,
            entries,
            slots,
            diagonal,
            weight,
            total,
            leg,
            pattern,
        }
    }

    /// Newton's method from `(y, λ)` (μ from the utilities); the best iterate `(y, λ, μ)` when
    /// its residual reaches `SOLVED`, else `None`.
    #[allow(clippy::type_complexity)] // the solution's three parts, each used by the caller
    fn solve(
        &self,
        mut y: Vec<f64>,
        mut lam: Vec<f64>,
        deadline: Deadline,
    ) -> Option<(Vec<f64>, Vec<f64>, Vec<f64>)> {
        let (np, nl) = (self.parties, self.leg.len());
        let m = np + nl;
        let utilities = |y: &[f64]| {
            let mut v = vec![0.0; np];
            for (e, &yk) in self.entries.iter().zip(y) {
                for (r, c) in e.iter().filter(|&(r, _)| r < np) {
                    v[r] += c * yk;
                }
            }
            v
        };
        let mut v = utilities(&y);
        if v.iter().any(|&u| u <= 0.0) {
            return None;
        }
        let mut mu: Vec<f64> = self.weight.iter().zip(&v).map(|(w, u)| w / u).collect();
        let w_max = self.weight.iter().fold(0.0_f64, |a, &b| a.max(b));
        let b_max = self.total.iter().fold(1e-300_f64, |a, &b| a.max(b));
        let mut best = f64::INFINITY;
        let mut kept = (Vec::new(), Vec::new(), Vec::new());
        let mut since_best = 0;
        let mut delta = 0.0;
        let mut values = self.pattern.values();
        for _ in 0..MAX_STEPS {
            if deadline.passed() {
                return None;
            }
            // Residuals: stationarity per variable, prices per party, totals per leg.
            let mut r1 = vec![0.0; y.len()];
            let mut scale1 = 0.0_f64;
            for (k, e) in self.entries.iter().enumerate() {
                let (mut c_mu, mut a_lam) = (0.0, 0.0);
                for (r, c) in e.iter() {
                    if r < np {
                        c_mu += c * mu[r];
                    } else {
                        a_lam += c * lam[r - np];
                    }
                }
                r1[k] = c_mu - a_lam;
                scale1 = scale1.max(c_mu.abs());
            }
            let r2: Vec<f64> = (0..np).map(|p| mu[p] * v[p] - self.weight[p]).collect();
            let mut r4: Vec<f64> = self.total.iter().map(|&t| -t).collect();
            for (e, &yk) in self.entries.iter().zip(&y) {
                for (r, c) in e.iter().filter(|&(r, _)| r >= np) {
                    r4[r - np] += c * yk;
                }
            }
            let res = (r1.iter().fold(0.0_f64, |a, &b| a.max(b.abs())) / scale1.max(1e-300))
                .max(r2.iter().fold(0.0_f64, |a, &b| a.max(b.abs())) / w_max)
                .max(r4.iter().fold(0.0_f64, |a, &b| a.max(b.abs())) / b_max);
            if !res.is_finite() {
                return None;
            }
            if res < best * 0.5 {
                since_best = 0;
            } else {
                since_best += 1;
            }
            if res < best {
                best = res;
                kept = (y.clone(), lam.clone(), mu.clone());
            }
            if res <= SOLVED || since_best > 1 {
                break;
            }
            // The step: dμ = a − Φ C dy with a = −r2 / u and Φ = μ / u; then, with δ the
            // proximal term and dz = Φ C dy, the variables' rows give
            // dy = (r_y − Cᵀ dz − Aᵀ dλ) / δ, r_y = r1 + Cᵀ a, and the rest is SPD.
            let phi: Vec<f64> = mu.iter().zip(&v).map(|(m, u)| m / u).collect();
            let a: Vec<f64> = r2.iter().zip(&v).map(|(r, u)| -r / u).collect();
            if delta == 0.0 {
                let largest = self
                    .entries
                    .iter()
                    .map(|e| {
                        e.iter()
                            .filter(|&(r, _)| r < np)
                            .map(|(r, c)| phi[r] * c * c)
                            .sum::<f64>()
                    })
                    .fold(0.0_f64, f64::max);
                delta = PROXIMAL * largest.max(1e-300);
            }
            let mut ry = r1;
            for (k, e) in self.entries.iter().enumerate() {
                for (r, c) in e.iter().filter(|&(r, _)| r < np) {
                    ry[k] += c * a[r];
                }
            }
            values.iter_mut().for_each(|x| *x = 0.0);
            for (e, slots) in self.entries.iter().zip(&self.slots) {
                for ((_, _, product), &slot) in e.pairs().zip(slots) {
                    *values.get_mut(slot)? += product;
                }
            }
            for (&slot, f) in self.diagonal.iter().zip(&phi) {
                *values.get_mut(slot)? += delta / f;
            }
            let mut rhs = vec![0.0; m];
            for (e, &r) in self.entries.iter().zip(&ry) {
                for (row, c) in e.iter() {
                    rhs[row] += c * r;
                }
            }
            for (l, &r) in r4.iter().enumerate() {
                rhs[np + l] += delta * r;
            }
            if !self.pattern.factor(&mut values) {
                return None;
            }
            self.pattern.solve(&values, &mut rhs);
            let mut dy = vec![0.0; y.len()];
            for (k, e) in self.entries.iter().enumerate() {
                let mut d = ry[k];
                for (row, c) in e.iter() {
                    d -= c * rhs[row];
                }
                dy[k] = d / delta;
            }
            let dv = utilities(&dy);
            for (m, ((a, f), d)) in mu.iter_mut().zip(a.iter().zip(&phi).zip(&dv)) {
                *m += a - f * d;
            }
            for (l, d) in lam.iter_mut().zip(&rhs[np..]) {
                *l += d;
            }
            for (yk, d) in y.iter_mut().zip(&dy) {
                *yk += d;
            }
            v = utilities(&y);
            if v.iter().any(|&u| u <= 0.0) {
                return None;
            }
        }
        (best <= SOLVED).then_some(kept)
    }
}
