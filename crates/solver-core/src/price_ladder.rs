//! The Nash program of a complete grid with additive surplus, written over a ladder of prices
//! instead of over the pairs: a second, independent formulation of the program that
//! `bipartite_ipm.rs` solves, which the tests hold the Nash stage against
//! (`tests/nash_plain_markets.rs`), and the form in which the optimum's structure shows
//! (`docs/nash-stage-performance.md`, "The price ladder").
//!
//! On such a face (every component of a plain market) every seller `s` can trade with every
//! buyer `b`, at any price in `[c_s, v_b]`, and a trade's surplus is `v_b − c_s`. Utilities then
//! depend only on the prices each party trades at, not on who its partners are:
//!
//! ```text
//!   u_s = Σ_trades (p − c_s) · q        u_b = Σ_trades (v_b − p) · q
//! ```
//!
//! so a settlement is a measure of traded units over prices, shared out among the sellers
//! (each takes its total at prices `≥ c_s`) and among the buyers (each at prices `≤ v_b`).
//! Conversely any two such shares of one measure are a settlement: at each price, pair the
//! sellers' units with the buyers' in any order — every pair is on the face, and the price is
//! in its corridor. A unit traded strictly between two consecutive values of the ladder
//! `{c_s} ∪ {v_b}` can be split between those two values with the same mean price, which
//! keeps both parties' utilities (linear in the price) and eligibilities (the ladder holds
//! `c_s` and `v_b`). So the program over the frontier is, exactly,
//!
//! ```text
//!   maximise  Σ_i w_i log u_i
//!   over      y_{s,k} ≥ 0 (seller s at rung k, p_k ≥ c_s),  y_{b,k} ≥ 0 (buyer b, p_k ≤ v_b)
//!   s.t.      Σ_k y_{s,k} = q_s,  Σ_k y_{b,k} = q_b   (the face's leg totals; ≤ when ranged)
//!             Σ_s y_{s,k} = Σ_b y_{b,k}               (every rung clears)
//! ```
//!
//! with `u_s = Σ_k (p_k − c_s) y_{s,k}` and `u_b = Σ_k (v_b − p_k) y_{b,k}`: the owner-arc form
//! of `frontier_ipm.rs` (each column credits one party), solved by its iteration. Nothing of
//! the pair program is shared but that iteration: other variables, other rows, no exact split.
//!
//! It is not the engine's path: over every arc of the ladder the program has as many columns
//! as the pair program and twice the rows (parties and rungs), and its Newton matrix is as
//! dense; measured on the benchmark's plain 100×100 market, 20–29 iterations against the pair
//! program's 18–26. The note in `docs/` keeps what was measured of solving it over few arcs.

use crate::bipartite_ipm::Grid;
use crate::deadline::Deadline;
use crate::frontier_ipm::{leg_fixed, solve_problem, Problem};
use crate::market::Market;
use crate::relax::{quantity_scale, Face};
use crate::sparse_finish::Additive;

/// The ladder program's answer: a settlement on the face (flow per market edge, the seller's
/// share of each edge's surplus) and the utilities the ladder credits, per market party.
#[derive(Debug, Clone)]
pub struct LadderSettlement {
    pub x: Vec<f64>,
    pub seller_share: Vec<f64>,
    pub utility: Vec<f64>,
    /// The iteration met every target (`frontier_ipm::merit` at most 1), rather than being
    /// accepted near them (`frontier_ipm::accepted`): only then are the utilities good to the
    /// iteration's own accuracy (an accepted iterate's rows can be off by 1e-6 of the
    /// quantity scale, and its utilities by as much).
    pub converged: bool,
}

/// One side's trading rows of the grid.
struct Side {
    /// Market party.
    party: Vec<usize>,
    /// Floor (sellers) or ceiling (buyers), as a rung.
    rung: Vec<usize>,
    /// Scaled leg total and whether the face fixes it (else it ranges over `[0, total]`).
    total: Vec<(f64, bool)>,
}

/// Solve the Nash program over the price ladder of a grid face with additive surplus
/// (`sparse_finish::additive`), weights `w` per market party (0: not counted). `None` when
/// the face is not a complete grid over its trading rows (a row the face fixes at 0 trades
/// nothing and is left out), or the iteration does not converge.
#[must_use]
pub fn solve(
    market: &Market,
    face: &Face,
    grid: &Grid,
    surplus: &Additive,
    w: &[f64],
    deadline: Deadline,
) -> Option<LadderSettlement> {
    let scale = quantity_scale(market);
    let nb_grid = grid.demand.len();
    let trading = |legs: &[usize]| -> Vec<usize> {
        (0..legs.len())
            .filter(|&r| face.leg_hi[legs[r]] > 0.0)
            .collect()
    };
    let (s_rows, b_rows) = (trading(&grid.supply), trading(&grid.demand));
    let pair_edge = |i: usize, j: usize| grid.edge[s_rows[i] * nb_grid + b_rows[j]];
    let (ns, nb) = (s_rows.len(), b_rows.len());
    if ns == 0 || nb == 0 || (0..ns).any(|i| (0..nb).any(|j| pair_edge(i, j) == usize::MAX)) {
        return None;
    }
    let mut prices: Vec<f64> = s_rows
        .iter()
        .map(|&r| surplus.floor[r])
        .chain(b_rows.iter().map(|&r| surplus.ceiling[r]))
        .collect();
    prices.sort_by(f64::total_cmp);
    prices.dedup();
    let k_len = prices.len();
    let side = |rows: &[usize], legs: &[usize], marks: &[f64]| -> Option<Side> {
        let mut side = Side {
            party: Vec::with_capacity(rows.len()),
            rung: Vec::with_capacity(rows.len()),
            total: Vec::with_capacity(rows.len()),
        };
        for &r in rows {
            let l = legs[r];
            let (lo, hi) = (face.leg_lo[l] / scale, face.leg_hi[l] / scale);
            side.party.push(market.legs[l].party);
            side.rung
                .push(prices.binary_search_by(|q| q.total_cmp(&marks[r])).ok()?);
            side.total.push((hi, leg_fixed(lo, hi)));
        }
        Some(side)
    };
    let sellers = side(&s_rows, &grid.supply, &surplus.floor)?;
    let buyers = side(&b_rows, &grid.demand, &surplus.ceiling)?;

    // Rows: sellers, buyers, then every rung (each has arcs on both sides: the seller whose
    // floor it is, or any seller below it, and the buyer with the highest ceiling).
    let mut b: Vec<f64> = sellers
        .total
        .iter()
        .chain(&buyers.total)
        .map(|&(hi, _)| hi)
        .collect();
    let rung_row = b.len();
    b.resize(rung_row + k_len, 0.0);
    let mut cols = Vec::new();
    let mut owner = Vec::new();
    // (is buyer, side index, rung) per arc column.
    let mut arc_of = Vec::new();
    for i in 0..ns {
        let floor = sellers.rung[i];
        for k in floor..k_len {
            cols.push(vec![(i, 1.0), (rung_row + k, 1.0)]);
            let credit = prices[k] - prices[floor];
            owner.push((credit > 0.0).then_some((sellers.party[i], credit)));
            arc_of.push((false, i, k));
        }
    }
    for j in 0..nb {
        let ceiling = buyers.rung[j];
        for k in 0..=ceiling {
            cols.push(vec![(ns + j, 1.0), (rung_row + k, -1.0)]);
            let credit = prices[ceiling] - prices[k];
            owner.push((credit > 0.0).then_some((buyers.party[j], credit)));
            arc_of.push((true, j, k));
        }
    }
    let arcs = cols.len();
    for (r, &(_, fixed)) in sellers.total.iter().chain(&buyers.total).enumerate() {
        if !fixed {
            cols.push(vec![(r, 1.0)]);
            owner.push(None);
        }
    }
    let problem = Problem {
        cols,
        b,
        owner,
        arcs,
    };
    let (z, merit) = solve_problem(&problem, w, deadline, None)?;
    let mut utility = vec![0.0; market.parties.len()];
    for (o, &y) in problem.owner[..arcs].iter().zip(&z) {
        if let Some((party, credit)) = *o {
            utility[party] += credit * y.max(0.0) * scale;
        }
    }
    let (x, seller_share) = couple(
        market, &arc_of, &z, &prices, &sellers, nb, &pair_edge, scale,
    );
    Some(LadderSettlement {
        x,
        seller_share,
        utility,
        converged: merit <= 1.0,
    })
}

/// The settlement of a solved ladder: at each rung the sellers' units and the buyers' are
/// paired in row order (the first seller with the first buyer until one of them runs out, and
/// so on), and each pair's quantities and seller credits are summed over the rungs. A rung's
/// two sides agree to the iteration's row tolerance; what one side has left over is not
/// traded.
#[allow(clippy::too_many_arguments)] // the solved ladder and the grid it maps back to
fn couple(
    market: &Market,
    arc_of: &[(bool, usize, usize)],
    z: &[f64],
    prices: &[f64],
    sellers: &Side,
    nb: usize,
    pair_edge: &dyn Fn(usize, usize) -> usize,
    scale: f64,
) -> (Vec<f64>, Vec<f64>) {
    let k_len = prices.len();
    let mut at_s: Vec<Vec<(usize, f64)>> = vec![Vec::new(); k_len];
    let mut at_b: Vec<Vec<(usize, f64)>> = vec![Vec::new(); k_len];
    for (&(is_buyer, row, k), &y) in arc_of.iter().zip(z) {
        if y > 0.0 {
            if is_buyer {
                at_b[k].push((row, y));
            } else {
                at_s[k].push((row, y));
            }
        }
    }
    let ns = sellers.party.len();
    let mut pair_q = vec![0.0; ns * nb];
    let mut pair_share = vec![0.0; ns * nb];
    for k in 0..k_len {
        let (s, b) = (&at_s[k], &at_b[k]);
        let (mut a, mut c) = (0, 0);
        let (mut left_s, mut left_b) = (
            s.first().map_or(0.0, |t| t.1),
            b.first().map_or(0.0, |t| t.1),
        );
        while a < s.len() && c < b.len() {
            let q = left_s.min(left_b);
            let pair = s[a].0 * nb + b[c].0;
            pair_q[pair] += q;
            pair_share[pair] += (prices[k] - prices[sellers.rung[s[a].0]]) * q;
            left_s -= q;
            left_b -= q;
            if left_s <= 0.0 {
                a += 1;
                left_s = s.get(a).map_or(0.0, |t| t.1);
            } else {
                c += 1;
                left_b = b.get(c).map_or(0.0, |t| t.1);
            }
        }
    }
    let mut x = vec![0.0; market.edges.len()];
    let mut share = vec![0.0; market.edges.len()];
    for i in 0..ns {
        for j in 0..nb {
            let q = pair_q[i * nb + j];
            if q > 0.0 {
                let e = pair_edge(i, j);
                x[e] = q * scale;
                share[e] =
                    (pair_share[i * nb + j] * scale).clamp(0.0, market.edges[e].surplus * x[e]);
            }
        }
    }
    (x, share)
}
