//! A sparse allocation with exactly the utilities of an interior point, on a grid face with
//! additive surplus (every component of a plain market).
//!
//! An interior point trades on nearly every pair of its face: the 300×300 plain market solved
//! whole lists about 12,000 trades, 1.5 MB, over §6's 1 MiB. The alternative for such faces,
//! edge generation (`nash.rs`), is 1.6–2× slower than the whole solve on those markets.
//!
//! The interior point is in owner-arc form (`bipartite_ipm.rs`): each pair's quantity is split
//! into the part whose surplus the seller is credited with (`z_a = share / S`) and the buyer's
//! (`z_b`). What the settlement needs from it is, per party, its leg total and its utility:
//!
//! ```text
//!   seller s:  Σ_b (z_a + z_b)[s][b] = q_s      u_s = Σ_b S_sb z_a[s][b]
//!   buyer  b:  Σ_s (z_a + z_b)[s][b] = q_b      u_b = Σ_s S_sb z_b[s][b]
//! ```
//!
//! When the surplus is additive, `S_sb = v_b − c_s` (one ceiling per buyer, one floor per
//! seller), a seller's utility is `Σ_b v_b z_a[s][b] − c_s Σ_b z_a[s][b]`. Two sellers that both
//! own quantity with the same three buyers `b1, b2, b3` can then exchange it along
//! `d = (v2 − v3, v3 − v1, v1 − v2)` — `+t·d` on one seller's three cells, `−t·d` on the other's:
//! `Σ d = 0` keeps both sellers' totals and every buyer's, and `Σ v·d = 0` keeps both sellers'
//! utilities; the buyers' utilities do not involve `z_a` at all. Moving `t` until a cell
//! empties removes that cell. The same holds for buyers exchanging buyer-owned quantity with
//! three common sellers along the sellers' floors. Cells only ever empty, so one pass over the
//! pairs of owners leaves every two owners sharing at most two partners. Measured on the
//! benchmark's 300×300 plain market: its largest component (13,132 pairs) has 26,264 positive
//! owner cells, and 1,193 after 25,071 moves, 3.1 ms; the whole market settles on 1,790 trades.
//!
//! The interior point's dust (cells far below any tolerance of §3, which it keeps positive)
//! takes part in the moves and is dropped only from what is left: dropped first, it took
//! enough quantity off the legs of a 250×350 market to leave its welfare 2.7e-9 below `W*`
//! (1.3e-10 now on the 300×300 one), and it made more trades (683 instead of 410 at 100×100).
//!
//! The result keeps every leg total and every utility of the interior point to rounding, so
//! its exact split (`split.rs`) is at least as good; the caller still runs the first-order test
//! over the whole face and falls back when it fails.

use crate::bipartite_ipm::Grid;
use crate::deadline::Deadline;
use crate::market::Market;

/// A grid face's surplus as `v_b − c_s`.
#[derive(Debug, Clone, PartialEq)]
pub struct Additive {
    /// Per seller row of the grid: its floor, the same on all its pairs.
    pub floor: Vec<f64>,
    /// Per buyer row of the grid: its ceiling, the same on all its pairs.
    pub ceiling: Vec<f64>,
}

/// The grid's surplus as one floor per seller and one ceiling per buyer, or `None` when some
/// party's floor or ceiling differs between its pairs (preference bonuses, defer pricing).
#[must_use]
#[allow(clippy::needless_range_loop)] // `(i, j)` addresses the pair array and both parties' slots
pub fn additive(market: &Market, grid: &Grid) -> Option<Additive> {
    let (ns, nb) = (grid.supply.len(), grid.demand.len());
    let (mut floor, mut ceiling) = (vec![f64::NAN; ns], vec![f64::NAN; nb]);
    for i in 0..ns {
        for j in 0..nb {
            let e = grid.edge[i * nb + j];
            if e == usize::MAX {
                continue;
            }
            let edge = &market.edges[e];
            for (slot, value) in [(&mut floor[i], edge.floor), (&mut ceiling[j], edge.ceiling)] {
                if slot.is_nan() {
                    *slot = value;
                } else if *slot != value {
                    return None;
                }
            }
        }
    }
    Some(Additive { floor, ceiling })
}

/// The interior point's allocation `(x, share)` (flow and seller's share of `S_e · x_e` per
/// edge) after the exchange moves: flow per edge, with the same leg totals and utilities to
/// rounding, then without the pairs left below the interior point's dust (as the interior point
/// itself is used). `None` past the deadline.
#[must_use]
pub fn exchanged(
    market: &Market,
    grid: &Grid,
    surplus: &Additive,
    x: &[f64],
    share: &[f64],
    deadline: Deadline,
) -> Option<Vec<f64>> {
    let (ns, nb) = (grid.supply.len(), grid.demand.len());
    let dust = crate::frontier_ipm::dust(market);
    // Seller-owned quantity seller × buyer, buyer-owned quantity buyer × seller: each owner's
    // cells are one contiguous row.
    let mut by_seller = vec![0.0; ns * nb];
    let mut by_buyer = vec![0.0; nb * ns];
    for i in 0..ns {
        for j in 0..nb {
            let e = grid.edge[i * nb + j];
            if e == usize::MAX {
                continue;
            }
            let (xe, s) = (x[e], market.edges[e].surplus);
            // A pair without surplus credits nothing: its quantity counts as the seller's
            // (`v_b = c_s` there, so the seller's utility does not see it either).
            let za = if s > 0.0 {
                (share[e] / s).clamp(0.0, xe)
            } else {
                xe
            };
            by_seller[i * nb + j] = za;
            by_buyer[j * ns + i] = xe - za;
        }
    }
    exchange(&mut by_seller, ns, nb, &surplus.ceiling, deadline)?;
    exchange(&mut by_buyer, nb, ns, &surplus.floor, deadline)?;
    let mut flow = vec![0.0; market.edges.len()];
    for i in 0..ns {
        for j in 0..nb {
            let e = grid.edge[i * nb + j];
            if e != usize::MAX {
                let q = by_seller[i * nb + j] + by_buyer[j * ns + i];
                flow[e] = if q >= dust { q } else { 0.0 };
            }
        }
    }
    Some(flow)
}

/// Exchange moves between the owners of `z` (`rows × cols`, row-major; `key[col]` the
/// partner's ceiling or floor): for two rows positive on three common columns, shift quantity
/// along the direction that keeps both rows' totals, both rows' `Σ key · z` and every column's
/// total, until a cell empties. Returns the number of moves, `None` past the deadline.
fn exchange(
    z: &mut [f64],
    rows: usize,
    cols: usize,
    key: &[f64],
    deadline: Deadline,
) -> Option<usize> {
    let mut moves = 0;
    let mut common = Vec::with_capacity(cols);
    // The columns where row `r1` is still positive, ascending: `r1` loses cells with each row
    // it meets, and reading its common columns with the next row off this list instead of
    // testing every column (whose outcome the branch predictor cannot guess) took a fifth off
    // the moves' time on the benchmark's plain 100×100 market (perf samples, one thread). The
    // same columns in the same order, so the same moves.
    let mut support = Vec::with_capacity(cols);
    for r1 in 0..rows {
        if deadline.passed() {
            return None;
        }
        support.clear();
        support.extend((0..cols).filter(|&k| z[r1 * cols + k] > 0.0));
        for r2 in r1 + 1..rows {
            if support.len() < 3 {
                break;
            }
            common.clear();
            common.extend(support.iter().copied().filter(|&k| z[r2 * cols + k] > 0.0));
            if common.len() < 3 {
                continue;
            }
            while common.len() >= 3 {
                let n = common.len();
                let cells = [common[n - 3], common[n - 2], common[n - 1]];
                exchange_step(z, cols, r1, r2, cells, key);
                moves += 1;
                // Only the three cells moved: drop those that emptied, keeping the order.
                let both = |k: usize| z[r1 * cols + k] > 0.0 && z[r2 * cols + k] > 0.0;
                common.truncate(n - 3);
                common.extend(cells.into_iter().filter(|&k| both(k)));
            }
            support.retain(|&k| z[r1 * cols + k] > 0.0);
        }
    }
    Some(moves)
}

/// One exchange between rows `r1` and `r2` on three common columns: `+t·d` on `r1`, `−t·d` on
/// `r2`, `t` as large (either sign) as keeps every cell non-negative, and the cell that limits
/// it set to exactly zero.
fn exchange_step(z: &mut [f64], cols: usize, r1: usize, r2: usize, cells: [usize; 3], key: &[f64]) {
    let [k1, k2, k3] = cells.map(|c| key[c]);
    let mut d = [k2 - k3, k3 - k1, k1 - k2];
    if d.iter().all(|&v| v == 0.0) {
        // Three partners with one key: any two of them trade places.
        d = [1.0, -1.0, 0.0];
    }
    // The largest step each way and the cell that limits it.
    let (mut up, mut down) = ((f64::INFINITY, 0), (f64::INFINITY, 0));
    for (m, &c) in cells.iter().enumerate() {
        for (row, sign) in [(r1, 1.0), (r2, -1.0)] {
            let (dv, value) = (sign * d[m], z[row * cols + c]);
            if dv < 0.0 && value / -dv < up.0 {
                up = (value / -dv, row * cols + c);
            }
            if dv > 0.0 && value / dv < down.0 {
                down = (value / dv, row * cols + c);
            }
        }
    }
    let (t, limit) = if up.0 <= down.0 {
        (up.0, up.1)
    } else {
        (-down.0, down.1)
    };
    for (m, &c) in cells.iter().enumerate() {
        z[r1 * cols + c] += t * d[m];
        z[r2 * cols + c] -= t * d[m];
    }
    z[limit] = 0.0;
    // Rounding can take a cell that the step meant to empty a few ulps below zero.
    for &c in &cells {
        for row in [r1, r2] {
            let v = &mut z[row * cols + c];
            if *v < 0.0 {
                *v = 0.0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random stream in `[0, 1)`.
    fn stream(seed: u64) -> impl FnMut() -> f64 {
        let mut s = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        move || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (s >> 11) as f64 / (1_u64 << 53) as f64
        }
    }

    fn sums(z: &[f64], rows: usize, cols: usize, key: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut row = vec![0.0; rows];
        let mut moment = vec![0.0; rows];
        let mut col = vec![0.0; cols];
        for r in 0..rows {
            for c in 0..cols {
                let v = z[r * cols + c];
                row[r] += v;
                moment[r] += key[c] * v;
                col[c] += v;
            }
        }
        (row, moment, col)
    }

    #[test]
    fn exchanges_keep_totals_and_moments_and_thin_the_cells() {
        for seed in 0..40 {
            let mut next = stream(seed);
            let (rows, cols) = (2 + (seed as usize % 9), 3 + (seed as usize % 11));
            // Some keys repeat (equal ceilings), some cells are empty from the start.
            let key: Vec<f64> = (0..cols)
                .map(|_| (next() * 6.0).floor() * 0.25 + 1.0)
                .collect();
            let z0: Vec<f64> = (0..rows * cols)
                .map(|_| if next() < 0.15 { 0.0 } else { next() * 10.0 })
                .collect();
            let mut z = z0.clone();
            let moves = exchange(&mut z, rows, cols, &key, Deadline::none()).expect("no deadline");
            let (r0, m0, c0) = sums(&z0, rows, cols, &key);
            let (r1, m1, c1) = sums(&z, rows, cols, &key);
            let close = |a: &[f64], b: &[f64]| {
                a.iter()
                    .zip(b)
                    .all(|(x, y)| (x - y).abs() <= 1e-12 * x.abs().max(1.0))
            };
            assert!(
                close(&r0, &r1) && close(&m0, &m1) && close(&c0, &c1),
                "seed {seed}"
            );
            assert!(z.iter().all(|&v| v >= 0.0), "seed {seed}: a negative cell");
            // Cells only empty, and every two rows now share at most two columns.
            assert!(
                z.iter().zip(&z0).all(|(&a, &b)| b > 0.0 || a == 0.0),
                "seed {seed}"
            );
            for a in 0..rows {
                for b in a + 1..rows {
                    let shared = (0..cols)
                        .filter(|&c| z[a * cols + c] > 0.0 && z[b * cols + c] > 0.0)
                        .count();
                    assert!(shared <= 2, "seed {seed}: rows {a}, {b} share {shared}");
                }
            }
            // Each move empties at least one cell.
            let before = z0.iter().filter(|&&v| v > 0.0).count();
            let after = z.iter().filter(|&&v| v > 0.0).count();
            assert!(
                before - after >= moves,
                "seed {seed}: {moves} moves, {before} → {after}"
            );
            if before == rows * cols {
                assert!(moves > 0, "seed {seed}: a full table allows a move");
            }
        }
    }

    #[test]
    fn a_past_deadline_gives_no_allocation() {
        let mut z = vec![1.0; 12];
        let passed = Deadline::at(std::time::Instant::now());
        assert_eq!(exchange(&mut z, 3, 4, &[1.0, 2.0, 3.0, 4.0], passed), None);
    }
}
