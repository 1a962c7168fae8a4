//! The Nash stage (settlement.md §3.2): the unique utility vector `u*` maximising
//! `Σ w_i log u_i` over **all** frontier settlements, and an allocation with prices reaching it.
//!
//! Method (simplicial decomposition with an exact finish):
//! 1. Start from the welfare stage's allocation and its exact Nash split (`split.rs`,
//!    Fujishige's lexicographically optimal base). When the optimal face is a single point —
//!    the common case with real-valued prices — this is already `u*`.
//! 2. Find `P+`: ask the linear oracle for the most utility the still-zero parties can get on
//!    the frontier, until none can get more.
//! 3. When step 1 fails the first-order test (plain markets: the face is huge), the face is
//!    cut into the connected components of its edge graph — the program separates over them —
//!    and each component is solved on its own: by the interior-point method over the whole
//!    component when it is a (nearly) complete bipartite graph of single-leg parties — every
//!    component of a plain market — laid out densely (`bipartite_ipm.rs`), or when it is small
//!    (`frontier_ipm.rs`). An interior point trades on nearly every edge of its face: on a grid
//!    with additive surplus (plain markets) exchange moves (`sparse_finish.rs`) thin its
//!    allocation to a few trades per party with the same leg totals and utilities, so such a
//!    component is solved whole at any size, and Newton's method on the thinned answer's
//!    pattern (`grid_polish.rs`) takes its utilities from the interior point's 1e-8 to
//!    rounding; other components are solved whole as long as the
//!    trades of the components solved whole fit the response (`INTERIOR_TRADES_MAX`),
//!    else by edge generation (the interior-point solve over a sparse subset of its edges,
//!    grown by the oracle's support and near-tight edges until the test passes over the whole
//!    component) with the whole component as the fallback. Each component's solve ends with
//!    the first-order test over its own face; one probe of the whole face decides which
//!    components already pass.
//!    The gap over the whole face is the weighted mean of the components' gaps. Large
//!    components are solved on scoped threads (`NASH_THREADS`), joined in order.
//! 4. Column generation (last resort): the master problem (`master.rs`) maximises the Nash
//!    product over the convex hull of the columns found so far; the oracle — a max-weight flow
//!    on the optimal face with weights `max(π_buyer, π_seller)·S_e`, `π = w/u` — either proves
//!    the first-order condition or returns a better vertex.
//! 5. Mix the columns' allocations with the master weights and split that allocation exactly
//!    again: `u*` lies in its base polytope and is the unique optimum there, so the exact split
//!    recovers it to machine precision — when the master converged; when it stopped on its
//!    tolerance, the master's own mixture of settlements is kept if it passes the first-order
//!    test better.

use crate::deadline::Deadline;
use crate::error::{NashError, Result};
use crate::frontier_ipm::Checkpoint;
use crate::limits::{abs_tol, NASH_STABILITY_TOL};
use crate::market::Market;
use crate::master::{solve_master, MasterError};
use crate::parallel::{in_parallel, worker_threads};
use crate::relax::{leg_bounds, maximise_from, optimal_face, quantity_scale, surplus_scale, Face};
use crate::split::{nash_split, Trade};
use crate::welfare::{OptimalPattern, Welfare};

/// The stage's own first-order stop: an answer whose relative first-order gap is at most this is
/// taken (the interior point's split, an edge-generation round, column generation's mixture).
///
/// It must sit above what the probe resolves, or the choice between the interior point's
/// answer and the slow fallbacks is made by rounding. Until the oracle's network simplex was
/// priced to the real profits (`relax.rs`, `cost_scale`) it was priced to the penalty arcs,
/// stopped with reduced costs up to 2e-8 of the real profits, and its value fell up to 2.4e-8
/// below a settlement known to be on the face: the stop, then 1e-10, had only looked met, and
/// the choice was random (`docs/nash-stage-performance.md`). Priced right (reduced costs 1e-13
/// to 1e-17 at its optimum), the interior point's answers measure up to 1.4e-11 at plain 20×20,
/// 1.9e-10 at 100×100, 2.9e-10 at 300×300, and 1.1e-9 to 4.4e-9 on faces with lots (the
/// larger generated markets of `tests/properties.rs`, where the general simplex's own tolerance
/// is 1e-9); at 1e-9 those last went to column generation for seconds (100164: 15 ms → 2.1 s,
/// to reach 7.6e-10). 1e-8 takes them, a hundredth of §3.2's 1e-6. The accuracy of `u*`
/// itself rests on the interior point's targets (`frontier_ipm::GAP_TARGET`), held to a second
/// formulation in `tests/nash_plain_markets.rs`.
const FIRST_ORDER_STOP: f64 = 1e-8;
/// Edge generation's own stop: its rounds go on until the answer's first-order gap is at most
/// this (or until they stall, `EDGE_STALL_ROUNDS`), a tenth of `FIRST_ORDER_STOP`.
///
/// The gap bounds the Nash objective's distance to the optimum, but the utilities move like
/// its square root along the flat directions of a large degenerate top level: on the
/// benchmark's constrained 300×300 market the rounds ended at a gap of 1.6e-9 with the
/// utilities 1.1e-5 of the largest off a run with a hundred times tighter stop, and on a
/// defer-swap one (seed 3) at 2.1e-6. One more round each (1.5e-10) took them to 3.8e-8 and
/// 5.6e-9; at 1e-10 they were 5.1e-9 and 6.4e-9, for 20–50% more time where the rounds went
/// on, against 0–35% at 1e-9 (`docs/nash-stage-performance.md`). The stop cannot go much
/// lower: the probe's own LP resolves gaps of a few 1e-10.
const EDGE_STOP: f64 = 1e-9;

/// A round of edge generation may stop its interior point once the mean complementarity is at
/// most this times the square of the best first-order gap so far (`frontier_ipm::Checkpoint`),
/// while that gap is at least `LOOSE_ROUNDS_ABOVE`: at a gap of 1e-2 the checkpoint is at
/// 1e-6, at 1e-4 at 1e-10 (the interior point's own target is 1e-16).
///
/// Measured on the benchmark's 300×300 markets, seeds 1–9 of constrained, lots and defer-swap
/// (the interior points' iterations summed over the rounds, one thread): constrained 2,134 →
/// 2,056, lots 1,047 → 758 (the three markets with rounds), defer-swap 3,527 → 2,739; the
/// whole settlement on two threads, two alternating passes, median ratio per market 0.81
/// constrained, 0.79 defer-swap (`docs/nash-stage-performance.md`). The last round passes
/// `EDGE_STOP` finished to the interior point's targets either way, so what that stop
/// guarantees is kept: the Nash objective within `EDGE_STOP × Σ w` of its optimum.
const ROUND_CHECKPOINT: f64 = 1e-2;

/// Rounds stop early only while the best first-order gap is at least this. Nearer the end a
/// loose round's duals miss edges that a tight one's find, and the rounds that adds cost more
/// than the iterations saved: with loose rounds down to the last, constrained seeds 2 and 3
/// took 7 rounds instead of 6 and 5 (192 and 182 iterations against 180 and 162); from 1e-3,
/// fewer iterations were saved (2,173 against 2,542 on seeds 1–3 of the three classes).
const LOOSE_ROUNDS_ABOVE: f64 = 1e-4;

/// The gap the checkpoint is computed from is at most this: the first round has none yet (it
/// starts from the welfare allocation's support; the gaps after it were 7e-3 to 2.9e-2 on the
/// markets above). 1e-1 and 1e-2 gave the same rounds there: the rows, not the gap, decide
/// when the first round reaches its checkpoint.
const ROUND_GAP_CEILING: f64 = 1e-1;

/// Column generation never needs more columns than parties + 1 in exact arithmetic; this cap
/// only guards against floating-point stalls.
const MAX_COLUMNS_OVER_PARTIES: usize = 64;

/// A settlement: flow and the seller's share of each edge's surplus.
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    /// Quantity per edge.
    pub x: Vec<f64>,
    /// Seller's share of `S_e · x_e` per edge; the buyer gets the rest.
    pub seller_share: Vec<f64>,
    /// Utility per party.
    pub utility: Vec<f64>,
    /// Parties that get a positive utility in some frontier settlement (of this pattern).
    pub p_plus: Vec<bool>,
    /// Index of the pattern in `Welfare::patterns`.
    pub pattern: usize,
    /// Leg prices that bound the first-order oracle at these utilities closely enough to prove
    /// the test (`stability::frontier_stable_by_prices`), when the stage has them: its interior
    /// point's row duals. The self-check's shortcut; nothing a verifier sees.
    pub oracle_prices: Option<Vec<f64>>,
    /// The simplex basis of the stage's last oracle solve over this settlement's face, when
    /// that face needed the general LP (swap ratios): the self-check's oracle over the same
    /// face starts from it (`lp::Warm`). Nothing a verifier sees.
    pub oracle_basis: Option<crate::lp::Warm>,
}

#[derive(Debug, Clone)]
struct Column {
    u: Vec<f64>,
    x: Vec<f64>,
    share: Vec<f64>,
}

/// The exact Nash split of one allocation.
fn split_allocation(market: &Market, x: &[f64]) -> Column {
    let weights: Vec<f64> = market.parties.iter().map(|p| p.weight).collect();
    let traded = x.iter().filter(|&&v| v > 0.0).count();
    let mut trades = Vec::with_capacity(traded);
    let mut trade_edge = Vec::with_capacity(traded);
    for (e, edge) in market.edges.iter().enumerate() {
        let t = edge.surplus * x[e];
        if x[e] > 0.0 && t > 0.0 {
            trades.push(Trade {
                seller: edge.seller,
                buyer: edge.buyer,
                surplus: t,
            });
            trade_edge.push(e);
        }
    }
    let result = nash_split(&weights, &trades);
    let mut share = vec![0.0; market.edges.len()];
    for (k, &e) in trade_edge.iter().enumerate() {
        share[e] = result.seller_share[k];
    }
    let mut u = result.utility;
    u.resize(market.parties.len(), 0.0);
    Column {
        u,
        x: x.to_vec(),
        share,
    }
}

/// Utility of every party under a flow and a split.
#[must_use]
pub fn utilities(market: &Market, x: &[f64], seller_share: &[f64]) -> Vec<f64> {
    let mut u = vec![0.0; market.parties.len()];
    for (e, edge) in market.edges.iter().enumerate() {
        if x[e] == 0.0 {
            continue;
        }
        let t = edge.surplus * x[e];
        u[edge.seller] += seller_share[e];
        u[edge.buyer] += t - seller_share[e];
    }
    u
}

/// The basis of the last general-LP solve of the oracle over one face (`lp::Warm`): the oracle
/// is asked many times over the same face with new weights (edge generation's rounds, column
/// generation's columns, `P+` discovery), and on faces with swap ratios each ask is a simplex
/// solve that can start where the last one ended instead of from the all-logical basis.
pub(crate) type Carry = Option<crate::lp::Warm>;

/// The linear oracle's LP over a face: maximise `Σ π_i u_i`, i.e. a max-weight flow with edge
/// weights `max(π_seller, π_buyer) · S_e` (each edge's surplus goes to the endpoint with the
/// larger `π`).
fn oracle_lp(
    market: &Market,
    face: &Face,
    profit: &[f64],
    deadline: Deadline,
    window_ms: u64,
    carry: &mut Carry,
) -> Result<crate::relax::Relaxed> {
    maximise_from(
        market,
        &face.leg_lo,
        &face.leg_hi,
        Some(&face.edge_allowed),
        Some(&face.ratio_tight),
        profit,
        deadline,
        window_ms,
        carry,
    )
}

/// The oracle's edge weights `max(π_seller, π_buyer) · S_e`.
#[must_use]
pub fn oracle_profit(market: &Market, pi: &[f64]) -> Vec<f64> {
    market
        .edges
        .iter()
        .map(|e| pi[e.seller].max(pi[e.buyer]) * e.surplus)
        .collect()
}

/// The linear oracle over a face: its flow, seller shares and utilities; each edge's surplus
/// goes to the endpoint with the larger `π` (the buyer on ties).
///
/// # Errors
/// `DEADLINE_EXCEEDED`, or `INTERNAL` when an engine fails.
pub fn oracle(
    market: &Market,
    face: &Face,
    pi: &[f64],
    deadline: Deadline,
    window_ms: u64,
) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    oracle_from(market, face, pi, deadline, window_ms, &mut None)
}

/// [`oracle`], carrying the simplex basis from the previous ask over the same face.
pub(crate) fn oracle_from(
    market: &Market,
    face: &Face,
    pi: &[f64],
    deadline: Deadline,
    window_ms: u64,
    carry: &mut Carry,
) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let profit = oracle_profit(market, pi);
    let r = oracle_lp(market, face, &profit, deadline, window_ms, carry)?;
    let mut share = vec![0.0; market.edges.len()];
    for (e, edge) in market.edges.iter().enumerate() {
        if r.x[e] > 0.0 && pi[edge.seller] > pi[edge.buyer] {
            share[e] = edge.surplus * r.x[e];
        }
    }
    let u = utilities(market, &r.x, &share);
    Ok((r.x, share, u))
}

/// The face of a pattern.
#[must_use]
pub fn pattern_face(market: &Market, pattern: &OptimalPattern) -> Face {
    let (lo, hi) = leg_bounds(market, &pattern.fix);
    optimal_face(market, &lo, &hi, &pattern.relaxed)
}

/// `P+` over a face, starting from one known utility vector: the parties that some settlement
/// of the face gives a positive utility.
///
/// # Errors
/// `DEADLINE_EXCEEDED`, or `INTERNAL` when an engine fails.
pub fn p_plus_over_face(
    market: &Market,
    face: &Face,
    start: &[f64],
    deadline: Deadline,
    window_ms: u64,
) -> Result<Vec<bool>> {
    p_plus_over_face_from(market, face, start, deadline, window_ms, &mut None)
}

/// [`p_plus_over_face`], carrying the oracle's simplex basis over the face (`Carry`).
pub(crate) fn p_plus_over_face_from(
    market: &Market,
    face: &Face,
    start: &[f64],
    deadline: Deadline,
    window_ms: u64,
    carry: &mut Carry,
) -> Result<Vec<bool>> {
    let mut columns = vec![Column {
        u: start.to_vec(),
        x: vec![0.0; market.edges.len()],
        share: vec![0.0; market.edges.len()],
    }];
    discover_p_plus(market, face, &mut columns, deadline, window_ms, carry)
}

/// `P+` over a face, starting from known utility vectors: parties that some frontier
/// settlement gives a positive utility. Adds the columns found on the way.
fn discover_p_plus(
    market: &Market,
    face: &Face,
    columns: &mut Vec<Column>,
    deadline: Deadline,
    window_ms: u64,
    carry: &mut Carry,
) -> Result<Vec<bool>> {
    let n = market.parties.len();
    let tol = 1e-12 * surplus_scale(market) * quantity_scale(market);
    // A party with no edge of positive surplus on the face gets nothing from any settlement of
    // it: no oracle call is needed to learn that (on the benchmark's 20×20 plain market, two
    // of the nine LP solves of a settlement asked only about such parties). Nor does an edge
    // with a leg the face holds at zero carry anything: on the benchmark's 100×100 market the
    // 32 parties that do not trade have such edges only, and asking about them was one oracle
    // solve in the Nash stage and one in the self-check (0.16 and 0.21 ms).
    let mut reachable = vec![false; n];
    for (edge, _) in market
        .edges
        .iter()
        .zip(&face.edge_allowed)
        .filter(|(edge, &ok)| {
            ok && edge.surplus > 0.0
                && face.leg_hi[edge.supply] > 0.0
                && face.leg_hi[edge.demand] > 0.0
        })
    {
        reachable[edge.seller] = true;
        reachable[edge.buyer] = true;
    }
    loop {
        let zero: Vec<bool> = (0..n)
            .map(|i| reachable[i] && columns.iter().all(|c| c.u[i] <= tol))
            .collect();
        if !zero.iter().any(|&z| z) {
            break;
        }
        let pi: Vec<f64> = zero.iter().map(|&z| if z { 1.0 } else { 0.0 }).collect();
        let (x, share, u) = oracle_from(market, face, &pi, deadline, window_ms, carry)?;
        let gain: f64 = (0..n).filter(|&i| zero[i]).map(|i| u[i]).sum();
        if gain <= tol {
            break;
        }
        columns.push(Column { u, x, share });
    }
    Ok((0..n)
        .map(|i| columns.iter().any(|c| c.u[i] > tol))
        .collect())
}

/// The weights of the Nash program: each party's `weight` when it is in `P+`, else 0 (a party
/// no frontier settlement pays does not enter `Σ w log u`).
#[must_use]
pub fn counted_weights(market: &Market, p_plus: &[bool]) -> Vec<f64> {
    market
        .parties
        .iter()
        .zip(p_plus)
        .map(|(p, &counted)| if counted { p.weight } else { 0.0 })
        .collect()
}

/// Nash bargaining over the frontier of one pattern.
///
/// # Errors
/// `DEADLINE_EXCEEDED`, or `INTERNAL` when a kernel fails.
pub fn nash_for_pattern(
    market: &Market,
    pattern: &OptimalPattern,
    index: usize,
    deadline: Deadline,
    window_ms: u64,
) -> Result<Settlement> {
    let face = pattern_face(market, pattern);
    let mut columns = vec![split_allocation(market, &pattern.relaxed.x)];
    // One face, asked about many times: the oracle's basis carries from ask to ask.
    let mut carry: Carry = None;
    let p_plus = discover_p_plus(market, &face, &mut columns, deadline, window_ms, &mut carry)?;
    let w = counted_weights(market, &p_plus);
    let w_sum: f64 = w.iter().sum();
    if w_sum == 0.0 {
        let c = &columns[0];
        return Ok(Settlement {
            x: c.x.clone(),
            seller_share: c.share.clone(),
            utility: c.u.clone(),
            p_plus,
            pattern: index,
            oracle_prices: None,
            oracle_basis: None,
        });
    }

    // The face is a product over the connected components of its edge graph (a leg, a ratio
    // row and a utility each belong to one party), and the objective is a sum over parties:
    // each component's Nash program is solved on its own, and the smaller programs are much
    // cheaper than the whole (the Newton systems grow faster than linearly).
    let components = face_components(market, &face, &w);
    // 1. Fast path: the welfare stage's allocation, split exactly, already passes the
    //    first-order test (always so when the optimal face is one allocation). The oracle's
    //    solve that decides it is skipped when an exchange of partners already shows every
    //    component failing and no component needs what else it learns (`exchange_fails`).
    let first = columns[0].clone();
    let probe = if exchange_fails(market, &face, &w, &first, &components) {
        Probe::failed()
    } else {
        probe_face(market, &face, &w, &first.u, deadline, window_ms, &mut carry)?
    };
    if probe.gap <= FIRST_ORDER_STOP {
        return Ok(settlement_of(first, p_plus, index));
    }
    let (col, prices) = if components.len() > 1 {
        nash_by_components(
            market,
            &face,
            &w,
            &columns,
            &components,
            &probe,
            deadline,
            window_ms,
        )?
    } else {
        nash_on_face(
            market,
            &face,
            &w,
            columns,
            probe.wanted,
            edge_count(&face) > INTERIOR_TRADES_MAX,
            deadline,
            window_ms,
            &mut carry,
        )?
    };
    let mut settlement = settlement_of(col, p_plus, index);
    settlement.oracle_prices = prices;
    settlement.oracle_basis = carry;
    Ok(settlement)
}

/// The Nash stage again, on the face a verifier reads off `settlement` (`verify::judge`):
/// for a frontier settlement that the verifier's first-order test rejects although the
/// solver's own test, on the face its welfare duals described, accepted it (`api.rs`,
/// `self_check`). `P+` stays the union over every pattern the first solve saw.
///
/// # Errors
/// `DEADLINE_EXCEEDED`, or `INTERNAL` when a kernel fails.
pub fn settle_on_verifier_face(
    market: &Market,
    settlement: &Settlement,
    known: &[OptimalPattern],
    deadline: Deadline,
    window_ms: u64,
) -> Result<Settlement> {
    let pattern = crate::verify::settlement_pattern(market, &settlement.x, known, deadline)?;
    let mut again = nash_for_pattern(market, &pattern, settlement.pattern, deadline, window_ms)?;
    for (p, &q) in again.p_plus.iter_mut().zip(&settlement.p_plus) {
        *p |= q;
    }
    Ok(again)
}

/// A lower bound on the first-order gap of column `c` over one component of `face` (its edges
/// `edges`): the best single exchange of two of its trades' partners (a 2-opt move, which keeps
/// every leg total) under the oracle's profits at `π = w / u`. Any settlement of the face is a
/// lower bound on the oracle's maximum, and the column itself is worth `Σ w` (its exact split
/// gives each trade's surplus to the side with the larger `π`, or splits it between equal
/// ones), so a move that gains more than the stop proves the column fails there without the
/// oracle's solve. `None` when no move gains or some counted party is at zero.
fn exchange_gap(
    market: &Market,
    face: &Face,
    edges: &[bool],
    w: &[f64],
    c: &Column,
) -> Option<f64> {
    let n_legs = market.legs.len();
    let mut w_c = 0.0;
    let inside = parties_of(market, edges);
    for i in 0..market.parties.len() {
        if inside[i] && w[i] > 0.0 {
            if c.u[i] <= 0.0 {
                return None;
            }
            w_c += w[i];
        }
    }
    if w_c <= 0.0 {
        return None;
    }
    let pi = |i: usize| {
        if inside[i] && w[i] > 0.0 {
            w[i] / c.u[i]
        } else {
            0.0
        }
    };
    let profit = |e: usize| {
        let edge = &market.edges[e];
        pi(edge.seller).max(pi(edge.buyer)) * edge.surplus
    };
    let traded: Vec<usize> = (0..market.edges.len())
        .filter(|&e| edges[e] && c.x[e] > 0.0)
        .collect();
    let (mut row, mut col) = (vec![usize::MAX; n_legs], vec![usize::MAX; n_legs]);
    let (mut ns, mut nb) = (0, 0);
    for &e in &traded {
        let edge = &market.edges[e];
        if row[edge.supply] == usize::MAX {
            row[edge.supply] = ns;
            ns += 1;
        }
        if col[edge.demand] == usize::MAX {
            col[edge.demand] = nb;
            nb += 1;
        }
    }
    let mut at = vec![usize::MAX; ns * nb];
    for (e, edge) in market.edges.iter().enumerate() {
        if edges[e] && face.edge_allowed[e] {
            let (r, k) = (row[edge.supply], col[edge.demand]);
            if r != usize::MAX && k != usize::MAX {
                at[r * nb + k] = e;
            }
        }
    }
    let value: f64 = traded.iter().map(|&e| profit(e) * c.x[e]).sum();
    let mut best = 0.0_f64;
    for (a, &e1) in traded.iter().enumerate() {
        for &e2 in &traded[a + 1..] {
            let (x1, x2) = (&market.edges[e1], &market.edges[e2]);
            let (r1, k1, r2, k2) = (
                row[x1.supply],
                col[x1.demand],
                row[x2.supply],
                col[x2.demand],
            );
            if r1 == r2 || k1 == k2 {
                continue;
            }
            let (f, g) = (at[r1 * nb + k2], at[r2 * nb + k1]);
            if f == usize::MAX || g == usize::MAX {
                continue;
            }
            let gain = c.x[e1].min(c.x[e2]) * (profit(f) + profit(g) - profit(e1) - profit(e2));
            best = best.max(gain);
        }
    }
    (best > 0.0).then(|| (value + best) / w_c - 1.0)
}

/// True when the first column is shown to fail the first-order test on every component of
/// the face by `exchange_gap` (by twice the stop, far above the oracle's rounding), and every
/// component is a grid with additive surplus: those are solved whole by the interior point,
/// which needs nothing else from the whole-face probe (its wanted edges seed edge generation,
/// which other faces use). Measured on the benchmark's plain markets: exchanges showed gaps of
/// 0.05–0.35 where the oracle measured 0.13–1.1, and the probe's solve took 0.29 ms of a
/// 100×100 settlement.
fn exchange_fails(
    market: &Market,
    face: &Face,
    w: &[f64],
    first: &Column,
    components: &[Vec<bool>],
) -> bool {
    !components.is_empty()
        && components.iter().all(|edges| {
            let sub = component_face(market, face, edges);
            let additive_grid = crate::bipartite_ipm::Grid::of(market, &sub)
                .is_some_and(|g| crate::sparse_finish::additive(market, &g).is_some());
            additive_grid
                && exchange_gap(market, face, edges, w, first)
                    .is_some_and(|gap| gap > 2.0 * FIRST_ORDER_STOP)
        })
}

/// The connected components of a face's edge graph that hold a counted party (`w > 0`): per
/// component, its edges (as a mask over all edges). Ordered by their smallest party index, so
/// the order does not depend on anything but the (sorted) parties.
fn face_components(market: &Market, face: &Face, w: &[f64]) -> Vec<Vec<bool>> {
    let n = market.parties.len();
    let mut joins = crate::union_find::Joins::new(n);
    for (e, edge) in market.edges.iter().enumerate() {
        if face.edge_allowed[e] {
            joins.join(edge.seller, edge.buyer);
        }
    }
    let roots: Vec<usize> = (0..n).map(|i| joins.root(i)).collect();
    let mut index_of_root = vec![usize::MAX; n];
    let mut masks: Vec<Vec<bool>> = Vec::new();
    for i in 0..n {
        if w[i] > 0.0 && index_of_root[roots[i]] == usize::MAX {
            index_of_root[roots[i]] = masks.len();
            masks.push(vec![false; market.edges.len()]);
        }
    }
    for (e, edge) in market.edges.iter().enumerate() {
        let k = index_of_root[roots[edge.seller]];
        if face.edge_allowed[e] && k != usize::MAX {
            masks[k][e] = true;
        }
    }
    masks
}

/// The parties with an edge among `edges` (a mask over all edges).
fn parties_of(market: &Market, edges: &[bool]) -> Vec<bool> {
    let mut inside = vec![false; market.parties.len()];
    for (edge, _) in market.edges.iter().zip(edges).filter(|(_, &e)| e) {
        inside[edge.seller] = true;
        inside[edge.buyer] = true;
    }
    inside
}

/// The weights `w` of the parties `inside` (a mask over all parties), 0 for the others: one
/// component's Nash program counts its own parties only.
fn weights_within(w: &[f64], inside: &[bool]) -> Vec<f64> {
    w.iter()
        .zip(inside)
        .map(|(&wi, &i)| if i { wi } else { 0.0 })
        .collect()
}

/// The face restricted to one component: its edges only, and the legs of other components
/// held at 0 (they have no edge left).
fn component_face(market: &Market, face: &Face, edges: &[bool]) -> Face {
    let mut has_edge = vec![false; market.legs.len()];
    for (e, edge) in market.edges.iter().enumerate() {
        if edges[e] {
            has_edge[edge.supply] = true;
            has_edge[edge.demand] = true;
        }
    }
    let keep = |l: usize, v: f64| if has_edge[l] { v } else { 0.0 };
    Face {
        edge_allowed: edges.to_vec(),
        leg_lo: face
            .leg_lo
            .iter()
            .enumerate()
            .map(|(l, &v)| keep(l, v))
            .collect(),
        leg_hi: face
            .leg_hi
            .iter()
            .enumerate()
            .map(|(l, &v)| keep(l, v))
            .collect(),
        ratio_tight: face.ratio_tight.clone(),
    }
}

/// A column cut down to some edges (its utilities recomputed from what is left).
fn restrict_column(market: &Market, c: &Column, edges: &[bool]) -> Column {
    let keep = |v: &[f64]| -> Vec<f64> {
        v.iter()
            .zip(edges)
            .map(|(&a, &k)| if k { a } else { 0.0 })
            .collect()
    };
    let x = keep(&c.x);
    let share = keep(&c.share);
    let u = utilities(market, &x, &share);
    Column { u, x, share }
}

/// Nash per component (see `nash_for_pattern`). A component whose part of the first
/// allocation already passes the first-order test (read from the whole face's probe) keeps
/// it; every other one is solved on its own face, where its solve ends with its own test.
/// The gap over the whole face is the weighted mean of the components' gaps, so the joined
/// settlement passes when each part does.
#[allow(clippy::too_many_arguments)] // the face, its parts, and what is known of them so far
fn nash_by_components(
    market: &Market,
    face: &Face,
    w: &[f64],
    columns: &[Column],
    components: &[Vec<bool>],
    probe: &Probe,
    deadline: Deadline,
    window_ms: u64,
) -> Result<Priced> {
    let first = &columns[0];
    // Edges outside every counted component keep the first allocation (their parties get
    // nothing in any frontier settlement, so their split does not matter).
    let mut x = first.x.clone();
    let mut share = first.share.clone();
    let mut unpriced = false;
    let mut jobs = Vec::new();
    for edges in components {
        let w_c = weights_within(w, &parties_of(market, edges));
        if probe.gap_over(edges, &w_c) <= FIRST_ORDER_STOP {
            // The first column is the exact split of the first allocation, and the split
            // separates over components: this part is already right (and comes with no
            // prices).
            unpriced = true;
            continue;
        }
        let cols: Vec<Column> = columns
            .iter()
            .map(|c| restrict_column(market, c, edges))
            .collect();
        let wanted = probe.wanted.as_ref().map(|wanted| {
            wanted
                .iter()
                .zip(edges)
                .map(|(&a, &inside)| a && inside)
                .collect()
        });
        let sub = component_face(market, face, edges);
        jobs.push(ComponentJob {
            edges,
            size: edge_count(&sub),
            face: sub,
            w: w_c,
            columns: cols,
            wanted,
            sparse: false,
        });
    }
    // The largest components are solved sparsely until the others, solved whole, trade on at
    // most INTERIOR_TRADES_MAX edges together.
    let mut by_size: Vec<(usize, usize)> = jobs
        .iter()
        .enumerate()
        .map(|(k, job)| (job.size, k))
        .collect();
    by_size.sort_unstable_by(|a, b| b.cmp(a));
    let mut whole: usize = by_size.iter().map(|&(edges, _)| edges).sum();
    for &(edges, k) in &by_size {
        if whole <= INTERIOR_TRADES_MAX {
            break;
        }
        jobs[k].sparse = true;
        whole -= edges;
    }
    let solve = |job: ComponentJob| {
        nash_on_face(
            market,
            &job.face,
            &job.w,
            job.columns,
            job.wanted,
            job.sparse,
            deadline,
            window_ms,
            &mut None,
        )
    };
    let edges_of: Vec<&[bool]> = jobs.iter().map(|j| j.edges).collect();
    let arcs: usize = jobs.iter().map(|j| 2 * j.size).sum();
    let threads = worker_threads().min(jobs.len());
    let results: Vec<Result<Priced>> = if threads > 1 && arcs >= PARALLEL_MIN_ARCS {
        // Largest first (the longest-processing-time rule), by face edges: a large component
        // taken last runs alone after the others. E.g. the plain 300×300 market's components
        // take 156, 50 and 92 ms on one thread; on two, largest first ends at 156 ms, while
        // the order 50, 92, 156 would start the largest at 50 ms and end at 206 ms. (The
        // benchmark's markets happen to list their largest component early: their times do
        // not change.)
        let mut indexed: Vec<(usize, ComponentJob)> = jobs.into_iter().enumerate().collect();
        indexed.sort_by(|(a, ja), (b, jb)| jb.size.cmp(&ja.size).then(a.cmp(b)));
        let (order, ordered): (Vec<usize>, Vec<ComponentJob>) = indexed.into_iter().unzip();
        let mut results: Vec<Option<Result<Priced>>> = (0..order.len()).map(|_| None).collect();
        for (k, r) in order.into_iter().zip(in_parallel(ordered, threads, &solve)) {
            results[k] = r;
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(NashError::internal("a component was not solved"))))
            .collect()
    } else {
        jobs.into_iter().map(solve).collect()
    };
    // Joined in component order whatever finished first: the bytes do not depend on threads.
    // Each component's prices are zero off its own legs, so they join by adding.
    let mut prices = (!unpriced).then(|| vec![0.0; market.legs.len()]);
    for (edges, priced) in edges_of.into_iter().zip(results) {
        let (col, y) = priced?;
        for (e, &inside) in edges.iter().enumerate() {
            if inside {
                x[e] = col.x[e];
                share[e] = col.share[e];
            }
        }
        prices = prices.zip(y).map(|(mut p, y)| {
            p.iter_mut().zip(&y).for_each(|(p, y)| *p += y);
            p
        });
    }
    let u = utilities(market, &x, &share);
    Ok((Column { u, x, share }, prices))
}

/// A component's answer and, when the solve that found it has them, leg prices that prove its
/// first-order test (`stability::frontier_stable_by_prices`), zero off its legs.
type Priced = (Column, Option<Vec<f64>>);

/// Edges on a face.
fn edge_count(face: &Face) -> usize {
    face.edge_allowed.iter().filter(|&&a| a).count()
}

/// One component's Nash program, ready to solve on its own.
struct ComponentJob<'a> {
    edges: &'a [bool],
    /// Edges on its face.
    size: usize,
    face: Face,
    w: Vec<f64>,
    columns: Vec<Column>,
    wanted: Option<Vec<bool>>,
    /// Solved by edge generation whatever its size, to keep the response small.
    sparse: bool,
}

/// Components are solved on several threads when together they have at least this many owner
/// arcs (below it, starting threads costs more than the solves: a 20×20 market's three
/// components take about 0.1 ms each).
const PARALLEL_MIN_ARCS: usize = 2000;

/// Steps 1b–3 of the method on one face, from the columns found so far (the first is the
/// welfare allocation split exactly) and the first-order probe at that split.
#[allow(clippy::too_many_arguments)] // the face, what is known of it, and the run's limits
fn nash_on_face(
    market: &Market,
    face: &Face,
    w: &[f64],
    mut columns: Vec<Column>,
    probe: Option<Vec<bool>>,
    sparse: bool,
    deadline: Deadline,
    window_ms: u64,
    carry: &mut Carry,
) -> Result<Priced> {
    // Every oracle ask below is over this one face: the simplex basis carries from ask to ask
    // (`carry`: the last ask's over it, if any, and on return this face's last).
    // 1b. When the answer must be sparse (`sparse`: an interior point trades on every edge of
    //     its face, see `INTERIOR_TRADES_MAX`), or on a large face that is not a grid, edge
    //     generation: the Nash program over a sparse subset of the face's edges (the supports
    //     of the columns found so far, and of the oracle's answer), checked over the whole face
    //     by the first-order test; the oracle's support at the sub-optimum joins the subset
    //     until the test passes. `u*` needs few edges, and the Newton systems of a sparse
    //     subset are sparse.
    let face_arcs = 2 * edge_count(face);
    let grid = crate::bipartite_ipm::Grid::of(market, face);
    // A grid with additive surplus is solved whole even when its answer must be sparse: the
    // exchange moves of `sparse_finish.rs` take the interior point's allocation down to a few
    // trades per party with the same utilities (measured on the 300×300 plain markets: 1.6–2×
    // faster than edge generation).
    let additive = grid
        .as_ref()
        .and_then(|g| crate::sparse_finish::additive(market, g));
    let large =
        (sparse && additive.is_none()) || (grid.is_none() && face_arcs > WHOLE_FACE_MAX_ARCS);
    if large {
        let wanted = probe.clone();
        if let Some((col, _)) = edge_generation(
            market, face, w, &columns, wanted, deadline, window_ms, carry,
        )? {
            return Ok((col, None));
        }
    }
    // 2. The interior-point solve of the whole program, then the exact split of its
    //    allocation: directly on a small face, after edge generation on a large one.
    let mut leg_dual = None;
    let ipm = match &grid {
        Some(grid) => crate::bipartite_ipm::solve(market, face, grid, w, deadline)
            .map(|a| {
                leg_dual = Some(a.leg_dual);
                (a.x, a.share)
            })
            .or_else(|| crate::frontier_ipm::solve(market, face, w, deadline)),
        None => crate::frontier_ipm::solve(market, face, w, deadline),
    };
    // 2a. On an additive grid, the exchanged allocation, split exactly: when it passes the
    //     test, the answer (sparse, and no dearer to split and probe than the interior point).
    if let (Some(grid), Some(surplus), Some((x, share))) = (&grid, &additive, &ipm) {
        if let Some(xs) = crate::sparse_finish::exchanged(market, grid, surplus, x, share, deadline)
            .and_then(|xs| onto_face(market, face, xs))
        {
            let mut col = split_allocation(market, &xs);
            // The interior point's row duals price the oracle: a bound on the first-order gap
            // without the oracle's solve (measured on the benchmark's plain markets: 1e-14 to
            // 4e-10 of `Σ w`, against the stop's 1e-8).
            let mut bound = leg_dual
                .as_ref()
                .map(|y| dual_gap(market, face, w, &col.u, y));
            // Where that bound leaves room, Newton's method on the answer's pattern
            // (`grid_polish.rs`) takes its utilities from the interior point's 1e-8 to
            // rounding, and its own leg prices bound the gap at rounding.
            let polished = leg_dual
                .as_ref()
                .filter(|_| bound.is_some_and(|b| b > POLISH_ABOVE))
                .and_then(|y| polished_column(market, face, grid, w, &col, y, deadline));
            if let Some((p, y)) = polished {
                bound = Some(dual_gap(market, face, w, &p.u, &y));
                col = p;
                leg_dual = Some(y);
            }
            if let (Some(y), Some(b)) = (leg_dual, bound) {
                if b <= FIRST_ORDER_STOP {
                    return Ok((col, Some(y)));
                }
            }
            let gap = probe_face(market, face, w, &col.u, deadline, window_ms, carry)?.gap;
            if gap <= FIRST_ORDER_STOP {
                return Ok((col, None));
            }
        }
    }
    // 2b. An answer that must be sparse cannot be the interior point itself: when the exchanged
    //     allocation fails the test (or the interior point failed), edge generation, then
    //     column generation.
    if sparse && additive.is_some() {
        if let Some((col, _)) =
            edge_generation(market, face, w, &columns, probe, deadline, window_ms, carry)?
        {
            return Ok((col, None));
        }
        return column_generation(market, face, w, columns, deadline, window_ms, carry)
            .map(|(col, _)| (col, None));
    }
    // 2c. The interior point itself, without its dust (`interior_column`).
    let mut near_miss = false;
    if let Some(col) = ipm.and_then(|(x, _)| interior_column(market, face, x)) {
        let gap = probe_face(market, face, w, &col.u, deadline, window_ms, carry)?.gap;
        if gap <= FIRST_ORDER_STOP {
            return Ok((col, None));
        }
        near_miss = gap <= NEAR_MISS;
        columns.push(col);
    }
    // 2d. A near miss (the split of the interior point passes a validator's test but not ours):
    //     a few columns polish it, far cheaper than more interior-point solves.
    if near_miss {
        let (col, gap) =
            column_generation(market, face, w, columns.clone(), deadline, window_ms, carry)?;
        if gap <= FIRST_ORDER_STOP {
            return Ok((col, None));
        }
    }
    // 2e. On a small face whose whole solve failed (the Newton systems of some faces with lots
    //     and ratios lose their rows), edge generation: its sparse sub-problems are better
    //     conditioned.
    if !large {
        if let Some((col, _)) =
            edge_generation(market, face, w, &columns, probe, deadline, window_ms, carry)?
        {
            return Ok((col, None));
        }
    }
    // 3. Column generation (simplicial decomposition) from everything found so far.
    column_generation(market, face, w, columns, deadline, window_ms, carry)
        .map(|(col, _)| (col, None))
}

/// An upper bound on the first-order gap of `u` over `face` (see `Probe`) from leg prices `y`
/// (`stability::oracle_bound`), without solving the oracle.
fn dual_gap(market: &Market, face: &Face, w: &[f64], u: &[f64], y: &[f64]) -> f64 {
    let w_sum: f64 = w.iter().sum();
    match oracle_weights(w, u) {
        Some(pi) if w_sum > 0.0 => {
            crate::stability::oracle_bound(market, face, &pi, y) / w_sum - 1.0
        }
        _ => f64::INFINITY,
    }
}

/// `col`, the exactly split answer on `face`'s grid, polished by Newton's method on its pattern
/// (`grid_polish.rs`) from the leg prices `y`, with the polish's own leg prices: `None` when the
/// polish fails, leaves the face, or lowers the Nash objective.
fn polished_column(
    market: &Market,
    face: &Face,
    grid: &crate::bipartite_ipm::Grid,
    w: &[f64],
    col: &Column,
    y: &[f64],
    deadline: Deadline,
) -> Option<(Column, Vec<f64>)> {
    let p = crate::grid_polish::polish(market, face, grid, w, &col.x, &col.share, y, deadline)
        .filter(|p| on_face(market, face, &p.x))?;
    let u = utilities(market, &p.x, &p.share);
    let (new, old) = (nash_value(w, &u), nash_value(w, &col.u));
    (new >= old - 1e-13 * old.abs().max(1.0)).then(|| {
        let polished = Column {
            u,
            x: p.x,
            share: p.share,
        };
        (polished, p.leg_price)
    })
}

/// The interior point's grid answers are polished (`grid_polish.rs`) only when its own leg
/// prices bound their first-order gap above this: below it the polish moved no utility by more
/// than 3.9e-11 of the component's largest (measured over 2,425 of 2,826 components of
/// generated plain markets: the ladder sweep's 308, the property tests', and 600 larger ones;
/// above it, by up to 1.6e-8), and it costs a cold pass through code a small market does not
/// otherwise run (plain 20×20: +37 µs on a 0.32 ms Nash stage, polishing every component).
const POLISH_ABOVE: f64 = 1e-12;

/// The Nash objective `Σ w_i log u_i` over the counted parties (−∞ when one is at zero).
fn nash_value(w: &[f64], u: &[f64]) -> f64 {
    w.iter()
        .zip(u)
        .filter(|(&w, _)| w > 0.0)
        .map(|(&w, &u)| {
            if u > 0.0 {
                w * u.ln()
            } else {
                f64::NEG_INFINITY
            }
        })
        .sum()
}

/// The oracle's weights `π = w / u` of the counted parties (0 for the others), or `None` when
/// a counted party is at zero.
fn oracle_weights(w: &[f64], u: &[f64]) -> Option<Vec<f64>> {
    if w.iter().zip(u).any(|(&w, &u)| w > 0.0 && u <= 0.0) {
        return None;
    }
    Some(
        w.iter()
            .zip(u)
            .map(|(&w, &u)| if w > 0.0 { w / u } else { 0.0 })
            .collect(),
    )
}

/// A first-order gap below which an interior-point result is polished by column generation
/// rather than solved again by edge generation: what §3.2's validators accept.
const NEAR_MISS: f64 = NASH_STABILITY_TOL;

/// True when a flow respects the face's leg bounds and ratios and uses only its edges: a guard
/// on the interior-point result before it is trusted. The bounds hold to half of §3's
/// feasibility tolerance (`abs_tol`): an interior-point solve that stalls on an ill-conditioned
/// face (lots and ratios together) can end a few 1e-7 of a leg off its bound, which §3 accepts,
/// while the other half keeps the settlement clear of a verifier's rounding.
fn on_face(market: &Market, face: &Face, x: &[f64]) -> bool {
    let totals = crate::welfare::leg_totals(market, x);
    let tol = |bound: f64| 0.5 * abs_tol(bound);
    let legs_ok = (0..market.legs.len()).all(|l| {
        totals[l] >= face.leg_lo[l] - tol(face.leg_lo[l])
            && totals[l] <= face.leg_hi[l] + tol(face.leg_hi[l])
    });
    let edges_ok = x
        .iter()
        .zip(&face.edge_allowed)
        .all(|(&xe, &ok)| ok || xe == 0.0);
    let ratios_ok = market.ratios.iter().all(|r| {
        let limit = r.give_per_get_max * totals[r.get];
        totals[r.give] <= limit + tol(limit)
    });
    legs_ok && edges_ok && ratios_ok
}

/// Most rows the projection of `onto_face` builds its dense system for: beyond it the
/// projection would cost more than the column generation it saves.
const PROJECTION_MAX_ROWS: usize = 1000;

/// An interior-point allocation on the face: as it is when it passes `on_face`, else
/// projected onto the face's rows when it is close. On faces with lots and ratios the
/// Newton systems lose the rows near the end (measured on generated market 111876: a leg
/// fixed at 9 ended at 8.999987, 1.5 × §3's tolerance off), and such an allocation used to
/// be dropped, leaving the face to column generation, which stalled there at a first-order
/// gap of 1e-5. The projection is the least change in the weighted norm `Σ δ_e² / x_e` that
/// puts every leg total in its bounds and every tight or violated ratio row at zero:
/// `δ = X Aᵀ (A X Aᵀ)⁻¹ r`. Scaling by `x` moves each trade in proportion to its size, so
/// a small correction keeps every trade positive; a correction that would not (or a system
/// too large for the dense factor) gives `None`, as before.
fn onto_face(market: &Market, face: &Face, mut x: Vec<f64>) -> Option<Vec<f64>> {
    if on_face(market, face, &x) {
        return Some(x);
    }
    if x.iter()
        .zip(&face.edge_allowed)
        .any(|(&xe, &ok)| !ok && xe != 0.0)
    {
        return None;
    }
    let totals = crate::welfare::leg_totals(market, &x);
    // Rows: every traded leg whose total the face fixes or that is out of its bounds (a leg
    // free inside its range keeps no row: pinning it at its current total could contradict
    // the fixed ones), then the ratio rows that must hold with equality or are violated.
    let mut traded = vec![false; market.legs.len()];
    for (e, edge) in market.edges.iter().enumerate() {
        if x[e] > 0.0 {
            traded[edge.supply] = true;
            traded[edge.demand] = true;
        }
    }
    let scale = quantity_scale(market);
    let mut leg_row = vec![usize::MAX; market.legs.len()];
    let mut residual = Vec::new();
    for l in 0..market.legs.len() {
        let (lo, hi, t) = (face.leg_lo[l], face.leg_hi[l], totals[l]);
        let fixed = crate::frontier_ipm::leg_fixed(lo / scale, hi / scale);
        if traded[l] && (fixed || t < lo || t > hi) {
            leg_row[l] = residual.len();
            residual.push(t.clamp(lo, hi) - t);
        }
    }
    // (ratio, row) for the ratio rows kept: each edge's column visits only these.
    let mut ratio_rows = Vec::new();
    for (r, ratio) in market.ratios.iter().enumerate() {
        let excess = totals[ratio.give] - ratio.give_per_get_max * totals[ratio.get];
        let touched = traded[ratio.give] || traded[ratio.get];
        if touched && (face.ratio_tight[r] || excess > 0.0) {
            ratio_rows.push((ratio, residual.len()));
            residual.push(-excess);
        }
    }
    let m = residual.len();
    if m == 0 || m > PROJECTION_MAX_ROWS {
        return None;
    }
    // The rows of one edge's column: its two legs, and the ratio rows of their swaps.
    let column = |e: usize, out: &mut Vec<(usize, f64)>| {
        let edge = &market.edges[e];
        out.clear();
        for l in [edge.supply, edge.demand] {
            if leg_row[l] != usize::MAX {
                out.push((leg_row[l], 1.0));
            }
        }
        for &(ratio, row) in &ratio_rows {
            let c = ratio.coefficient(edge);
            if c != 0.0 {
                out.push((row, c));
            }
        }
    };
    let dense = crate::dense_chol::Dense::new(m);
    let mut k = dense.values();
    let mut col = Vec::new();
    for e in (0..x.len()).filter(|&e| x[e] > 0.0) {
        column(e, &mut col);
        for &(a, ca) in &col {
            for &(b, cb) in &col {
                if b <= a {
                    let slot = dense.slot(a, b)?;
                    k[slot] += x[e] * ca * cb;
                }
            }
        }
    }
    if !dense.factor(&mut k) {
        return None;
    }
    let mut lambda = residual;
    dense.solve(&k, &mut lambda);
    for (e, xe) in x.iter_mut().enumerate() {
        if *xe > 0.0 {
            column(e, &mut col);
            let step: f64 = col.iter().map(|&(row, c)| c * lambda[row]).sum();
            let moved = *xe * (1.0 + step);
            // Also refuses a NaN from a broken solve.
            if moved.is_nan() || moved <= 0.0 {
                return None;
            }
            *xe = moved;
        }
    }
    on_face(market, face, &x).then_some(x)
}

fn settlement_of(c: Column, p_plus: Vec<bool>, pattern: usize) -> Settlement {
    Settlement {
        x: c.x,
        seller_share: c.share,
        utility: c.u,
        p_plus,
        pattern,
        oracle_prices: None,
        oracle_basis: None,
    }
}

/// What one first-order probe learns: the relative gap `(max_face Σ π u' − Σ w) / Σ w` at
/// `u`, `π = w / u`; the face edges worth adding to an edge subset — the oracle's support, plus
/// (on markets without ratio rows, where the leg duals alone price an edge) the edges whose
/// reduced profit is nearest zero, the edges `u*` is likely to need next (`None` when some
/// counted party is at zero); and the oracle's flow and edge weights, from which the gap of any
/// union of the face's components can be read (the oracle's LP separates over them).
struct Probe {
    gap: f64,
    wanted: Option<Vec<bool>>,
    flow: Vec<f64>,
    profit: Vec<f64>,
}

impl Probe {
    /// What is known of an answer that fails without the oracle's word (shown to fail on every
    /// component, or with a counted party at zero): no gap, no edges wanted.
    fn failed() -> Self {
        Self {
            gap: f64::INFINITY,
            wanted: None,
            flow: Vec::new(),
            profit: Vec::new(),
        }
    }

    /// The same probe wanting the oracle's support alone, without the near-tight edges.
    fn support_only(mut self) -> Self {
        if let Some(wanted) = self.wanted.as_mut() {
            for (want, &flow) in wanted.iter_mut().zip(&self.flow) {
                *want = flow > 0.0;
            }
        }
        self
    }

    /// The relative first-order gap over the edges in `edges` alone, for the counted weights
    /// `w` of the parties on them.
    fn gap_over(&self, edges: &[bool], w: &[f64]) -> f64 {
        if self.flow.is_empty() {
            return f64::INFINITY;
        }
        let value: f64 = (0..edges.len())
            .filter(|&e| edges[e] && self.flow[e] > 0.0)
            .map(|e| self.profit[e] * self.flow[e])
            .sum();
        let w_sum: f64 = w.iter().sum();
        if w_sum > 0.0 {
            value / w_sum - 1.0
        } else {
            0.0
        }
    }
}

/// The first-order probe of `u` over a face (see `Probe`).
fn probe_face(
    market: &Market,
    face: &Face,
    w: &[f64],
    u: &[f64],
    deadline: Deadline,
    window_ms: u64,
    carry: &mut Carry,
) -> Result<Probe> {
    let Some(pi) = oracle_weights(w, u) else {
        return Ok(Probe::failed());
    };
    let w_sum: f64 = w.iter().sum();
    let profit = oracle_profit(market, &pi);
    let r = oracle_lp(market, face, &profit, deadline, window_ms, carry)?;
    let mut value = 0.0;
    let mut wanted = vec![false; market.edges.len()];
    let mut near: Vec<(f64, usize)> = Vec::new();
    for (e, edge) in market.edges.iter().enumerate() {
        if r.x[e] > 0.0 {
            value += profit[e] * r.x[e];
            wanted[e] = true;
        } else if market.ratios.is_empty() && face.edge_allowed[e] && profit[e] > 0.0 {
            let reduced = profit[e] - r.leg_dual[edge.supply] - r.leg_dual[edge.demand];
            let relative = reduced / profit[e];
            near.push((relative, e));
        }
    }
    let gap = value / w_sum - 1.0;
    // Near-tight means within a multiple of the current gap: far from `u*` the duals say
    // little about which edges it needs, close to it they say a lot.
    let threshold = (NEAR_TIGHT_PER_GAP * gap).min(NEAR_TIGHT);
    near.retain(|&(rel, _)| rel >= -threshold);
    // The nearest first, at most one per four legs (measured best among 1/4, 1/2, 2 per leg):
    // enough to cut the rounds without making the sub-problem (and its Newton systems) as
    // dense as the face.
    near.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, e) in near.iter().take(market.legs.len() / 4) {
        wanted[e] = true;
    }
    Ok(Probe {
        gap,
        wanted: Some(wanted),
        flow: r.x,
        profit,
    })
}

/// Largest relative reduced profit (below zero) at which a face edge joins the subset of
/// edge generation.
const NEAR_TIGHT: f64 = 1e-2;
/// The same threshold relative to the current first-order gap (the smaller of the two wins).
const NEAR_TIGHT_PER_GAP: f64 = 10.0;

/// Faces with at most this many owner arcs (two per usable edge) skip edge generation: one
/// interior-point solve over the whole face costs less than the rounds of solves over growing
/// subsets (measured with the general method's sparse storage on the benchmark's GPU markets:
/// 20×20 to 100×100 components are faster whole, 300×300 ones — about 17,000 arcs each —
/// faster by edge generation). Grid faces (`bipartite_ipm.rs`) are solved whole: densely, 2.1×
/// faster than edge generation on the 300×300 components — at any size when their surplus is
/// additive (the exchange moves of `sparse_finish.rs` then make the answer sparse), else as
/// far as the response allows (`INTERIOR_TRADES_MAX`).
const WHOLE_FACE_MAX_ARCS: usize = 6000;

/// Most face edges solved whole by the interior-point method in one settlement. An interior
/// point keeps every edge of its face positive, so each becomes a trade, and a response must
/// stay under §6's 1 MiB (`MAX_JSON_BYTES`): a trade takes about 130 bytes, and 1,024 party
/// summaries about 200 KB, so 4,000 trades leave a margin. Measured: the 300×300 plain market
/// solved whole lists 29,952 trades, 4.4 MB; the largest components beyond this budget are
/// solved by edge generation, whose answers trade on a few edges per party — or, when they are
/// grids with additive surplus, whole and then thinned by exchange moves (`sparse_finish.rs`).
const INTERIOR_TRADES_MAX: usize = 4000;

/// Rounds of edge generation before the stage falls back to the whole face; each round adds
/// at least one edge, and a handful of rounds is typical.
const MAX_EDGE_ROUNDS: usize = 40;

/// Rounds of edge generation without halving the best first-order gap after which a gap
/// already below `NEAR_MISS` (what §3.2's validators accept) is taken as the answer: on
/// faces with lots and ratios the inner solves end a few 1e-9 from their optimum, and more
/// edges do not change that (measured on the benchmark's defer-swap 300×300 market: 5e-9 to
/// 2e-8 for 30 rounds once the oracle's LP was priced to the scale of its profits, 0.24 s a
/// round; 16 columns of column generation from the best of them only took 3.7e-9 to
/// 2.3e-9, for 1.6 s, so they are not spent).
const EDGE_STALL_ROUNDS: usize = 2;

/// Edge generation (see `nash_for_pattern`): `Some` settlement column with its first-order
/// gap over the whole face — at most `EDGE_STOP`, or at most `NEAR_MISS` when the rounds
/// stall or run out — or `None` when they end above it or the inner solve fails.
#[allow(clippy::too_many_arguments)] // the face, what is known of it, the run's limits and the oracle's basis
fn edge_generation(
    market: &Market,
    face: &Face,
    w: &[f64],
    columns: &[Column],
    mut probe: Option<Vec<bool>>,
    deadline: Deadline,
    window_ms: u64,
    carry: &mut Carry,
) -> Result<Option<(Column, f64)>> {
    let mut subset: Vec<bool> = vec![false; market.edges.len()];
    for c in columns {
        for (e, &xe) in c.x.iter().enumerate() {
            subset[e] |= xe > 0.0 && face.edge_allowed[e];
        }
    }
    let mut best: Option<(Column, f64)> = None;
    let mut since_best = 0;
    // Set when a round stopped early added no edge: the next solves the same subset to the end.
    let mut finish = false;
    let near_miss = |best: Option<(Column, f64)>| best.filter(|(_, gap)| *gap <= NEAR_MISS);
    for _ in 0..MAX_EDGE_ROUNDS {
        if deadline.passed() {
            return Err(NashError::deadline(window_ms));
        }
        if let Some(wanted) = probe.take() {
            for (e, &add) in wanted.iter().enumerate() {
                subset[e] |= add && face.edge_allowed[e];
            }
        }
        let sub = Face {
            edge_allowed: subset.clone(),
            ..face.clone()
        };
        // A round that is not the last only has to show which edges to add, and while the gap
        // is large the duals of a loose solve show them about as well as a tight one's. So the
        // interior point is offered to the test at a checkpoint set by the best gap so far
        // (`ROUND_CHECKPOINT`, `LOOSE_ROUNDS_ABOVE`), and stops there unless its allocation
        // already passes `EDGE_STOP`: then the round is the last, and it is finished to the
        // targets that make `u*` exact. A round stopped early adds the oracle's support only:
        // loose duals rank the near-tight edges poorly (with them, constrained markets took
        // more rounds than with tight solves; without them, fewer).
        let mut early: Option<Result<(Column, Probe)>> = None;
        let solved = {
            let mut stop = |x: &[f64], _: &[f64]| match interior_column(market, face, x.to_vec()) {
                None => false,
                Some(col) => {
                    match probe_face(market, face, w, &col.u, deadline, window_ms, carry) {
                        Ok(p) if p.gap <= EDGE_STOP => false,
                        Ok(p) => {
                            early = Some(Ok((col, p.support_only())));
                            true
                        }
                        Err(e) => {
                            early = Some(Err(e));
                            true
                        }
                    }
                }
            };
            let g = best
                .as_ref()
                .map_or(ROUND_GAP_CEILING, |(_, b)| b.min(ROUND_GAP_CEILING));
            let checkpoint = (!finish && g >= LOOSE_ROUNDS_ABOVE).then_some(Checkpoint {
                gap: ROUND_CHECKPOINT * g * g,
                stop: &mut stop,
            });
            crate::frontier_ipm::solve_until(market, &sub, w, deadline, checkpoint)
        };
        let stopped_early = early.is_some();
        let (
            col,
            Probe {
                gap, wanted: next, ..
            },
        ) = match early {
            Some(round) => round?,
            None => {
                let Some(col) = solved.and_then(|(x, _)| interior_column(market, face, x)) else {
                    return Ok(near_miss(best));
                };
                let probe = probe_face(market, face, w, &col.u, deadline, window_ms, carry)?;
                (col, probe)
            }
        };
        if gap <= EDGE_STOP {
            return Ok(Some((col, gap)));
        }
        // A round stopped early overstates its subset's gap: it does not count as a stall.
        match &best {
            Some((_, b)) if gap >= 0.5 * b => since_best += usize::from(!stopped_early),
            _ => since_best = 0,
        }
        if best.as_ref().is_none_or(|(_, b)| gap < *b) {
            best = Some((col, gap));
        }
        if since_best >= EDGE_STALL_ROUNDS && best.as_ref().is_some_and(|(_, b)| *b <= NEAR_MISS) {
            return Ok(best);
        }
        // Stalled: the oracle's answer adds no edge, so the sub-problem would not change.
        let grows = next.as_ref().is_some_and(|wanted| {
            wanted
                .iter()
                .enumerate()
                .any(|(e, &add)| add && face.edge_allowed[e] && !subset[e])
        });
        if !grows && !stopped_early {
            return Ok(near_miss(best));
        }
        finish = !grows;
        probe = next;
    }
    Ok(near_miss(best))
}

/// An interior point's allocation as a column: its dust dropped (`frontier_ipm::dust`),
/// projected onto the face, split exactly; `None` when it is too far off the face to project.
fn interior_column(market: &Market, face: &Face, mut x: Vec<f64>) -> Option<Column> {
    let dust = crate::frontier_ipm::dust(market);
    x.iter_mut().filter(|v| **v < dust).for_each(|v| *v = 0.0);
    onto_face(market, face, x).map(|x| split_allocation(market, &x))
}

/// The column with the best Nash objective.
fn best_column(market: &Market, w: &[f64], columns: Vec<Column>) -> Column {
    let mut best: Option<(f64, Column)> = None;
    for c in columns {
        let s = nash_value(&w[..market.parties.len()], &c.u);
        if best.as_ref().is_none_or(|(b, _)| s > *b) {
            best = Some((s, c));
        }
    }
    best.map(|(_, c)| c).unwrap_or_else(|| Column {
        u: Vec::new(),
        x: Vec::new(),
        share: Vec::new(),
    })
}

/// Simplicial decomposition: the master over the columns' utility vectors, the oracle for a
/// new vertex, until the first-order condition holds; then the mixed allocation split exactly.
/// Returns the settlement and its first-order gap.
fn column_generation(
    market: &Market,
    face: &Face,
    w: &[f64],
    mut columns: Vec<Column>,
    deadline: Deadline,
    window_ms: u64,
    carry: &mut Carry,
) -> Result<(Column, f64)> {
    let n = market.parties.len();
    let w_sum: f64 = w.iter().sum();
    let max_columns = columns.len() + n + MAX_COLUMNS_OVER_PARTIES;
    let mut lambda: Option<Vec<f64>> = None;
    loop {
        if deadline.passed() {
            return Err(NashError::deadline(window_ms));
        }
        let vectors: Vec<Vec<f64>> = columns.iter().map(|c| c.u.clone()).collect();
        let m = match solve_master(w, &vectors, lambda.as_deref()) {
            Ok(m) => m,
            Err(MasterError::Infeasible) => {
                return Err(NashError::internal(
                    "Nash master: a party of P+ has no column",
                ))
            }
            // The master is the last resort: keep the best column found so far; the response
            // then states honestly whether it passes the first-order test.
            Err(MasterError::Numerical) => {
                let best = best_column(market, w, columns);
                let gap = if best.u.len() == market.parties.len() {
                    probe_face(market, face, w, &best.u, deadline, window_ms, carry)?.gap
                } else {
                    f64::INFINITY
                };
                return Ok((best, gap));
            }
        };
        let pi: Vec<f64> = (0..n)
            .map(|i| if w[i] > 0.0 { w[i] / m.utility[i] } else { 0.0 })
            .collect();
        let (x, share, u) = oracle_from(market, face, &pi, deadline, window_ms, carry)?;
        let value: f64 = (0..n).map(|i| pi[i] * u[i]).sum();
        let stalled = columns.iter().any(|c| c.u == u) || columns.len() >= max_columns;
        if value <= (1.0 + FIRST_ORDER_STOP) * w_sum || stalled {
            lambda = Some(m.lambda);
            break;
        }
        let mut next = m.lambda;
        next.push(0.0);
        lambda = Some(next);
        columns.push(Column { u, x, share });
    }
    let lambda = lambda.unwrap_or_default();
    let mut x = vec![0.0; market.edges.len()];
    let mut share = vec![0.0; market.edges.len()];
    for (c, &l) in columns.iter().zip(&lambda) {
        if l > 0.0 {
            for e in 0..x.len() {
                x[e] += l * c.x[e];
                share[e] += l * c.share[e];
            }
        }
    }
    let zero = 1e-12 * quantity_scale(market);
    for e in 0..x.len() {
        if x[e] <= zero {
            x[e] = 0.0;
            share[e] = 0.0;
        }
    }
    let exact = split_allocation(market, &x);
    let exact_gap = probe_face(market, face, w, &exact.u, deadline, window_ms, carry)?.gap;
    if exact_gap <= FIRST_ORDER_STOP {
        return Ok((exact, exact_gap));
    }
    // The exact split of the mixed allocation is at least as good in the Nash objective as the
    // master's own mixture of settlements, but when the master stopped on its tolerance the
    // first-order test (the one validators apply) can prefer the mixture (measured: 1.9e-6
    // against -1.6e-9 on a 130-party market with lots and ratios): keep the better of the two.
    let mixed = Column {
        u: utilities(market, &x, &share),
        x,
        share,
    };
    let mixed_gap = probe_face(market, face, w, &mixed.u, deadline, window_ms, carry)?.gap;
    Ok(if mixed_gap < exact_gap {
        (mixed, mixed_gap)
    } else {
        (exact, exact_gap)
    })
}

/// Compare two settlements by the Nash objective over `P+`: more parties of `P+` with a positive
/// share first (log 0 is minus infinity), then `Σ w log u` over them.
fn nash_score(market: &Market, s: &Settlement, p_plus: &[bool]) -> (usize, f64) {
    let mut count = 0;
    let mut sum = 0.0;
    for (i, &u) in s.utility.iter().enumerate() {
        if p_plus[i] && u > 0.0 {
            count += 1;
            sum += market.parties[i].weight * u.ln();
        }
    }
    (count, sum)
}

/// The Nash stage over every optimal pattern: the settlement of the pattern whose Nash optimum
/// is best (first in search order on exact ties).
///
/// # Errors
/// `DEADLINE_EXCEEDED`, or `INTERNAL` when a kernel fails.
pub fn solve_nash(
    market: &Market,
    welfare: &Welfare,
    deadline: Deadline,
    window_ms: u64,
) -> Result<Settlement> {
    let mut settlements = Vec::with_capacity(welfare.patterns.len());
    for (k, p) in welfare.patterns.iter().enumerate() {
        settlements.push(nash_for_pattern(market, p, k, deadline, window_ms)?);
    }
    let n = market.parties.len();
    let p_plus: Vec<bool> = (0..n)
        .map(|i| settlements.iter().any(|s| s.p_plus[i]))
        .collect();
    let mut best: Option<(usize, (usize, f64))> = None;
    for (k, s) in settlements.iter().enumerate() {
        let score = nash_score(market, s, &p_plus);
        let better = match best {
            None => true,
            Some((_, (c, v))) => {
                score.0 > c || (score.0 == c && score.1 > v + 1e-12 * v.abs().max(1.0))
            }
        };
        if better {
            best = Some((k, score));
        }
    }
    let k = best.map_or(0, |(k, _)| k);
    let mut chosen = settlements.swap_remove(k);
    chosen.p_plus = p_plus;
    Ok(chosen)
}

/// The benchmark's market generator, for the tests below.
#[cfg(test)]
#[path = "../benches/settlement_market.rs"]
#[allow(dead_code, reason = "the tests use one of the generator's markets")]
mod gen;

#[cfg(test)]
mod tests {
    use super::gen;
    use super::*;
    use crate::challenge::fixture;
    use crate::edges::build_market;
    use crate::welfare::{leg_totals, solve_welfare};

    /// The benchmark generator's `n × n` market: its welfare face, the welfare allocation split
    /// exactly (with P+ discovery's columns), and the counted weights.
    fn generated_face(n: usize, seed: u64) -> (Market, Face, Vec<Column>, Vec<f64>) {
        let market = build_market(
            &crate::challenge::parse_challenge(&gen::market(n, n, seed)).expect("valid"),
        );
        let welfare = solve_welfare(&market, Deadline::none(), 0).expect("welfare");
        let face = pattern_face(&market, &welfare.patterns[0]);
        let mut columns = vec![split_allocation(&market, &welfare.patterns[0].relaxed.x)];
        let p_plus = discover_p_plus(&market, &face, &mut columns, Deadline::none(), 0, &mut None)
            .expect("P+");
        let w = counted_weights(&market, &p_plus);
        (market, face, columns, w)
    }

    /// A checkpoint the caller declines must leave the interior point's answer bit for bit as
    /// without one (edge generation's last round is finished that way), and one it accepts
    /// must return the allocation it was shown, taken at the checkpoint's gap: short of the
    /// targets, so not the finished answer.
    #[test]
    fn an_interior_point_stops_at_a_checkpoint_only_when_asked() {
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
        for (n, seed) in [(8, 5), (20, 6)] {
            let (market, face, _, w) = generated_face(n, seed);
            let whole = crate::frontier_ipm::solve(&market, &face, &w, Deadline::none())
                .expect("the whole face solves");
            // Solved with a checkpoint at 1e-6 whose question `stop` answers.
            let solve_with = |stop: &mut dyn FnMut(&[f64], &[f64]) -> bool| {
                let checkpoint = Checkpoint { gap: 1e-6, stop };
                crate::frontier_ipm::solve_until(
                    &market,
                    &face,
                    &w,
                    Deadline::none(),
                    Some(checkpoint),
                )
            };
            let mut asked = 0;
            let finished = solve_with(&mut |_, _| {
                asked += 1;
                false
            })
            .expect("it solves");
            assert_eq!(asked, 1, "{n}x{n}: asked once");
            assert_eq!(bits(&finished.0), bits(&whole.0), "{n}x{n}: flows");
            assert_eq!(bits(&finished.1), bits(&whole.1), "{n}x{n}: shares");

            let mut shown = None;
            let stopped = solve_with(&mut |x, share| {
                shown = Some((x.to_vec(), share.to_vec()));
                true
            })
            .expect("it stops");
            let (x, share) = shown.expect("shown an iterate");
            assert_eq!(bits(&stopped.0), bits(&x), "{n}x{n}: the flows shown");
            assert_eq!(bits(&stopped.1), bits(&share), "{n}x{n}: the shares shown");
            assert_ne!(bits(&stopped.0), bits(&whole.0), "{n}x{n}: stopped short");
            // The allocation is far from unique on these faces; the utilities are.
            let (u_stopped, u_whole) = (
                utilities(&market, &stopped.0, &stopped.1),
                utilities(&market, &whole.0, &whole.1),
            );
            let largest = u_whole.iter().fold(0.0_f64, |a, &b| a.max(b));
            let off = u_stopped
                .iter()
                .zip(&u_whole)
                .fold(0.0_f64, |a, (s, t)| a.max((s - t).abs()));
            assert!(
                off > 0.0 && off <= 1e-3 * largest,
                "{n}x{n}: near the answer, not at it ({off} of {largest})"
            );
        }
    }

    /// The interior point runs as an AVX2 build where the processor has it (`wide.rs`); on
    /// every component of plain markets it must give the baseline build's bits (flows, shares
    /// and leg prices), or responses would differ between machines.
    #[test]
    fn the_wide_interior_point_gives_the_baseline_bits() {
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
        let mut grids = 0;
        for (n, seed) in [(6, 1), (20, 2), (40, 3)] {
            let market = build_market(
                &crate::challenge::parse_challenge(&gen::market(n, n, seed)).expect("valid"),
            );
            let welfare = solve_welfare(&market, Deadline::none(), 0).expect("welfare");
            let face = pattern_face(&market, &welfare.patterns[0]);
            let w: Vec<f64> = market.parties.iter().map(|p| p.weight).collect();
            for edges in face_components(&market, &face, &w) {
                let sub = component_face(&market, &face, &edges);
                let Some(grid) = crate::bipartite_ipm::Grid::of(&market, &sub) else {
                    continue;
                };
                let wide = crate::bipartite_ipm::solve(&market, &sub, &grid, &w, Deadline::none())
                    .expect("converges");
                let base = crate::bipartite_ipm::solve_baseline(
                    &market,
                    &sub,
                    &grid,
                    &w,
                    Deadline::none(),
                )
                .expect("converges");
                assert_eq!(bits(&wide.x), bits(&base.x), "{n}x{n}: flows");
                assert_eq!(bits(&wide.share), bits(&base.share), "{n}x{n}: shares");
                assert_eq!(
                    bits(&wide.leg_dual),
                    bits(&base.leg_dual),
                    "{n}x{n}: prices"
                );
                grids += 1;
            }
        }
        assert!(grids >= 6, "only {grids} grid components");
    }

    /// An exchange of partners is a settlement of the face, so its gap is a lower bound on the
    /// oracle's: on plain markets it shows the welfare allocation's split failing every
    /// component (so the whole-face probe is skipped), never by more than the oracle measures;
    /// where the split passes (a fixture whose face is one allocation), it shows nothing.
    #[test]
    fn an_exchange_of_partners_bounds_the_first_order_gap_from_below() {
        let mut skipped = 0;
        for (n, seed) in [(6, 1), (20, 2), (40, 3), (100, 4)] {
            let (market, face, columns, w) = generated_face(n, seed);
            let probe = probe_face(
                &market,
                &face,
                &w,
                &columns[0].u,
                Deadline::none(),
                0,
                &mut None,
            )
            .expect("probe");
            let components = face_components(&market, &face, &w);
            for edges in &components {
                let w_c = weights_within(&w, &parties_of(&market, edges));
                let oracle_gap = probe.gap_over(edges, &w_c);
                let gap = exchange_gap(&market, &face, edges, &w, &columns[0])
                    .expect("an exchange gains on a plain component");
                assert!(
                    gap <= oracle_gap * (1.0 + 1e-12) + 1e-15,
                    "{n}x{n}: exchange {gap} above the oracle's {oracle_gap}"
                );
            }
            if exchange_fails(&market, &face, &w, &columns[0], &components) {
                skipped += 1;
            }
        }
        assert_eq!(skipped, 4, "every plain market skips the probe");
        let market = build_market(&fixture("two-party"));
        let welfare = solve_welfare(&market, Deadline::none(), 0).expect("welfare");
        let face = pattern_face(&market, &welfare.patterns[0]);
        let first = split_allocation(&market, &welfare.patterns[0].relaxed.x);
        let w: Vec<f64> = market.parties.iter().map(|p| p.weight).collect();
        for edges in face_components(&market, &face, &w) {
            assert!(exchange_gap(&market, &face, &edges, &w, &first).is_none());
        }
    }

    /// An allocation a little off its face's fixed legs (as an interior point can end) is
    /// projected back onto them, every trade kept positive; one on the face is kept as it is.
    #[test]
    fn an_allocation_just_off_its_face_is_projected_onto_it() {
        let market = build_market(&fixture("seed-three-party"));
        let welfare = solve_welfare(&market, Deadline::none(), 0).expect("solves");
        let pattern = &welfare.patterns[0];
        let face = pattern_face(&market, pattern);
        let x = pattern.relaxed.x.clone();
        assert!(on_face(&market, &face, &x));
        assert_eq!(onto_face(&market, &face, x.clone()), Some(x.clone()));

        // Every trade 3e-6 short: each leg misses its fixed total by 3 × §3's tolerance.
        let off: Vec<f64> = x.iter().map(|v| v * (1.0 - 3e-6)).collect();
        assert!(!on_face(&market, &face, &off));
        let back = onto_face(&market, &face, off.clone()).expect("projected");
        assert!(on_face(&market, &face, &back));
        let (want, got) = (leg_totals(&market, &x), leg_totals(&market, &back));
        for (l, (a, b)) in want.iter().zip(&got).enumerate() {
            if face.leg_hi[l] - face.leg_lo[l] <= 1e-12 {
                assert!((a - b).abs() <= 1e-9 * a.max(1.0), "leg {l}: {b} for {a}");
            }
        }
        for (e, (&before, &after)) in off.iter().zip(&back).enumerate() {
            assert_eq!(before > 0.0, after > 0.0, "edge {e} keeps its sign");
        }
    }

    /// Newton's method on a grid answer's pattern (`grid_polish.rs`), from the interior
    /// point's exchanged and exactly split answer: every trade it keeps is tight at its owner's
    /// `π = w / u` and the prices it returns, every fixed leg total holds, its Nash objective is
    /// no lower and the first-order bound at those prices is at rounding (1e-10 and above
    /// before). From a start moved off the solution (every trade scaled by up to 1e-4, the legs
    /// broken) it finds the same utilities: it solves the equations, it does not hand back its
    /// input. Where the stage would skip it (`POLISH_ABOVE`), it moves no utility by more than
    /// 1e-10 of the largest.
    #[test]
    fn newton_on_the_pattern_solves_the_optimality_conditions() {
        let (mut polished, mut skipped) = (0, 0);
        for (n, seed) in [(10, 4), (30, 5), (60, 6)] {
            let (market, face, _, w) = generated_face(n, seed);
            for edges in face_components(&market, &face, &w) {
                let sub = component_face(&market, &face, &edges);
                let inside = parties_of(&market, &edges);
                let w_c = weights_within(&w, &inside);
                let Some(grid) = crate::bipartite_ipm::Grid::of(&market, &sub) else {
                    continue;
                };
                let surplus = crate::sparse_finish::additive(&market, &grid).expect("plain");
                let ipm = crate::bipartite_ipm::solve(&market, &sub, &grid, &w_c, Deadline::none())
                    .expect("converges");
                let xs = crate::sparse_finish::exchanged(
                    &market,
                    &grid,
                    &surplus,
                    &ipm.x,
                    &ipm.share,
                    Deadline::none(),
                )
                .and_then(|xs| onto_face(&market, &sub, xs))
                .expect("exchanged");
                let col = split_allocation(&market, &xs);
                let polish = |x: &[f64], share: &[f64]| {
                    crate::grid_polish::polish(
                        &market,
                        &sub,
                        &grid,
                        &w_c,
                        x,
                        share,
                        &ipm.leg_dual,
                        Deadline::none(),
                    )
                    .expect("the pattern's equations are solved")
                };
                let p = polish(&col.x, &col.share);
                let u = utilities(&market, &p.x, &p.share);
                let tag = format!(
                    "{n}x{n} seed {seed}, {} parties",
                    inside.iter().filter(|&&i| i).count()
                );
                assert!(on_face(&market, &sub, &p.x), "{tag}: on the face");
                let pi = oracle_weights(&w_c, &u).expect("every counted party gains");
                for (e, edge) in market
                    .edges
                    .iter()
                    .enumerate()
                    .filter(|&(e, _)| p.x[e] > 0.0)
                {
                    let total = edge.surplus * p.x[e];
                    let (ps, pb) = (pi[edge.seller], pi[edge.buyer]);
                    let owner = if p.share[e] >= total { ps } else { pb };
                    let price = p.leg_price[edge.supply] + p.leg_price[edge.demand];
                    assert!(
                        (owner * edge.surplus - price).abs() <= 1e-10 * price.abs().max(1e-300),
                        "{tag}: edge {e} tight ({} against {price})",
                        owner * edge.surplus
                    );
                    if p.share[e] > 0.0 && p.share[e] < total {
                        assert!(
                            (ps - pb).abs() <= 1e-10 * ps,
                            "{tag}: a split edge's sides level"
                        );
                    }
                }
                assert!(
                    nash_value(&w_c, &u) >= nash_value(&w_c, &col.u) - 1e-12,
                    "{tag}: no lower objective"
                );
                let bound = dual_gap(&market, &sub, &w_c, &u, &p.leg_price);
                assert!(bound <= 1e-12, "{tag}: first-order bound {bound:e}");
                // Where the stage skips the polish (`POLISH_ABOVE`), it had little to move.
                let top = u.iter().fold(0.0_f64, |a, &b| a.max(b));
                if dual_gap(&market, &sub, &w_c, &col.u, &ipm.leg_dual) <= POLISH_ABOVE {
                    skipped += 1;
                    for i in (0..u.len()).filter(|&i| w_c[i] > 0.0) {
                        assert!(
                            (u[i] - col.u[i]).abs() <= 1e-10 * top,
                            "{tag}: a skipped polish moves party {i} by {}",
                            u[i] - col.u[i]
                        );
                    }
                }
                // The same solution from a start off it.
                let moved: Vec<f64> = col
                    .x
                    .iter()
                    .enumerate()
                    .map(|(e, &x)| x * (1.0 + 1e-4 * ((e as f64) * 0.7).sin()))
                    .collect();
                let moved_share: Vec<f64> = col
                    .share
                    .iter()
                    .zip(moved.iter().zip(&col.x))
                    .map(|(&s, (&m, &x))| if x > 0.0 { s * m / x } else { 0.0 })
                    .collect();
                assert!(!on_face(&market, &sub, &moved) || moved != col.x);
                let q = polish(&moved, &moved_share);
                let uq = utilities(&market, &q.x, &q.share);
                for i in (0..u.len()).filter(|&i| w_c[i] > 0.0) {
                    assert!(
                        (u[i] - uq[i]).abs() <= 1e-10 * top,
                        "{tag}: party {i} {} against {}",
                        u[i],
                        uq[i]
                    );
                }
                polished += 1;
            }
        }
        assert!(polished >= 6, "only {polished} grid components");
        // Both sides of `POLISH_ABOVE` are exercised (7 of 9 components skip it today).
        assert!(
            skipped >= 1 && skipped < polished,
            "{skipped} of {polished} below the threshold"
        );
    }
}
