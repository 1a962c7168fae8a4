//! Tests of the general bounded LP engine (`solve_lp`): hand cases, thousands of random small
//! LPs whose answers are proven optimal by their certificates (primal feasibility, dual
//! feasibility, complementary slackness) and cross-checked against vertex enumeration, and
//! checks of infeasibility and unboundedness claims.

mod engines_support;

use engines_support::{brute_force_lp, check_lp_certificate, transport_to_lp, Rng};
use nash_solver_core::{
    solve_lp, solve_lp_from, solve_transport, Deadline, Lp, LpError, Transport, Warm,
};

const INF: f64 = f64::INFINITY;

/// A hand-written row: entries, lower bound, upper bound.
type Row<'a> = (&'a [(usize, f64)], f64, f64);

fn lp(c: &[f64], upper: &[f64], rows: &[Row]) -> Lp {
    Lp {
        c: c.to_vec(),
        upper: upper.to_vec(),
        rows: rows.iter().map(|r| r.0.to_vec()).collect(),
        row_lo: rows.iter().map(|r| r.1).collect(),
        row_hi: rows.iter().map(|r| r.2).collect(),
        cost_scale: None,
    }
}

fn solve_ok(p: &Lp) -> nash_solver_core::LpSolution {
    let s = solve_lp(p, Deadline::none()).expect("solvable");
    if let Err(e) = check_lp_certificate(p, &s, 1e-8) {
        panic!("certificate fails: {e}\n{p:?}\n{s:?}");
    }
    s
}

/// A big-M penalty column (as `relax::maximise` adds for bounded legs) must not loosen the
/// optimality test when the caller names the scale of its real costs: relative to the
/// penalty, reduced costs of 1 and 0.5 are within the dual tolerance, and the slack basis
/// (objective 0) would pass as optimal.
#[test]
fn a_penalty_column_does_not_loosen_optimality_when_the_cost_scale_is_given() {
    // max x0 + 0.5·x1 − 1e9·a  s.t.  x0 + x1 − a ≤ 1.
    let mut p = lp(
        &[1.0, 0.5, -1e9],
        &[INF, INF, INF],
        &[(&[(0, 1.0), (1, 1.0), (2, -1.0)], -INF, 1.0)],
    );
    p.cost_scale = Some(1.0);
    let s = solve_ok(&p);
    assert!(
        (s.objective - 1.0).abs() <= 1e-12,
        "objective {}",
        s.objective
    );
    assert!((s.x[0] - 1.0).abs() <= 1e-12 && s.x[2] == 0.0, "{:?}", s.x);
}

#[test]
fn textbook_two_variables() {
    let p = lp(
        &[1.0, 1.0],
        &[INF, INF],
        &[
            (&[(0, 1.0), (1, 2.0)], -INF, 4.0),
            (&[(0, 3.0), (1, 1.0)], -INF, 6.0),
        ],
    );
    let s = solve_ok(&p);
    assert!((s.objective - 2.8).abs() < 1e-12);
    assert!((s.x[0] - 1.6).abs() < 1e-12 && (s.x[1] - 1.2).abs() < 1e-12);
    assert!((s.row_dual[0] - 0.4).abs() < 1e-12 && (s.row_dual[1] - 0.2).abs() < 1e-12);
}

#[test]
fn equality_row_forces_a_negative_column() {
    // max x − y with x + y = 1 and x ≤ 0.25: y must take the rest.
    let p = lp(
        &[1.0, -1.0],
        &[0.25, INF],
        &[(&[(0, 1.0), (1, 1.0)], 1.0, 1.0)],
    );
    let s = solve_ok(&p);
    assert!((s.objective - (0.25 - 0.75)).abs() < 1e-12);
    assert!(
        (s.row_dual[0] + 1.0).abs() < 1e-12,
        "row at lo and hi, dual −1: {s:?}"
    );
}

#[test]
fn ranged_row_at_either_end() {
    let up = lp(
        &[1.0, 0.0],
        &[INF, 1.0],
        &[(&[(0, 1.0), (1, 1.0)], 2.0, 3.0)],
    );
    let s = solve_ok(&up);
    assert!((s.objective - 3.0).abs() < 1e-12);
    assert!(s.row_dual[0] > 0.5);
    let down = lp(
        &[-1.0, 0.0],
        &[INF, 1.0],
        &[(&[(0, 1.0), (1, 1.0)], 2.0, 3.0)],
    );
    let s = solve_ok(&down);
    assert!((s.objective + 1.0).abs() < 1e-12, "{s:?}");
    assert!(s.row_dual[0] < -0.5);
}

#[test]
fn free_and_empty_rows() {
    let p = lp(
        &[1.0],
        &[2.0],
        &[(&[(0, 5.0)], -INF, INF), (&[], -1.0, 1.0)],
    );
    let s = solve_ok(&p);
    assert_eq!(s.x, vec![2.0]);
    assert_eq!(s.row_dual, vec![0.0, 0.0]);
    let bad = lp(&[1.0], &[2.0], &[(&[], 0.5, 1.0)]);
    assert_eq!(solve_lp(&bad, Deadline::none()), Err(LpError::Infeasible));
}

#[test]
fn no_rows_at_all() {
    let p = lp(&[2.0, -1.0, 0.0], &[3.0, INF, 0.0], &[]);
    let s = solve_ok(&p);
    assert_eq!(s.x, vec![3.0, 0.0, 0.0]);
    assert_eq!(s.objective, 6.0);
}

#[test]
fn infeasible_and_unbounded() {
    let inf = lp(
        &[1.0, 1.0],
        &[1.0, 1.0],
        &[(&[(0, 1.0), (1, 1.0)], 5.0, INF)],
    );
    assert_eq!(solve_lp(&inf, Deadline::none()), Err(LpError::Infeasible));
    let unb = lp(
        &[1.0, 0.0],
        &[INF, INF],
        &[(&[(0, 1.0), (1, -1.0)], -INF, 1.0)],
    );
    assert_eq!(solve_lp(&unb, Deadline::none()), Err(LpError::Unbounded));
    let crossed = lp(&[1.0], &[1.0], &[(&[(0, 1.0)], 2.0, 1.0)]);
    assert_eq!(
        solve_lp(&crossed, Deadline::none()),
        Err(LpError::Infeasible)
    );
    let neg_upper = lp(&[1.0], &[-1.0], &[]);
    assert_eq!(
        solve_lp(&neg_upper, Deadline::none()),
        Err(LpError::Infeasible)
    );
}

#[test]
fn malformed_input_is_invalid() {
    let mut p = lp(&[1.0], &[1.0], &[(&[(0, 1.0)], 0.0, 1.0)]);
    p.rows[0].push((3, 1.0));
    assert_eq!(solve_lp(&p, Deadline::none()), Err(LpError::Invalid));
    let nan = lp(&[f64::NAN], &[1.0], &[]);
    assert_eq!(solve_lp(&nan, Deadline::none()), Err(LpError::Invalid));
    let short = Lp {
        c: vec![1.0],
        upper: vec![],
        ..Lp::default()
    };
    assert_eq!(solve_lp(&short, Deadline::none()), Err(LpError::Invalid));
}

#[test]
fn beale_cycling_example_terminates() {
    // Beale (1955): cycles under Dantzig's rule with naive tie-breaking.
    let p = lp(
        &[0.75, -20.0, 0.5, -6.0],
        &[INF, INF, INF, INF],
        &[
            (&[(0, 0.25), (1, -8.0), (2, -1.0), (3, 9.0)], -INF, 0.0),
            (&[(0, 0.5), (1, -12.0), (2, -0.5), (3, 3.0)], -INF, 0.0),
            (&[(2, 1.0)], -INF, 1.0),
        ],
    );
    let s = solve_ok(&p);
    assert!((s.objective - 1.25).abs() < 1e-12, "{s:?}");
}

#[test]
fn deadline_in_the_past_stops_a_long_solve() {
    let mut rng = Rng(7);
    let p = random_lp(&mut rng, 60, 120, true);
    let past = std::time::Instant::now();
    std::thread::sleep(std::time::Duration::from_millis(2));
    match solve_lp(&p, Deadline::at(past)) {
        Err(LpError::Deadline) => {}
        // Only if it finished within 64 pivots; then the answer must still be right.
        Ok(s) => check_lp_certificate(&p, &s, 1e-8).unwrap(),
        Err(e) => panic!("{e:?}"),
    }
    assert!(!Deadline::none().passed());
    assert!(Deadline::at(past).passed());
}

/// A random LP around a random point, so most instances are feasible; `round` uses values
/// with two decimals (ties and degeneracy), otherwise arbitrary reals.
fn random_lp(rng: &mut Rng, m: usize, n: usize, round: bool) -> Lp {
    let val = |rng: &mut Rng, a: f64, b: f64| {
        if round {
            rng.cents(a, b)
        } else {
            rng.range(a, b)
        }
    };
    let upper: Vec<f64> = (0..n)
        .map(|_| match rng.int(0, 9) {
            0 => 0.0,
            1..=5 => val(rng, 0.5, 5.0),
            _ => INF,
        })
        .collect();
    let x0: Vec<f64> = upper
        .iter()
        .map(|&u| {
            if rng.chance(0.3) {
                0.0
            } else {
                val(rng, 0.0, u.min(4.0))
            }
        })
        .collect();
    let c = (0..n).map(|_| val(rng, -3.0, 3.0)).collect();
    let mut rows = Vec::new();
    let (mut row_lo, mut row_hi) = (Vec::new(), Vec::new());
    for _ in 0..m {
        let mut r = Vec::new();
        for j in 0..n {
            if rng.chance(0.5) {
                r.push((j, val(rng, -3.0, 3.0)));
            }
        }
        let a0: f64 = r.iter().map(|&(j, a)| a * x0[j]).sum();
        let slack = if rng.chance(0.2) {
            0.0
        } else {
            val(rng, 0.0, 3.0)
        };
        let (lo, hi) = match rng.int(0, 5) {
            0 => (-INF, a0 + slack),
            1 => (a0 - slack, INF),
            2 => (a0 - slack, a0 + val(rng, 0.0, 2.0)),
            3 => (a0, a0),
            4 => (-INF, INF),
            // Arbitrary bounds: may make the LP infeasible.
            _ => {
                let l = val(rng, -5.0, 5.0);
                (l, l + val(rng, 0.0, 2.0))
            }
        };
        rows.push(r);
        row_lo.push(lo);
        row_hi.push(hi);
    }
    Lp {
        c,
        upper,
        rows,
        row_lo,
        row_hi,
        cost_scale: None,
    }
}

fn boxed(p: &Lp, b: f64) -> Lp {
    let mut q = p.clone();
    for u in &mut q.upper {
        *u = u.min(b);
    }
    q
}

#[test]
fn random_small_lps_are_proven_optimal() {
    let mut rng = Rng(0x5eed_0001);
    let (mut ok, mut infeasible, mut unbounded, mut brute) = (0, 0, 0, 0);
    for case in 0..4000 {
        let n = rng.int(1, 6);
        let m = rng.int(0, 5);
        let p = random_lp(&mut rng, m, n, case % 2 == 0);
        match solve_lp(&p, Deadline::none()) {
            Ok(s) => {
                if let Err(e) = check_lp_certificate(&p, &s, 1e-8) {
                    panic!("case {case}: {e}\n{p:?}\n{s:?}");
                }
                if n <= 4 && p.upper.iter().all(|u| u.is_finite()) {
                    let b = brute_force_lp(&p).expect("brute force finds the feasible LP feasible");
                    assert!(
                        (b - s.objective).abs() <= 1e-7 * b.abs().max(1.0),
                        "case {case}: brute {b} vs simplex {}",
                        s.objective
                    );
                    brute += 1;
                }
                ok += 1;
            }
            Err(LpError::Infeasible) => {
                if n <= 5 {
                    assert_eq!(
                        brute_force_lp(&p),
                        None,
                        "case {case}: claimed infeasible\n{p:?}"
                    );
                }
                infeasible += 1;
            }
            Err(LpError::Unbounded) => {
                // A growing box must let the objective grow without bound.
                let small = solve_lp(&boxed(&p, 1e3), Deadline::none()).expect("boxed");
                let big = solve_lp(&boxed(&p, 1e6), Deadline::none()).expect("boxed");
                assert!(
                    big.objective > small.objective + 100.0,
                    "case {case}: not unbounded"
                );
                unbounded += 1;
            }
            Err(e) => panic!("case {case}: {e:?}\n{p:?}"),
        }
    }
    eprintln!("ok {ok} infeasible {infeasible} unbounded {unbounded} brute {brute}");
    // The generator must exercise every outcome, or the test proves less than it claims.
    assert!(
        ok > 2000 && infeasible > 50 && unbounded > 50 && brute > 300,
        "{ok} {infeasible} {unbounded} {brute}"
    );
}

/// `cases` random LPs of `rows` × `cols` (inclusive ranges), boxed so that they are bounded:
/// every solved one is proven optimal by its certificate; returns how many were solved (the
/// rest are infeasible).
fn boxed_lps_are_proven_optimal(
    seed: u64,
    cases: usize,
    rows: (usize, usize),
    cols: (usize, usize),
) -> usize {
    let mut rng = Rng(seed);
    let mut ok = 0;
    for case in 0..cases {
        let m = rng.int(rows.0, rows.1);
        let n = rng.int(cols.0, cols.1);
        let p = boxed(&random_lp(&mut rng, m, n, case % 2 == 0), 50.0);
        match solve_lp(&p, Deadline::none()) {
            Ok(s) => {
                if let Err(e) = check_lp_certificate(&p, &s, 1e-7) {
                    panic!("seed {seed:#x} case {case}: {e}");
                }
                ok += 1;
            }
            Err(LpError::Infeasible) => {}
            Err(e) => panic!("seed {seed:#x} case {case}: {e:?}"),
        }
    }
    ok
}

#[test]
fn random_medium_lps_are_proven_optimal() {
    let ok = boxed_lps_are_proven_optimal(0x5eed_0002, 30, (10, 40), (10, 60));
    assert!(ok >= 5, "{ok}");
}

/// Wide programs (hundreds to thousands of columns): the pricing scans them in sections, and
/// the duals are carried from pivot to pivot; the certificate must still hold at the end.
#[test]
fn random_wide_lps_are_proven_optimal() {
    let ok = boxed_lps_are_proven_optimal(0x5eed_0003, 24, (15, 60), (300, 1500));
    assert!(ok >= 8, "{ok}");
}

/// Assignment problems with profits from {0, 1, 2, 3}: every basis is highly degenerate (n of
/// the 2n − 1 basic variables at 0), ties are everywhere, and 400–2,000 columns make the
/// pricing run in sections. The answers must be proven optimal by their certificate and reach
/// the network simplex's optimum (an independent engine).
#[test]
fn degenerate_assignment_lps_are_proven_optimal() {
    let mut rng = Rng(0x5eed_0004);
    for case in 0..12 {
        let n = rng.int(20, 45);
        let mut p = Lp {
            c: Vec::new(),
            upper: Vec::new(),
            rows: vec![Vec::new(); 2 * n],
            row_lo: vec![1.0; 2 * n],
            row_hi: vec![1.0; 2 * n],
            cost_scale: None,
        };
        for i in 0..n {
            for j in 0..n {
                let col = p.c.len();
                p.c.push(rng.int(0, 3) as f64);
                p.upper.push(INF);
                p.rows[i].push((col, 1.0));
                p.rows[n + j].push((col, 1.0));
            }
        }
        let s = solve_lp(&p, Deadline::none()).unwrap_or_else(|e| panic!("case {case}: {e:?}"));
        if let Err(e) = check_lp_certificate(&p, &s, 1e-8) {
            panic!("case {case} (n = {n}): {e}");
        }
        let transport = Transport {
            node_lo: vec![1.0; 2 * n],
            node_hi: vec![1.0; 2 * n],
            arcs: (0..n * n).map(|k| (k / n, n + k % n)).collect(),
            profit: p.c.clone(),
            cost_scale: None,
        };
        let flow = solve_transport(&transport, Deadline::none()).expect("network simplex");
        assert!(
            (flow.objective - s.objective).abs() <= 1e-9 * flow.objective.abs().max(1.0),
            "case {case}: simplex {} vs network simplex {}",
            s.objective,
            flow.objective
        );
    }
}

/// A sequence of LPs with the same rows and bounds and new costs, each started from the basis
/// the last one ended on (`solve_lp_from`), as the Nash stage's probes are: every answer is
/// proven optimal by its certificate and has the cold solve's objective; a warm start from
/// another LP's basis (other rows) is refused and the solve starts cold; the same costs twice
/// give the same answer without a pivot, after the inverse's accuracy is checked.
#[test]
fn warm_starts_from_the_last_basis_give_the_cold_optimum() {
    let mut rng = Rng(0x5eed_0005);
    let (mut warm_solves, mut chains) = (0, 0);
    for case in 0..60 {
        let m = rng.int(5, 30);
        let n = rng.int(20, 300);
        let base = boxed(&random_lp(&mut rng, m, n, case % 2 == 0), 50.0);
        let mut carry: Option<Warm> = None;
        if solve_lp_from(&base, Deadline::none(), &mut carry).is_err() {
            assert!(
                carry.is_none(),
                "case {case}: a failed solve leaves no basis"
            );
            continue;
        }
        chains += 1;
        for step in 0..8 {
            let mut p = base.clone();
            // New costs: small moves (as a probe's weights between rounds) or fresh ones.
            let fresh = step % 3 == 2;
            for c in &mut p.c {
                *c = if fresh {
                    rng.range(-3.0, 3.0)
                } else {
                    *c + rng.range(-0.3, 0.3)
                };
            }
            assert!(
                carry.is_some(),
                "case {case} step {step}: the last solve left a basis"
            );
            let warm = solve_lp_from(&p, Deadline::none(), &mut carry)
                .unwrap_or_else(|e| panic!("case {case} step {step}: {e:?}"));
            if let Err(e) = check_lp_certificate(&p, &warm, 1e-7) {
                panic!("case {case} step {step}: {e}");
            }
            let cold = solve_lp(&p, Deadline::none()).expect("the same LP cold");
            assert!(
                (warm.objective - cold.objective).abs() <= 1e-9 * cold.objective.abs().max(1.0),
                "case {case} step {step}: warm {} vs cold {}",
                warm.objective,
                cold.objective
            );
            warm_solves += 1;
            // The same costs again: already optimal, the same answer.
            let again = solve_lp_from(&p, Deadline::none(), &mut carry).expect("again");
            assert_eq!(again.x, warm.x, "case {case} step {step}");
        }
        // A basis of another LP (one row more) is not used: the solve starts cold and agrees.
        let mut other = base.clone();
        other.rows.push(vec![(0, 1.0)]);
        other.row_lo.push(-INF);
        other.row_hi.push(INF);
        let from_other = solve_lp_from(&other, Deadline::none(), &mut carry).expect("other");
        let cold = solve_lp(&other, Deadline::none()).expect("other cold");
        assert_eq!(
            from_other, cold,
            "case {case}: a foreign basis changed the answer"
        );
    }
    assert!(chains >= 30 && warm_solves >= 240, "{chains} {warm_solves}");
}

/// Transportation problems with swap-ratio rows across them, the shape of the LPs NASH solves
/// with this engine (a defer-swap market's welfare LP and first-order probes): 60–300 legs, a
/// few ratio rows `Σ give − ratio · Σ get ≤ 0`, some legs with a lower bound. Their bases are
/// forests of edge columns joined by the ratio rows, which the inverse's rebuild takes leaf by
/// leaf and then as a bump (`eta_file.rs`); every solved one must be proven optimal by its
/// certificate, and reach at most the transportation engine's optimum without the ratio rows
/// (the rows only cut).
#[test]
fn transportation_lps_with_ratio_rows_are_proven_optimal() {
    let mut rng = Rng(0x5eed_0006);
    let (mut solved, mut cut) = (0, 0);
    for case in 0..40 {
        let (ns, nb) = (rng.int(30, 150), rng.int(30, 150));
        let mut t = Transport {
            node_lo: vec![0.0; ns + nb],
            node_hi: (0..ns + nb).map(|_| rng.int(5, 60) as f64).collect(),
            arcs: Vec::new(),
            profit: Vec::new(),
            cost_scale: None,
        };
        for v in 0..ns + nb {
            if rng.chance(0.1) {
                t.node_lo[v] = (t.node_hi[v] / 2.0).floor();
            }
        }
        for s in 0..ns {
            for b in 0..nb {
                if rng.chance(0.3) {
                    t.arcs.push((s, ns + b));
                    t.profit.push(rng.cents(-0.5, 2.0));
                }
            }
        }
        let mut p = transport_to_lp(&t);
        // Penalty columns on bounded legs, as `relax::maximise` adds them (profit −M).
        for v in 0..ns + nb {
            if t.node_lo[v] > 0.0 {
                let col = p.c.len();
                p.c.push(-1e4);
                p.upper.push(INF);
                p.rows[v].push((col, 1.0));
            }
        }
        p.cost_scale = Some(2.0);
        for _ in 0..rng.int(1, 6) {
            // A swap party: it gives on a supply leg and gets on a demand leg.
            let (give, get) = (rng.int(0, ns - 1), ns + rng.int(0, nb - 1));
            let ratio = rng.range(0.5, 2.0);
            let mut row = Vec::new();
            for (e, &(s, d)) in t.arcs.iter().enumerate() {
                if s == give {
                    row.push((e, 1.0));
                }
                if d == get {
                    row.push((e, -ratio));
                }
            }
            p.rows.push(row);
            p.row_lo.push(-INF);
            p.row_hi.push(0.0);
        }
        let s = match solve_lp(&p, Deadline::none()) {
            Ok(s) => s,
            Err(LpError::Infeasible) => continue,
            Err(e) => panic!("case {case}: {e:?}"),
        };
        if let Err(e) = check_lp_certificate(&p, &s, 1e-8) {
            panic!("case {case} ({ns} × {nb}): {e}");
        }
        solved += 1;
        // The same problem without the ratio rows, by the network simplex (the penalty
        // columns cost far more than any profit, so they only enter where the lower bounds
        // cannot be met, and then the transportation problem is infeasible).
        if let Ok(flow) = solve_transport(&t, Deadline::none()) {
            assert!(
                s.objective <= flow.objective + 1e-9 * flow.objective.abs().max(1.0),
                "case {case}: with ratio rows {} above without {}",
                s.objective,
                flow.objective
            );
            cut += 1;
        }
    }
    assert!(solved >= 30 && cut >= 20, "{solved} {cut}");
}

#[test]
fn output_is_deterministic() {
    let mut rng = Rng(99);
    for _ in 0..50 {
        let p = random_lp(&mut rng, 6, 8, false);
        let a = solve_lp(&p, Deadline::none());
        let b = solve_lp(&p, Deadline::none());
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
}

#[test]
fn too_many_rows_is_refused_before_allocating() {
    let m = nash_solver_core::lp::MAX_DENSE_ROWS + 1;
    let p = Lp {
        c: vec![1.0],
        upper: vec![1.0],
        rows: vec![vec![(0, 1.0)]; m],
        row_lo: vec![0.0; m],
        row_hi: vec![1.0; m],
        cost_scale: None,
    };
    assert_eq!(solve_lp(&p, Deadline::none()), Err(LpError::TooLarge));
}
