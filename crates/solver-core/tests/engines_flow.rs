//! Tests of the network simplex transport engine (`solve_transport`): hand cases, and seeded
//! random transportation instances whose answers are proven optimal by their own duals
//! (dual feasibility, complementary slackness, strong duality), checked to be vertices, and
//! cross-checked against the general LP engine and, on tiny instances, vertex enumeration.

mod engines_support;

use engines_support::{brute_force_lp, transport_to_lp, Rng};
use nash_solver_core::{
    solve_lp, solve_transport, Deadline, FlowError, LpError, Transport, TransportSolution,
};

const INF: f64 = f64::INFINITY;

fn tol(b: f64) -> f64 {
    1e-9 * b.abs().max(1.0)
}

fn node_sums(p: &Transport, x: &[f64]) -> Vec<f64> {
    let mut sum = vec![0.0; p.node_lo.len()];
    for (e, &(s, d)) in p.arcs.iter().enumerate() {
        sum[s] += x[e];
        sum[d] += x[e];
    }
    sum
}

/// Everything the lead relies on: primal feasibility, objective, dual feasibility,
/// complementary slackness, strong duality, and that `x` is a vertex.
fn check(p: &Transport, s: &TransportSolution) -> Result<(), String> {
    let n = p.node_lo.len();
    if s.x.len() != p.arcs.len() || s.dual.len() != n {
        return Err("lengths".into());
    }
    if let Some(e) = s.x.iter().position(|&x| x.is_nan() || x < 0.0) {
        return Err(format!("x[{e}] = {} < 0", s.x[e]));
    }
    let sum = node_sums(p, &s.x);
    let mut touched = vec![false; n];
    for &(a, b) in &p.arcs {
        touched[a] = true;
        touched[b] = true;
    }
    let at_lo: Vec<bool> = (0..n)
        .map(|v| sum[v] <= p.node_lo[v] + tol(p.node_lo[v]))
        .collect();
    let at_hi: Vec<bool> = (0..n)
        .map(|v| sum[v] >= p.node_hi[v] - tol(p.node_hi[v]))
        .collect();
    for v in 0..n {
        let (lo, hi, y) = (p.node_lo[v], p.node_hi[v], s.dual[v]);
        if sum[v] < lo - tol(lo) || sum[v] > hi + tol(hi) {
            return Err(format!("node {v}: total {} outside [{lo}, {hi}]", sum[v]));
        }
        if y > 1e-9 && !at_hi[v] {
            return Err(format!(
                "node {v}: dual {y} > 0 but total {} < hi {hi}",
                sum[v]
            ));
        }
        if y < -1e-9 && !at_lo[v] {
            return Err(format!(
                "node {v}: dual {y} < 0 but total {} > lo {lo}",
                sum[v]
            ));
        }
        if !touched[v] && y != 0.0 {
            return Err(format!("isolated node {v} has dual {y}"));
        }
    }
    let obj: f64 = s.x.iter().zip(&p.profit).map(|(x, c)| x * c).sum();
    if (obj - s.objective).abs() > 1e-12 * obj.abs().max(1.0) {
        return Err(format!("objective {} != profit.x {obj}", s.objective));
    }
    for (e, &(a, b)) in p.arcs.iter().enumerate() {
        let rc = p.profit[e] - s.dual[a] - s.dual[b];
        let t = 1e-9 * (1.0 + p.profit[e].abs());
        if rc > t {
            return Err(format!("arc {e}: profit − y_s − y_d = {rc} > 0"));
        }
        if s.x[e] > 0.0 && rc < -t {
            return Err(format!("arc {e}: x = {} > 0 but reduced cost {rc}", s.x[e]));
        }
    }
    let mut dual_obj = 0.0;
    for v in 0..n {
        let y = s.dual[v];
        if y > 0.0 {
            dual_obj += y * p.node_hi[v];
        } else if y < 0.0 {
            dual_obj += y * p.node_lo[v];
        }
    }
    let scale =
        s.x.iter()
            .zip(&p.profit)
            .fold(1.0f64, |a, (x, c)| a.max((x * c).abs()));
    if (dual_obj - obj).abs() > 1e-9 * scale * (1.0 + p.arcs.len() as f64).sqrt() {
        return Err(format!("strong duality: dual {dual_obj} vs primal {obj}"));
    }
    // Vertex: the support is a forest and each tree of it has at most one node strictly
    // inside its bounds (otherwise x could move both ways along a cycle or a path).
    let mut comp: Vec<usize> = (0..n).collect();
    fn find(c: &mut [usize], v: usize) -> usize {
        let mut r = v;
        while c[r] != r {
            r = c[r];
        }
        c[v] = r;
        r
    }
    for (e, &(a, b)) in p.arcs.iter().enumerate() {
        if s.x[e] > 0.0 {
            let (ra, rb) = (find(&mut comp, a), find(&mut comp, b));
            if ra == rb {
                return Err(format!("support has a cycle through arc {e}: not a vertex"));
            }
            comp[ra] = rb;
        }
    }
    let mut free_in = vec![0usize; n];
    for v in 0..n {
        if touched[v] && !at_lo[v] && !at_hi[v] {
            let r = find(&mut comp, v);
            free_in[r] += 1;
            if free_in[r] > 1 {
                return Err(format!(
                    "two free nodes in one support tree (node {v}): not a vertex"
                ));
            }
        }
    }
    Ok(())
}

fn solve_checked(p: &Transport) -> TransportSolution {
    let s = solve_transport(p, Deadline::none()).expect("solvable");
    if let Err(e) = check(p, &s) {
        panic!("{e}\n{p:?}\n{s:?}");
    }
    s
}

fn tp(lo: &[f64], hi: &[f64], arcs: &[(usize, usize, f64)]) -> Transport {
    Transport {
        node_lo: lo.to_vec(),
        node_hi: hi.to_vec(),
        arcs: arcs.iter().map(|a| (a.0, a.1)).collect(),
        profit: arcs.iter().map(|a| a.2).collect(),
        cost_scale: None,
    }
}

#[test]
fn seed_three_party_example() {
    // settlement.md §7: Chutes (node 0) buys up to 300; ComputeHorde (1) and Nodexo (2) sell
    // 150 each with surpluses 1.80 − 0.20·6 and 0.50 per unit.
    let p = tp(
        &[0.0; 3],
        &[300.0, 150.0, 150.0],
        &[(1, 0, 1.80 - 0.20 * 6.0), (2, 0, 0.50)],
    );
    let s = solve_checked(&p);
    assert!((s.objective - 165.0).abs() < 1e-9);
    assert_eq!(s.x, vec![150.0, 150.0]);
}

#[test]
fn infeasible_lower_bounds() {
    let p = tp(&[0.0, 10.0], &[5.0, 20.0], &[(0, 1, 1.0)]);
    assert_eq!(
        solve_transport(&p, Deadline::none()),
        Err(FlowError::Infeasible)
    );
    // Supply must ship at least 8 but demand takes at most 3 + 4.
    let p = tp(
        &[8.0, 0.0, 0.0],
        &[9.0, 3.0, 4.0],
        &[(0, 1, 1.0), (0, 2, -1.0)],
    );
    assert_eq!(
        solve_transport(&p, Deadline::none()),
        Err(FlowError::Infeasible)
    );
    let isolated = tp(&[0.0, 0.0, 1.0], &[1.0, 1.0, 2.0], &[(0, 1, 1.0)]);
    assert_eq!(
        solve_transport(&isolated, Deadline::none()),
        Err(FlowError::Infeasible)
    );
    let crossed = tp(&[2.0, 0.0], &[1.0, 5.0], &[(0, 1, 1.0)]);
    assert_eq!(
        solve_transport(&crossed, Deadline::none()),
        Err(FlowError::Infeasible)
    );
}

#[test]
fn negative_profit_forced_by_lower_bounds() {
    // Supply 0 must ship 3..5; only loss-making arcs exist. Ship exactly 3, on the cheaper arc.
    let p = tp(
        &[3.0, 0.0, 0.0],
        &[5.0, 10.0, 10.0],
        &[(0, 1, -1.0), (0, 2, -0.25)],
    );
    let s = solve_checked(&p);
    assert_eq!(s.x, vec![0.0, 3.0]);
    assert!((s.objective + 0.75).abs() < 1e-12);
    assert!(s.dual[0] < 0.0, "lower bound binds: {s:?}");
    // A demand lower bound pulls flow over a negative arc while a positive one is full.
    let p = tp(
        &[0.0, 0.0, 4.0, 0.0],
        &[2.0, 5.0, 6.0, 2.0],
        &[(0, 3, 2.0), (1, 2, -1.5)],
    );
    let s = solve_checked(&p);
    assert_eq!(s.x, vec![2.0, 4.0]);
    assert!((s.objective - (4.0 - 6.0)).abs() < 1e-12);
}

#[test]
fn zero_profit_arcs_and_isolated_nodes() {
    let p = tp(
        &[0.0, 0.0, 0.0, 0.0, 0.0],
        &[4.0, 3.0, 9.0, 2.0, 7.0],
        &[(0, 1, 0.0), (0, 2, 0.0)],
    );
    let s = solve_checked(&p);
    assert_eq!(s.objective, 0.0);
    assert_eq!(s.dual[3], 0.0);
    assert_eq!(s.dual[4], 0.0);
    let empty = Transport::default();
    let s = solve_checked(&empty);
    assert_eq!(s.objective, 0.0);
    let no_arcs = tp(&[0.0, 0.0], &[1.0, INF], &[]);
    let s = solve_checked(&no_arcs);
    assert_eq!(s.dual, vec![0.0, 0.0]);
}

#[test]
fn infinite_capacities() {
    // Unbounded demand: the supply caps everything; the demand dual must be 0.
    let p = tp(
        &[0.0, 0.0, 0.0],
        &[4.0, INF, 3.0],
        &[(0, 1, 2.0), (2, 1, 1.0)],
    );
    let s = solve_checked(&p);
    assert!((s.objective - 11.0).abs() < 1e-12);
    assert_eq!(s.dual[1], 0.0);
    // Unbounded supply and demand with a profitable arc: no finite optimum.
    let p = tp(&[0.0, 0.0], &[INF, INF], &[(0, 1, 1.0)]);
    assert_eq!(
        solve_transport(&p, Deadline::none()),
        Err(FlowError::Unbounded)
    );
    // ... but with a losing arc the optimum is 0, and a lower bound on an unbounded node works.
    let p = tp(&[0.0, 2.5], &[INF, INF], &[(0, 1, -1.0)]);
    let s = solve_checked(&p);
    assert!((s.objective + 2.5).abs() < 1e-12);
}

#[test]
fn degenerate_ties() {
    // Every plan that fills all four legs is optimal; the answer must be a vertex.
    let p = tp(
        &[0.0; 4],
        &[1.0, 1.0, 1.0, 1.0],
        &[(0, 2, 1.0), (0, 3, 1.0), (1, 2, 1.0), (1, 3, 1.0)],
    );
    let s = solve_checked(&p);
    assert_eq!(s.objective, 2.0);
    // Float ties: 0.6000000000000001 against 0.6 in capacities and profits.
    let q = 1.8 - 1.2;
    let p = tp(
        &[0.0; 4],
        &[q, 0.6, 0.6, q],
        &[(0, 2, q), (0, 3, 0.6), (1, 2, 0.6), (1, 3, q)],
    );
    let s = solve_checked(&p);
    assert!((s.objective - 2.0 * 0.6 * 0.6).abs() < 1e-12);
}

#[test]
fn malformed_input_is_invalid() {
    let both_sides = tp(&[0.0; 3], &[1.0; 3], &[(0, 1, 1.0), (1, 2, 1.0)]);
    assert_eq!(
        solve_transport(&both_sides, Deadline::none()),
        Err(FlowError::Invalid)
    );
    let out_of_range = tp(&[0.0; 2], &[1.0; 2], &[(0, 2, 1.0)]);
    assert_eq!(
        solve_transport(&out_of_range, Deadline::none()),
        Err(FlowError::Invalid)
    );
    let nan = tp(&[0.0; 2], &[1.0, f64::NAN], &[(0, 1, 1.0)]);
    assert_eq!(
        solve_transport(&nan, Deadline::none()),
        Err(FlowError::Invalid)
    );
    let neg = tp(&[-1.0, 0.0], &[1.0, 1.0], &[(0, 1, 1.0)]);
    assert_eq!(
        solve_transport(&neg, Deadline::none()),
        Err(FlowError::Invalid)
    );
}

/// Random market: `ns` supply legs then `nd` demand legs; `mode` 0 = two decimals,
/// 1 = arbitrary reals, 2 = small integers (many ties and degenerate pivots).
pub fn random_transport(rng: &mut Rng, ns: usize, nd: usize, density: f64, mode: u8) -> Transport {
    let n = ns + nd;
    let val = |rng: &mut Rng, a: f64, b: f64| match mode {
        0 => rng.cents(a, b),
        1 => rng.range(a, b),
        _ => rng.range(a, b).round(),
    };
    let mut node_lo = vec![0.0; n];
    let mut node_hi = vec![0.0; n];
    for v in 0..n {
        node_hi[v] = if rng.chance(0.1) {
            INF
        } else {
            val(rng, 0.0, 100.0)
        };
        if rng.chance(0.15) {
            node_lo[v] = val(rng, 0.0, node_hi[v].min(40.0));
        }
    }
    let mut arcs = Vec::new();
    let mut profit = Vec::new();
    for s in 0..ns {
        for d in ns..n {
            if rng.chance(density) {
                arcs.push((s, d));
                // value − cost, as surpluses are built (so differences like 0.6000000000000001).
                let value = val(rng, 0.5, 2.0);
                let cost = val(rng, 0.4, 1.8);
                profit.push(value - cost);
            }
        }
    }
    Transport {
        node_lo,
        node_hi,
        arcs,
        profit,
        cost_scale: None,
    }
}

fn unbounded_expected(p: &Transport) -> bool {
    p.arcs
        .iter()
        .zip(&p.profit)
        .any(|(&(s, d), &c)| c > 0.0 && p.node_hi[s] == INF && p.node_hi[d] == INF)
}

#[test]
fn random_instances_match_the_lp_engine() {
    let mut rng = Rng(0xf10e_0001);
    let (mut ok, mut infeasible, mut unbounded) = (0, 0, 0);
    for case in 0..1500 {
        let big = case % 10 == 0;
        let ns = if big { rng.int(2, 40) } else { rng.int(2, 8) };
        let nd = if big { rng.int(2, 40) } else { rng.int(2, 8) };
        let density = rng.range(0.1, 1.0);
        let p = random_transport(&mut rng, ns, nd, density, (case % 3) as u8);
        let flow = solve_transport(&p, Deadline::none());
        let lp = solve_lp(&transport_to_lp(&p), Deadline::none());
        match (&flow, &lp) {
            (Ok(f), Ok(l)) => {
                if let Err(e) = check(&p, f) {
                    panic!("case {case}: {e}\n{p:?}\n{f:?}");
                }
                let scale = f.objective.abs().max(l.objective.abs()).max(1.0);
                assert!(
                    (f.objective - l.objective).abs() <= 1e-9 * scale,
                    "case {case}: flow {} vs lp {}",
                    f.objective,
                    l.objective
                );
                ok += 1;
            }
            (Err(FlowError::Infeasible), Err(LpError::Infeasible)) => infeasible += 1,
            (Err(FlowError::Unbounded), Err(LpError::Unbounded)) => {
                assert!(unbounded_expected(&p), "case {case}");
                unbounded += 1;
            }
            _ => panic!("case {case}: flow {flow:?} vs lp {lp:?}\n{p:?}"),
        }
    }
    eprintln!("ok {ok} infeasible {infeasible} unbounded {unbounded}");
    assert!(
        ok > 800 && infeasible > 20 && unbounded > 20,
        "{ok} {infeasible} {unbounded}"
    );
}

#[test]
fn tiny_instances_match_vertex_enumeration() {
    let mut rng = Rng(0xf10e_0002);
    let mut compared = 0;
    for case in 0..600 {
        let (ns, nd) = if case % 2 == 0 { (2, 2) } else { (3, 2) };
        let mut p = random_transport(&mut rng, ns, nd, 0.8, (case % 3) as u8);
        for h in &mut p.node_hi {
            if !h.is_finite() {
                *h = 50.0;
            }
        }
        let brute = brute_force_lp(&transport_to_lp(&p));
        match (solve_transport(&p, Deadline::none()), brute) {
            (Ok(f), Some(b)) => {
                if let Err(e) = check(&p, &f) {
                    panic!("case {case}: {e}");
                }
                assert!(
                    (f.objective - b).abs() <= 1e-9 * b.abs().max(1.0),
                    "case {case}: {} vs {b}",
                    f.objective
                );
                compared += 1;
            }
            (Err(FlowError::Infeasible), None) => {}
            (f, b) => panic!("case {case}: flow {f:?} vs brute {b:?}\n{p:?}"),
        }
    }
    assert!(compared > 300, "{compared}");
}

#[test]
fn large_market_instances_are_proven_optimal() {
    let mut rng = Rng(0xf10e_0003);
    for (case, &(ns, nd)) in [(100, 100), (300, 300), (60, 250), (200, 200)]
        .iter()
        .enumerate()
    {
        // Modes 0, 1, 0, 2: cents, reals, cents, integers (the most degenerate).
        let mode = [0u8, 1, 0, 2][case];
        let mut p = random_transport(&mut rng, ns, nd, 0.35, mode);
        for (v, h) in p.node_hi.iter_mut().enumerate() {
            if v < ns && !h.is_finite() {
                *h = 80.0; // keep it bounded, as markets are
            }
        }
        match solve_transport(&p, Deadline::none()) {
            Ok(s) => {
                eprintln!("case {case}: optimum {}", s.objective);
                check(&p, &s).unwrap_or_else(|e| panic!("case {case}: {e}"));
            }
            Err(FlowError::Infeasible) => {
                eprintln!("case {case}: infeasible");
                // Confirm with the LP engine on the same instance.
                assert_eq!(
                    solve_lp(&transport_to_lp(&p), Deadline::none()).err(),
                    Some(LpError::Infeasible)
                );
            }
            Err(e) => panic!("case {case}: {e:?}"),
        }
    }
}

#[test]
fn output_is_deterministic() {
    let mut rng = Rng(0xf10e_0004);
    for case in 0..40 {
        let p = random_transport(&mut rng, 30, 30, 0.4, (case % 3) as u8);
        let bits = |r: &Result<TransportSolution, FlowError>| match r {
            Ok(s) => Ok((
                s.x.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                s.dual.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                s.objective.to_bits(),
            )),
            Err(e) => Err(*e),
        };
        let a = solve_transport(&p, Deadline::none());
        let b = solve_transport(&p.clone(), Deadline::none());
        assert_eq!(bits(&a), bits(&b));
    }
}

#[test]
fn deadline_in_the_past_stops_the_solve() {
    let mut rng = Rng(5);
    let mut p = random_transport(&mut rng, 300, 300, 0.35, 1);
    p.node_lo.iter_mut().for_each(|l| *l = 0.0);
    let past = std::time::Instant::now();
    std::thread::sleep(std::time::Duration::from_millis(2));
    assert_eq!(
        solve_transport(&p, Deadline::at(past)),
        Err(FlowError::Deadline)
    );
}

#[test]
fn no_profitable_trade_gives_zero_flow_and_valid_duals() {
    // Nothing is shipped, so the return arc of the circulation may leave the tree: the duals
    // must still be feasible with the right signs.
    let mut rng = Rng(0xf10e_0005);
    for case in 0..200 {
        let (ns, nd) = (rng.int(1, 6), rng.int(1, 6));
        let mut p = random_transport(&mut rng, ns, nd, 0.7, (case % 3) as u8);
        p.node_lo.iter_mut().for_each(|l| *l = 0.0);
        p.profit.iter_mut().for_each(|c| *c = -c.abs() - 0.01);
        let s = solve_checked(&p);
        assert!(s.x.iter().all(|&x| x == 0.0), "case {case}");
        assert_eq!(s.objective, 0.0);
    }
}

mod prop {
    use super::{brute_force_lp, check, transport_to_lp};
    use nash_solver_core::{solve_transport, Deadline, FlowError, Transport};
    use proptest::prelude::*;

    /// Tiny markets (up to 3 × 2, bounded), with profits and bounds in cents.
    fn tiny() -> impl Strategy<Value = Transport> {
        (1usize..=3, 1usize..=2).prop_flat_map(|(ns, nd)| {
            let n = ns + nd;
            (
                prop::collection::vec((0u32..=300, 0u32..=3000), n),
                prop::collection::vec(prop::option::weighted(0.7, -200i32..=300), ns * nd),
            )
                .prop_map(move |(bounds, prof)| {
                    let node_lo = bounds
                        .iter()
                        .map(|&(l, h)| f64::from(l.min(h)) / 100.0)
                        .collect();
                    let node_hi = bounds.iter().map(|&(_, h)| f64::from(h) / 100.0).collect();
                    let mut arcs = Vec::new();
                    let mut profit = Vec::new();
                    for (k, p) in prof.iter().enumerate() {
                        if let Some(c) = p {
                            arcs.push((k / nd, ns + k % nd));
                            profit.push(f64::from(*c) / 100.0);
                        }
                    }
                    Transport {
                        node_lo,
                        node_hi,
                        arcs,
                        profit,
                        cost_scale: None,
                    }
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]
        #[test]
        fn tiny_markets_agree_with_vertex_enumeration(p in tiny()) {
            let brute = brute_force_lp(&transport_to_lp(&p));
            match (solve_transport(&p, Deadline::none()), brute) {
                (Ok(s), Some(b)) => {
                    prop_assert!(check(&p, &s).is_ok(), "{:?}", check(&p, &s));
                    prop_assert!((s.objective - b).abs() <= 1e-9 * b.abs().max(1.0));
                }
                (Err(FlowError::Infeasible), None) => {}
                (f, b) => prop_assert!(false, "flow {:?} vs brute {:?}", f, b),
            }
        }
    }
}
