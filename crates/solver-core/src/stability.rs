//! Nash-stability tests of §3.2, shared by the solver (for its own `nash_stable` claim) and the
//! verifier, so that a claim and its check can never disagree by construction.

use crate::deadline::Deadline;
use crate::error::Result;
use crate::limits::NASH_STABILITY_TOL;
use crate::market::Market;
use crate::nash::{oracle_from, Carry};
use crate::relax::Face;

/// Utilities below this fraction of the largest count as zero in the first-order test.
pub const ZERO_UTILITY_REL: f64 = 1e-9;

/// First-order test on the frontier: with `π_i = w_i / u_i` over `P+`,
/// `max over the face of Σ π_i u'_i <= (1 + tol) Σ_{P+} w_i`, and no party of `P+` at zero.
///
/// # Errors
/// `DEADLINE_EXCEEDED`, or `INTERNAL` if the engine fails.
pub fn frontier_stable(
    market: &Market,
    face: &Face,
    utility: &[f64],
    p_plus: &[bool],
    deadline: Deadline,
    window_ms: u64,
) -> Result<bool> {
    frontier_stable_from(
        market, face, utility, p_plus, deadline, window_ms, &mut None,
    )
}

/// [`frontier_stable`], its oracle starting from the simplex basis in `carry` when it is one
/// of this face's LP (`nash::Carry`); the verdict is the same, only cheaper.
///
/// # Errors
/// As [`frontier_stable`].
pub(crate) fn frontier_stable_from(
    market: &Market,
    face: &Face,
    utility: &[f64],
    p_plus: &[bool],
    deadline: Deadline,
    window_ms: u64,
    carry: &mut Carry,
) -> Result<bool> {
    let Some((pi, w_sum)) = test_weights(market, utility, p_plus) else {
        return Ok(false);
    };
    if w_sum == 0.0 {
        return Ok(true);
    }
    let (_, _, best) = oracle_from(market, face, &pi, deadline, window_ms, carry)?;
    let value: f64 = pi.iter().zip(&best).map(|(p, u)| p * u).sum();
    Ok(value <= (1.0 + NASH_STABILITY_TOL) * w_sum)
}

/// The first-order test of `frontier_stable` passed without its oracle, when leg prices `y`
/// prove it: their bound on the oracle's value (`oracle_bound`) is within half the tolerance,
/// so the oracle's own value — at most the true maximum, plus its rounding, far below the other
/// half — passes too. False means "not proved", not "fails"; `frontier_stable` then decides.
/// The solver's self-check uses it with the interior point's row duals, which an exact oracle
/// solve would only confirm.
#[must_use]
pub fn frontier_stable_by_prices(
    market: &Market,
    face: &Face,
    utility: &[f64],
    p_plus: &[bool],
    y: &[f64],
) -> bool {
    let Some((pi, w_sum)) = test_weights(market, utility, p_plus) else {
        return false;
    };
    w_sum == 0.0 || oracle_bound(market, face, &pi, y) <= (1.0 + 0.5 * NASH_STABILITY_TOL) * w_sum
}

/// `π` and `Σ w` over `P+` at `utility`, or `None` when a party of `P+` is at zero.
fn test_weights(market: &Market, utility: &[f64], p_plus: &[bool]) -> Option<(Vec<f64>, f64)> {
    let n = market.parties.len();
    // A share this far below the largest is zero for the test: its `π` would span more orders
    // of magnitude than the oracle's arithmetic can rank.
    let floor = ZERO_UTILITY_REL * utility.iter().fold(0.0_f64, |a, &b| a.max(b));
    if (0..n).any(|i| p_plus[i] && utility[i] <= floor) {
        return None;
    }
    let pi: Vec<f64> = (0..n)
        .map(|i| {
            if p_plus[i] {
                market.parties[i].weight / utility[i]
            } else {
                0.0
            }
        })
        .collect();
    let w_sum: f64 = (0..n)
        .filter(|&i| p_plus[i])
        .map(|i| market.parties[i].weight)
        .sum();
    Some((pi, w_sum))
}

/// An upper bound on the first-order oracle's value over `face` at weights `pi` (the most
/// `Σ π_i u'_i` any settlement of the face reaches), from leg prices `y`, without solving it.
///
/// By weak duality, for any `y`,
/// `Σ_l (y_l⁺ hi_l − y_l⁻ lo_l) + Σ_e max(0, p_e − y_s − y_d) · min(hi_s, hi_d)` bounds it, `p_e`
/// the oracle's profit `max(π_s, π_b) S_e`: the second sum charges every edge that `y`
/// underprices. Near-optimal prices (an interior point's) underprice many edges by a hair; each
/// charge is then at the scale of a whole leg, and lifting one side's prices until every edge
/// is priced can cost less, so the bound is the least of the three (measured on the
/// benchmark's plain 300×300 market: 8e-9 of `Σ w` above it as given, 4e-10 lifted).
#[must_use]
pub fn oracle_bound(market: &Market, face: &Face, pi: &[f64], y: &[f64]) -> f64 {
    // The face's edges once: legs, profit, and the most the edge can carry.
    let arcs: Vec<(usize, usize, f64, f64)> = market
        .edges
        .iter()
        .zip(&face.edge_allowed)
        .filter(|(_, &ok)| ok)
        .map(|(edge, _)| {
            let profit = pi[edge.seller].max(pi[edge.buyer]) * edge.surplus;
            let most = face.leg_hi[edge.supply].min(face.leg_hi[edge.demand]);
            (edge.supply, edge.demand, profit, most)
        })
        .collect();
    let value = |y: &[f64]| -> f64 {
        let legs: f64 = y
            .iter()
            .zip(face.leg_lo.iter().zip(&face.leg_hi))
            .map(|(&y, (&lo, &hi))| y.max(0.0) * hi - (-y).max(0.0) * lo)
            .sum();
        let charged: f64 = arcs
            .iter()
            .map(|&(s, d, profit, most)| (profit - y[s] - y[d]).max(0.0) * most)
            .sum();
        legs + charged
    };
    let lifted = |supply_side: bool| -> Vec<f64> {
        let mut lift = y.to_vec();
        for &(s, d, profit, _) in &arcs {
            let (own, other) = if supply_side { (s, d) } else { (d, s) };
            lift[own] = lift[own].max(profit - y[other]);
        }
        lift
    };
    value(y)
        .min(value(&lifted(true)))
        .min(value(&lifted(false)))
}

/// Per-trade conditions for a settlement off the frontier (§3.2), with `r_i = u_i / w_i`:
/// a shared trade needs equal `r`; a trade whose buyer gets nothing needs `r_buyer >= r_seller`;
/// one whose seller gets nothing needs `r_seller >= r_buyer` (relative tolerance).
#[must_use]
pub fn per_trade_stable(market: &Market, x: &[f64], seller_share: &[f64], utility: &[f64]) -> bool {
    let r: Vec<f64> = utility
        .iter()
        .zip(&market.parties)
        .map(|(u, p)| u / p.weight)
        .collect();
    let close =
        |a: f64, b: f64| (a - b).abs() <= NASH_STABILITY_TOL * a.abs().max(b.abs()).max(1e-300);
    for (e, edge) in market.edges.iter().enumerate() {
        let t = edge.surplus * x[e];
        if x[e] <= 0.0 || t <= 0.0 {
            continue;
        }
        let share_tol = NASH_STABILITY_TOL * t;
        let seller = seller_share[e];
        let buyer = t - seller;
        let (rs, rb) = (r[edge.seller], r[edge.buyer]);
        let ok = if seller > share_tol && buyer > share_tol {
            close(rs, rb)
        } else if buyer <= share_tol {
            rb >= rs || close(rb, rs)
        } else {
            rs >= rb || close(rs, rb)
        };
        if !ok {
            return false;
        }
    }
    true
}
