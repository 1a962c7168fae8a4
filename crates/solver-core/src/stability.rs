//! Nash-stability tests of §3.2, shared by the solver (for its own `nash_stable` claim) and the
//! verifier, so that a claim and its check can never disagree by construction.

use crate::deadline::Deadline;
use crate::error::Result;
use crate::limits::NASH_STABILITY_TOL;
use crate::market::Market;
use crate::nash::oracle;
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
    let n = market.parties.len();
    // A share this far below the largest is zero for the test: its `π` would span more orders
    // of magnitude than the oracle's arithmetic can rank.
    let floor = ZERO_UTILITY_REL * utility.iter().fold(0.0_f64, |a, &b| a.max(b));
    if (0..n).any(|i| p_plus[i] && utility[i] <= floor) {
        return Ok(false);
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
    if w_sum == 0.0 {
        return Ok(true);
    }
    let (_, _, best) = oracle(market, face, &pi, deadline, window_ms)?;
    let value: f64 = (0..n).map(|i| pi[i] * best[i]).sum();
    Ok(value <= (1.0 + NASH_STABILITY_TOL) * w_sum)
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
