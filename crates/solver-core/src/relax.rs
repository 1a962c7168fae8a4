//! One linear relaxation of the welfare problem at a branch-and-bound node, and the optimal face
//! it describes. Both engines sit behind it: the network simplex when the market is a plain
//! transportation problem, the bounded simplex when swap ratios add side constraints.
//!
//! Lower bounds (all-or-nothing legs fixed "on") are made soft with an exact penalty: an
//! artificial arc per bounded leg with profit `-M`, `M` larger than any augmenting path can
//! gain. The relaxation is then always feasible, its optimal duals restricted to the real legs
//! are feasible duals of the hard problem, and a node whose lower bounds cannot be met shows it
//! as flow on an artificial arc and a bound far below any real welfare. That is what lets an
//! infeasible branch carry a dual certificate like any other leaf.

use crate::deadline::Deadline;
use crate::error::{NashError, Result};
use crate::flow::{solve_transport, FlowError, Transport, TransportSolution};
use crate::lp::{solve_lp_from, Lp, LpError, Warm};
use crate::market::{Market, Side};

/// How a branch-and-bound node fixes one leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LegFix {
    /// Relaxed: total in `[0, max]`.
    Free,
    /// Not traded: total 0.
    Off,
    /// Traded: total in `[min, max]`.
    On,
}

/// Bounds of every leg's total under a fixing.
#[must_use]
pub fn leg_bounds(market: &Market, fix: &[LegFix]) -> (Vec<f64>, Vec<f64>) {
    let mut lo = Vec::with_capacity(market.legs.len());
    let mut hi = Vec::with_capacity(market.legs.len());
    for (leg, f) in market.legs.iter().zip(fix) {
        match f {
            LegFix::Free => {
                lo.push(0.0);
                hi.push(leg.max);
            }
            LegFix::Off => {
                lo.push(0.0);
                hi.push(0.0);
            }
            LegFix::On => {
                lo.push(leg.min);
                hi.push(leg.max);
            }
        }
    }
    (lo, hi)
}

/// The upper bound that leg prices `leg_dual` and ratio prices `ratio_dual` give on the welfare
/// of every flow within leg bounds `[lo, hi]` (weak LP duality):
/// `Σ_l (y_l⁺ · hi_l − y_l⁻ · lo_l) + Σ_e max(0, rc_e) · min(hi_supply(e), hi_demand(e))`; the
/// second sum charges any dual infeasibility, so inexact prices still give a true bound. The
/// welfare certificate (`certificate.rs`) checks exactly this per leaf.
#[must_use]
pub fn dual_bound(
    market: &Market,
    lo: &[f64],
    hi: &[f64],
    leg_dual: &[f64],
    ratio_dual: &[f64],
) -> f64 {
    let mut bound: f64 = leg_dual
        .iter()
        .zip(lo.iter().zip(hi))
        .map(|(&y, (&l, &h))| y.max(0.0) * h - (-y).max(0.0) * l)
        .sum();
    let rc = reduced_costs(market, leg_dual, ratio_dual);
    for (e, edge) in market.edges.iter().enumerate() {
        if rc[e] > 0.0 {
            bound += rc[e] * hi[edge.supply].min(hi[edge.demand]);
        }
    }
    bound
}

/// A restriction of the relaxation to (a superset of) its optimal face: edges that may carry
/// flow, and per-leg bounds tightened to equalities where complementary slackness demands it.
#[derive(Debug, Clone, PartialEq)]
pub struct Face {
    pub edge_allowed: Vec<bool>,
    pub leg_lo: Vec<f64>,
    pub leg_hi: Vec<f64>,
    /// Ratio rows that must hold with equality (positive dual).
    pub ratio_tight: Vec<bool>,
}

/// An optimal solution of one relaxation.
#[derive(Debug, Clone, PartialEq)]
pub struct Relaxed {
    /// Flow per edge.
    pub x: Vec<f64>,
    /// Objective without the penalty of artificial flow.
    pub value: f64,
    /// Objective of the penalised problem: a valid upper bound for the node.
    pub bound: f64,
    /// Flow on artificial arcs: > 0 means the node's lower bounds cannot be met.
    pub artificial: f64,
    /// Dual per leg (`y > 0`: the leg's upper bound binds; `y < 0`: its lower bound).
    pub leg_dual: Vec<f64>,
    /// Dual per ratio row (>= 0).
    pub ratio_dual: Vec<f64>,
}

impl Relaxed {
    /// True when the node's bounds are all met.
    #[must_use]
    pub fn feasible(&self, scale: f64) -> bool {
        self.artificial <= 1e-9 * scale.max(1.0)
    }
}

/// Scale of the market's quantities, for tolerances.
#[must_use]
pub fn quantity_scale(market: &Market) -> f64 {
    market.legs.iter().map(|l| l.max).fold(1.0, f64::max)
}

/// Scale of the market's surpluses, for tolerances.
#[must_use]
pub fn surplus_scale(market: &Market) -> f64 {
    market
        .edges
        .iter()
        .map(|e| e.surplus.abs())
        .fold(1.0, f64::max)
}

fn penalty(market: &Market, profit: &[f64]) -> f64 {
    // Any augmenting path alternates legs, so it gains at most (legs) x (largest profit); a
    // penalty above that makes artificial flow unprofitable whenever real flow is possible.
    let max_profit = profit.iter().map(|p| p.abs()).fold(1.0, f64::max);
    (market.legs.len() as f64 + 2.0) * max_profit * 4.0
}

fn flow_error(e: FlowError, window: u64) -> NashError {
    match e {
        FlowError::Deadline => NashError::deadline(window),
        FlowError::Infeasible => {
            NashError::internal("the penalised transportation problem reported infeasible")
        }
        FlowError::Unbounded => NashError::internal("the transportation problem is unbounded"),
        FlowError::Invalid => NashError::internal("the transportation problem was malformed"),
        FlowError::Numerical => NashError::internal("the network simplex lost numerical stability"),
    }
}

fn lp_error(e: LpError, window: u64) -> NashError {
    match e {
        LpError::Deadline => NashError::deadline(window),
        LpError::Infeasible => NashError::internal("the penalised LP reported infeasible"),
        LpError::Unbounded => NashError::internal("the welfare LP reported unbounded"),
        LpError::Numerical => NashError::internal("the LP engine lost numerical stability"),
        LpError::Invalid => NashError::internal("the LP was malformed"),
        LpError::TooLarge => NashError::internal("the LP has more rows than the engine takes"),
    }
}

/// Maximise `profit · x` over the market with leg bounds `lo..hi`, edges restricted to
/// `allowed` (all when `None`) and ratio rows, `tight` ones as equalities.
///
/// # Errors
/// `DEADLINE_EXCEEDED`, or `INTERNAL` if an engine fails.
#[allow(clippy::too_many_arguments)] // one call site per stage; a struct would only rename them
pub fn maximise(
    market: &Market,
    lo: &[f64],
    hi: &[f64],
    allowed: Option<&[bool]>,
    ratio_tight: Option<&[bool]>,
    profit: &[f64],
    deadline: Deadline,
    window_ms: u64,
) -> Result<Relaxed> {
    maximise_from(
        market,
        lo,
        hi,
        allowed,
        ratio_tight,
        profit,
        deadline,
        window_ms,
        &mut None,
    )
}

/// [`maximise`] for a sequence of problems that differ only in `profit`: when the general LP
/// is needed (active ratio rows), it starts from the basis the previous solve in `warm` ended
/// on (`lp::Warm`), and leaves its own there. The transportation form does not use it.
///
/// # Errors
/// As [`maximise`].
#[allow(clippy::too_many_arguments)] // `maximise`'s arguments and the basis it carries over
pub fn maximise_from(
    market: &Market,
    lo: &[f64],
    hi: &[f64],
    allowed: Option<&[bool]>,
    ratio_tight: Option<&[bool]>,
    profit: &[f64],
    deadline: Deadline,
    window_ms: u64,
    warm: &mut Option<Warm>,
) -> Result<Relaxed> {
    let m = penalty(market, profit);
    let n_legs = market.legs.len();
    let usable: Vec<usize> = (0..market.edges.len())
        .filter(|&e| allowed.is_none_or(|a| a[e]))
        .collect();
    let bounded: Vec<usize> = (0..n_legs).filter(|&l| lo[l] > 0.0).collect();
    // Both engines price optimality to the usable edges' profits, not to the penalty arcs'
    // (hundreds of times larger): relative to the penalty the network simplex stopped with
    // reduced costs up to 2e-8 of the real profits (measured on the plain 300×300 market's
    // first-order probes), the oracle's value up to 2.4e-8 below a settlement known to be on
    // the face; the bounded simplex, 2e-6 below on a face with swaps.
    let cost_scale = Some(usable.iter().fold(0.0, |a: f64, &e| a.max(profit[e].abs())));
    // Only the rows the usable edges reach matter: on a component's face (the Nash stage's
    // probes) the other legs' rows are empty and the other ratio rows read `0 ≤ 0`. Without an
    // active ratio row the problem is a transportation problem even when the market has swaps
    // elsewhere (measured: a 300×300 market with swaps spent 93% of 33 s in the dense simplex
    // on such probes).
    let mut has_arc = vec![false; n_legs];
    for &e in &usable {
        has_arc[market.edges[e].supply] = true;
        has_arc[market.edges[e].demand] = true;
    }
    let active: Vec<usize> = (0..market.ratios.len())
        .filter(|&r| has_arc[market.ratios[r].give] || has_arc[market.ratios[r].get])
        .collect();

    if active.is_empty() {
        let parts = Parts::of(Transportation {
            market,
            lo,
            hi,
            usable: &usable,
            bounded: &bounded,
            profit,
            m,
            cost_scale,
        });
        let threads = if parts.arcs() >= PARALLEL_MIN_ARCS {
            crate::parallel::worker_threads()
        } else {
            1
        };
        let (cols, objective, leg_dual) = parts
            .solve(threads, deadline)
            .map_err(|e| flow_error(e, window_ms))?;
        let (x, value, artificial) = unpack(market, &usable, profit, &cols);
        return Ok(Relaxed {
            x,
            value,
            bound: objective,
            artificial,
            leg_dual,
            ratio_dual: vec![0.0; market.ratios.len()],
        });
    }

    // General LP: columns are the usable edges then one artificial column per bounded leg;
    // rows are the legs the edges reach or that are bounded, then the active ratio rows.
    let mut leg_row = vec![usize::MAX; n_legs];
    let mut row_lo = Vec::new();
    let mut row_hi = Vec::new();
    for l in 0..n_legs {
        if has_arc[l] || lo[l] > 0.0 {
            leg_row[l] = row_lo.len();
            row_lo.push(lo[l]);
            row_hi.push(hi[l]);
        }
    }
    let n_leg_rows = row_lo.len();
    let n_cols = usable.len() + bounded.len();
    let mut rows: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n_leg_rows + active.len()];
    let mut c = Vec::with_capacity(n_cols);
    for (k, &e) in usable.iter().enumerate() {
        let edge = &market.edges[e];
        rows[leg_row[edge.supply]].push((k, 1.0));
        rows[leg_row[edge.demand]].push((k, 1.0));
        c.push(profit[e]);
    }
    for (j, &l) in bounded.iter().enumerate() {
        rows[leg_row[l]].push((usable.len() + j, 1.0));
        c.push(-m);
    }
    for (a, &r) in active.iter().enumerate() {
        let ratio = &market.ratios[r];
        let row = &mut rows[n_leg_rows + a];
        for (k, &e) in usable.iter().enumerate() {
            let edge = &market.edges[e];
            if edge.supply == ratio.give {
                row.push((k, 1.0));
            }
            if edge.demand == ratio.get {
                row.push((k, -ratio.give_per_get_max));
            }
        }
        let tight = ratio_tight.is_some_and(|t| t[r]);
        row_lo.push(if tight { 0.0 } else { f64::NEG_INFINITY });
        row_hi.push(0.0);
    }
    let lp = Lp {
        c,
        upper: vec![f64::INFINITY; n_cols],
        rows,
        row_lo,
        row_hi,
        cost_scale,
    };
    let sol = solve_lp_from(&lp, deadline, warm).map_err(|e| lp_error(e, window_ms))?;
    let (x, value, artificial) = unpack(market, &usable, profit, &sol.x);
    // Rows left out are empty or `0 ≤ 0`: their duals are 0.
    let leg_dual = leg_row
        .iter()
        .map(|&r| {
            if r == usize::MAX {
                0.0
            } else {
                sol.row_dual[r]
            }
        })
        .collect();
    let mut ratio_dual = vec![0.0; market.ratios.len()];
    for (a, &r) in active.iter().enumerate() {
        ratio_dual[r] = sol.row_dual[n_leg_rows + a].max(0.0);
    }
    Ok(Relaxed {
        x,
        value,
        bound: sol.objective,
        artificial,
        leg_dual,
        ratio_dual,
    })
}

/// Transportation problems with at least this many arcs in all are solved part by part on
/// several threads when they fall apart into several (below it a thread costs more than it
/// saves: a 20×20 market's oracle takes about 20 µs).
const PARALLEL_MIN_ARCS: usize = 1000;

/// The transportation form of `maximise`: per usable edge an arc between its legs, per bounded
/// leg an artificial arc of profit `−m` to an artificial node of the other side — cut into the
/// parts it falls apart into.
///
/// When the usable edges fall apart into several connected sets of legs (a market's resources,
/// the components of a face), each set is its own problem with its own pair of artificial
/// nodes (they have no bounds, so one shared pair couples nothing), solved on its own, on
/// several threads when the whole is large. Measured on the benchmark's plain 100×100 market
/// (three parts), before: the Nash stage's whole-face first-order probe and the self-check's
/// oracle took 0.36 and 0.51 ms as one problem each, on one thread while the other waited.
struct Parts<'a> {
    problem: Transportation<'a>,
    parts: Vec<Part>,
}

/// What `maximise` hands the transportation form: the market, the leg bounds, the usable edges
/// and bounded legs (the columns, in this order), the profits and the artificial arcs' penalty.
#[derive(Clone, Copy)]
struct Transportation<'a> {
    market: &'a Market,
    lo: &'a [f64],
    hi: &'a [f64],
    usable: &'a [usize],
    bounded: &'a [usize],
    profit: &'a [f64],
    m: f64,
    cost_scale: Option<f64>,
}

/// One part: its legs (its problem's nodes, in this order, then the two artificial ones) and
/// its columns (indices into the usable edges, then the bounded legs).
struct Part {
    legs: Vec<usize>,
    columns: Vec<usize>,
}

impl<'a> Parts<'a> {
    /// The parts, numbered by their smallest leg; one part over every leg when the problem
    /// does not fall apart (legs without arcs are then isolated nodes, with dual 0).
    fn of(problem: Transportation<'a>) -> Self {
        let Transportation {
            market,
            usable,
            bounded,
            ..
        } = problem;
        let n_legs = market.legs.len();
        let mut joins = crate::union_find::Joins::new(n_legs);
        let mut in_problem = vec![false; n_legs];
        for &e in usable {
            let edge = &market.edges[e];
            in_problem[edge.supply] = true;
            in_problem[edge.demand] = true;
            joins.join(edge.supply, edge.demand);
        }
        for &l in bounded {
            in_problem[l] = true;
        }
        let mut part_of_root = vec![usize::MAX; n_legs];
        let mut part_of_leg = vec![usize::MAX; n_legs];
        // Per part: legs, columns (counted first, so that each list is allocated once).
        let mut sizes: Vec<(usize, usize)> = Vec::new();
        for l in (0..n_legs).filter(|&l| in_problem[l]) {
            let r = joins.root(l);
            if part_of_root[r] == usize::MAX {
                part_of_root[r] = sizes.len();
                sizes.push((0, 0));
            }
            part_of_leg[l] = part_of_root[r];
            sizes[part_of_leg[l]].0 += 1;
        }
        let columns = usable.len() + bounded.len();
        let parts = if sizes.len() <= 1 {
            vec![Part {
                legs: (0..n_legs).collect(),
                columns: (0..columns).collect(),
            }]
        } else {
            let part_of_column = |c: usize| match usable.get(c) {
                Some(&e) => part_of_leg[market.edges[e].supply],
                None => part_of_leg[bounded[c - usable.len()]],
            };
            for c in 0..columns {
                sizes[part_of_column(c)].1 += 1;
            }
            let mut parts: Vec<Part> = sizes
                .iter()
                .map(|&(legs, columns)| Part {
                    legs: Vec::with_capacity(legs),
                    columns: Vec::with_capacity(columns),
                })
                .collect();
            for l in (0..n_legs).filter(|&l| in_problem[l]) {
                parts[part_of_leg[l]].legs.push(l);
            }
            for c in 0..columns {
                parts[part_of_column(c)].columns.push(c);
            }
            parts
        };
        Self { problem, parts }
    }

    /// Arcs of the whole problem.
    fn arcs(&self) -> usize {
        self.problem.usable.len() + self.problem.bounded.len()
    }

    /// The transportation problem of one part.
    fn problem(&self, part: &Part) -> Transport {
        let p = &self.problem;
        let market = p.market;
        let mut node = vec![usize::MAX; market.legs.len()];
        let mut node_lo = Vec::with_capacity(part.legs.len() + 2);
        let mut node_hi = Vec::with_capacity(part.legs.len() + 2);
        for (k, &l) in part.legs.iter().enumerate() {
            node[l] = k;
            node_lo.push(p.lo[l]);
            node_hi.push(p.hi[l]);
        }
        // One artificial demand node, then one artificial supply node.
        let (art_demand, art_supply) = (part.legs.len(), part.legs.len() + 1);
        node_lo.extend([0.0, 0.0]);
        node_hi.extend([f64::INFINITY, f64::INFINITY]);
        let mut arcs = Vec::with_capacity(part.columns.len());
        let mut profit = Vec::with_capacity(part.columns.len());
        for &c in &part.columns {
            if let Some(&e) = p.usable.get(c) {
                let edge = &market.edges[e];
                arcs.push((node[edge.supply], node[edge.demand]));
                profit.push(p.profit[e]);
            } else {
                let l = p.bounded[c - p.usable.len()];
                match market.legs[l].side {
                    Side::Supply => arcs.push((node[l], art_demand)),
                    Side::Demand => arcs.push((art_supply, node[l])),
                }
                profit.push(-p.m);
            }
        }
        Transport {
            node_lo,
            node_hi,
            arcs,
            profit,
            cost_scale: p.cost_scale,
        }
    }

    /// Every part solved, on up to `threads` threads, and joined: the columns, the penalised
    /// objective (summed in part order) and the leg duals — the same bits for any `threads`.
    fn solve(
        &self,
        threads: usize,
        deadline: Deadline,
    ) -> std::result::Result<(Vec<f64>, f64, Vec<f64>), FlowError> {
        let parts = &self.parts;
        let solve = |part: &Part| solve_transport(&self.problem(part), deadline);
        let threads = threads.min(parts.len());
        let solutions: Vec<std::result::Result<TransportSolution, FlowError>> = if threads > 1 {
            // Largest first, so that a large part does not start last.
            let mut order: Vec<usize> = (0..parts.len()).collect();
            order.sort_by(|&a, &b| {
                parts[b]
                    .columns
                    .len()
                    .cmp(&parts[a].columns.len())
                    .then(a.cmp(&b))
            });
            let jobs: Vec<&Part> = order.iter().map(|&k| &parts[k]).collect();
            let done = crate::parallel::in_parallel(jobs, threads, &solve);
            let mut by_part: Vec<Option<_>> = (0..parts.len()).map(|_| None).collect();
            for (k, r) in order.into_iter().zip(done) {
                by_part[k] = r;
            }
            by_part
                .into_iter()
                .map(|r| r.unwrap_or(Err(FlowError::Numerical)))
                .collect()
        } else {
            parts.iter().map(solve).collect()
        };
        let mut cols = vec![0.0; self.arcs()];
        let mut leg_dual = vec![0.0; self.problem.market.legs.len()];
        let mut objective = 0.0;
        for (part, sol) in parts.iter().zip(solutions) {
            let sol = sol?;
            for (&c, &x) in part.columns.iter().zip(&sol.x) {
                cols[c] = x;
            }
            for (&l, &y) in part.legs.iter().zip(&sol.dual) {
                leg_dual[l] = y;
            }
            objective += sol.objective;
        }
        Ok((cols, objective, leg_dual))
    }
}

/// Engine columns back to edges: the flow per edge, its objective without the penalty, and
/// the flow left on the artificial columns (which follow the usable edges).
fn unpack(market: &Market, usable: &[usize], profit: &[f64], cols: &[f64]) -> (Vec<f64>, f64, f64) {
    let mut x = vec![0.0; market.edges.len()];
    let mut value = 0.0;
    for (k, &e) in usable.iter().enumerate() {
        x[e] = cols[k];
        value += profit[e] * cols[k];
    }
    (x, value, cols[usable.len()..].iter().sum())
}

/// Reduced cost of every edge under leg and ratio duals (<= 0 for a feasible dual).
#[must_use]
pub fn reduced_costs(market: &Market, leg_dual: &[f64], ratio_dual: &[f64]) -> Vec<f64> {
    let mut rc: Vec<f64> = market
        .edges
        .iter()
        .map(|e| e.surplus - leg_dual[e.supply] - leg_dual[e.demand])
        .collect();
    for (r, ratio) in market.ratios.iter().enumerate() {
        let rho = ratio_dual.get(r).copied().unwrap_or(0.0);
        if rho == 0.0 {
            continue;
        }
        for (e, edge) in market.edges.iter().enumerate() {
            if edge.supply == ratio.give {
                rc[e] -= rho;
            }
            if edge.demand == ratio.get {
                rc[e] += rho * ratio.give_per_get_max;
            }
        }
    }
    rc
}

/// The optimal face of a node's welfare relaxation, from one optimal dual solution:
/// complementary slackness says every optimal flow uses only edges of reduced cost 0 and fills
/// every leg (and ratio row) whose dual is non-zero.
#[must_use]
pub fn optimal_face(market: &Market, lo: &[f64], hi: &[f64], relaxed: &Relaxed) -> Face {
    let tol = 1e-9 * surplus_scale(market);
    let rc = reduced_costs(market, &relaxed.leg_dual, &relaxed.ratio_dual);
    let edge_allowed = rc.iter().map(|&r| r >= -tol).collect();
    let mut leg_lo = lo.to_vec();
    let mut leg_hi = hi.to_vec();
    for (l, &y) in relaxed.leg_dual.iter().enumerate() {
        if y > tol {
            leg_lo[l] = hi[l];
        } else if y < -tol {
            leg_hi[l] = lo[l];
        }
    }
    let ratio_tight = relaxed.ratio_dual.iter().map(|&y| y > tol).collect();
    Face {
        edge_allowed,
        leg_lo,
        leg_hi,
        ratio_tight,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::challenge::parse_challenge;
    use crate::edges::build_market;

    /// A market of three resources (so three parts), `n` sellers and `n` buyers each, some
    /// buyers all-or-nothing, prices from a fixed stream.
    fn three_resource_market(n: usize, seed: u64) -> Market {
        let mut s = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let mut next = move || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (s >> 11) as f64 / (1_u64 << 53) as f64
        };
        let mut parties = Vec::new();
        for r in ["gpu_a", "gpu_b", "gpu_c"] {
            for i in 0..n {
                let (q, p) = (10.0 + (90.0 * next()).round(), 1.0 + next());
                parties.push(format!(
                    r#"{{"id":"{r}_s{i}","intent":"sell","resource":"{r}","quantity":{{"available":{q}}},"price":{{"min":{p:.3}}}}}"#
                ));
                let (q, p) = (10.0 + (90.0 * next()).round(), 1.5 + next());
                let min = if i % 3 == 0 {
                    format!(r#""min":{},"#, q / 2.0)
                } else {
                    String::new()
                };
                parties.push(format!(
                    r#"{{"id":"{r}_b{i}","intent":"buy","resource":"{r}","quantity":{{{min}"max":{q}}},"price":{{"max":{p:.3}}}}}"#
                ));
            }
        }
        let text = format!(
            r#"{{"challenge_id":"0x{:064x}","parties":[{}]}}"#,
            seed,
            parties.join(",")
        );
        build_market(&parse_challenge(&text).expect("a valid challenge"))
    }

    /// Bounds with every all-or-nothing leg "on", so that the artificial arcs are in play.
    fn bounds_with_lots_on(market: &Market) -> (Vec<f64>, Vec<f64>) {
        let fix: Vec<LegFix> = market
            .legs
            .iter()
            .map(|l| {
                if l.is_all_or_nothing() {
                    LegFix::On
                } else {
                    LegFix::Free
                }
            })
            .collect();
        leg_bounds(market, &fix)
    }

    /// A problem that falls apart is solved part by part to the joint problem's optimum, with
    /// duals that price every arc; and the answer has the same bits on one thread or several.
    #[test]
    fn a_problem_that_falls_apart_is_solved_by_parts_to_the_joint_optimum() {
        for seed in 0..20 {
            let market = three_resource_market(3 + (seed as usize % 5) * 3, seed);
            let (lo, hi) = bounds_with_lots_on(&market);
            let profit: Vec<f64> = market.edges.iter().map(|e| e.surplus).collect();
            let usable: Vec<usize> = (0..market.edges.len()).collect();
            let bounded: Vec<usize> = (0..market.legs.len()).filter(|&l| lo[l] > 0.0).collect();
            assert!(!bounded.is_empty(), "seed {seed}: no lot in play");
            let m = penalty(&market, &profit);
            let problem = Transportation {
                market: &market,
                lo: &lo,
                hi: &hi,
                usable: &usable,
                bounded: &bounded,
                profit: &profit,
                m,
                cost_scale: None,
            };
            let parts = Parts::of(problem);
            assert_eq!(parts.parts.len(), 3, "seed {seed}: one part per resource");
            let one = parts.solve(1, Deadline::none()).expect("solves");
            let two = parts.solve(2, Deadline::none()).expect("solves");
            let bits = |(x, o, y): &(Vec<f64>, f64, Vec<f64>)| {
                let mut b: Vec<u64> = x.iter().chain(y).map(|v| v.to_bits()).collect();
                b.push(o.to_bits());
                b
            };
            assert_eq!(
                bits(&one),
                bits(&two),
                "seed {seed}: threads changed the bits"
            );

            // The joint problem: one part over every leg, as for a problem that does not
            // fall apart.
            let joint = Parts {
                parts: vec![Part {
                    legs: (0..market.legs.len()).collect(),
                    columns: (0..parts.arcs()).collect(),
                }],
                problem,
            };
            let (_, joint_objective, _) = joint.solve(1, Deadline::none()).expect("solves");
            let (x, objective, y) = one;
            let scale = joint_objective.abs().max(1.0);
            assert!(
                (objective - joint_objective).abs() <= 1e-9 * scale,
                "seed {seed}: by parts {objective}, joint {joint_objective}"
            );
            // The parts' duals are optimal for the joint problem: no arc prices above zero,
            // and every arc with flow prices at zero.
            let tol = 1e-9 * profit.iter().fold(1.0_f64, |a, &p| a.max(p.abs()));
            for (k, &e) in usable.iter().enumerate() {
                let edge = &market.edges[e];
                let reduced = profit[e] - y[edge.supply] - y[edge.demand];
                assert!(
                    reduced <= tol,
                    "seed {seed}: edge {e} reduced profit {reduced}"
                );
                if x[k] > 0.0 {
                    assert!(
                        reduced.abs() <= tol,
                        "seed {seed}: edge {e} trades at {reduced}"
                    );
                }
            }
        }
    }

    /// A problem in one piece keeps the single problem over every leg (legs without arcs
    /// are isolated nodes), as before parts existed.
    #[test]
    fn a_problem_in_one_piece_is_one_part_over_every_leg() {
        let market = three_resource_market(4, 7);
        let (lo, hi) = bounds_with_lots_on(&market);
        let profit: Vec<f64> = market.edges.iter().map(|e| e.surplus).collect();
        let first = market.edges[0].supply;
        let usable: Vec<usize> = (0..market.edges.len())
            .filter(|&e| market.edges[e].supply == first)
            .collect();
        let parts = Parts::of(Transportation {
            market: &market,
            lo: &lo,
            hi: &hi,
            usable: &usable,
            bounded: &[],
            profit: &profit,
            m: 1.0,
            cost_scale: None,
        });
        assert_eq!(parts.parts.len(), 1);
        assert_eq!(parts.parts[0].legs.len(), market.legs.len());
        assert_eq!(parts.parts[0].columns.len(), usable.len());
    }
}
