//! Property tests over generated markets (2–40 parties, every intent kind, constraints,
//! preferences, weights, lots, swaps with ratios, ties):
//! - `W*` equals an independent formulation: every on/off pattern of the lots enumerated, each
//!   solved as a plain LP by the bounded simplex (no network simplex, no branch and bound);
//! - the response is feasible, within corridors, and the verifier accepts it (Pareto,
//!   Nash-stable, Q = 1);
//! - permuting the parties changes nothing; solving twice gives the same bytes;
//! - damaged responses get the verdict the spec demands.
//!
//! The cross-check against HiGHS (a third, independent engine, with its own edge builder) runs
//! from TypeScript in `packages/solver-binding/tests/crosscheck.test.ts`.

mod common;

use nash_solver_core::challenge::parse_challenge;
use nash_solver_core::deadline::Deadline;
use nash_solver_core::edges::{build_market, edge_index, party_index};
use nash_solver_core::jcs::commitment_hash;
use nash_solver_core::lp::{solve_lp, Lp};
use nash_solver_core::market::Market;
use nash_solver_core::relax::{leg_bounds, LegFix};
use nash_solver_core::{solve_json, verify_json, SolveOptions, VerifyOptions};
use serde_json::{json, Value};

use common::{random_challenge, shuffled, GenOptions};

/// Number of generated markets per property; `NASH_PROPTEST_CASES` raises it.
fn cases() -> u64 {
    std::env::var("NASH_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500)
}

/// `W*` by enumerating the lots' on/off patterns and solving each pattern's LP.
fn brute_force_welfare(market: &Market) -> f64 {
    let lots: Vec<usize> = (0..market.legs.len())
        .filter(|&l| market.legs[l].is_all_or_nothing())
        .collect();
    assert!(lots.len() <= 12, "too many lots for brute force");
    let mut best = 0.0_f64;
    for mask in 0u32..(1 << lots.len()) {
        let mut fix = vec![LegFix::Free; market.legs.len()];
        for (k, &l) in lots.iter().enumerate() {
            fix[l] = if mask & (1 << k) != 0 {
                LegFix::On
            } else {
                LegFix::Off
            };
        }
        let (lo, hi) = leg_bounds(market, &fix);
        let n = market.edges.len();
        let mut rows = vec![Vec::new(); market.legs.len() + market.ratios.len()];
        for (e, edge) in market.edges.iter().enumerate() {
            rows[edge.supply].push((e, 1.0));
            rows[edge.demand].push((e, 1.0));
        }
        let mut row_lo = lo;
        let mut row_hi = hi;
        for (r, ratio) in market.ratios.iter().enumerate() {
            let row = &mut rows[market.legs.len() + r];
            for (e, edge) in market.edges.iter().enumerate() {
                if edge.supply == ratio.give {
                    row.push((e, 1.0));
                }
                if edge.demand == ratio.get {
                    row.push((e, -ratio.give_per_get_max));
                }
            }
            row_lo.push(f64::NEG_INFINITY);
            row_hi.push(0.0);
        }
        let lp = Lp {
            c: market.edges.iter().map(|e| e.surplus).collect(),
            upper: vec![f64::INFINITY; n],
            rows,
            row_lo,
            row_hi,
            cost_scale: None,
        };
        if let Ok(sol) = solve_lp(&lp, Deadline::none()) {
            best = best.max(sol.objective);
        }
    }
    best
}

fn verdict(challenge: &str, response: &str) -> Value {
    let v: Value = serde_json::from_str(
        &verify_json(challenge, &[response], &VerifyOptions::default()).unwrap(),
    )
    .unwrap();
    v[0].clone()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn generated_markets_are_solved_exactly_and_verified() {
    let mut with_trades = 0;
    let mut with_lots = 0;
    let mut with_ratios = 0;
    for seed in 0..cases() {
        let challenge = random_challenge(seed, GenOptions::default());
        let text = challenge.to_string();
        let parsed = parse_challenge(&text).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let market = build_market(&parsed);
        let response_text = solve_json(&text, &SolveOptions::default())
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let response: Value = serde_json::from_str(&response_text).unwrap();
        let w = response["welfare"].as_f64().unwrap();
        let w_star = brute_force_welfare(&market);
        assert!(
            close(w, w_star, 1e-6),
            "seed {seed}: welfare {w}, brute force {w_star}"
        );
        let v = verdict(&text, &response_text);
        assert_eq!(v["valid"], json!(true), "seed {seed}: {v}");
        assert_eq!(v["q"].as_f64(), Some(1.0), "seed {seed}: {v}");

        // Permutation invariance and determinism: same settlement, same claims, same hash.
        let again: Value = serde_json::from_str(
            &solve_json(
                &shuffled(&challenge, seed).to_string(),
                &SolveOptions::default(),
            )
            .unwrap(),
        )
        .unwrap();
        for field in [
            "settlement",
            "welfare",
            "equilibrium_proof",
            "commitment_hash",
        ] {
            assert_eq!(
                response[field], again[field],
                "seed {seed}: {field} depends on party order"
            );
        }

        with_trades += usize::from(w > 0.0);
        with_lots += usize::from(market.has_all_or_nothing());
        with_ratios += usize::from(!market.ratios.is_empty());
    }
    // The generator must keep producing the hard cases, or this test proves little.
    let n = usize::try_from(cases()).unwrap();
    assert!(
        with_trades * 2 > n,
        "only {with_trades} of {n} markets trade"
    );
    assert!(
        with_lots * 5 > n,
        "only {with_lots} of {n} markets have lots"
    );
    assert!(
        with_ratios * 20 > n,
        "only {with_ratios} of {n} markets have swap ratios"
    );
}

/// The market edge a response trade names, through the engine's own indexes.
fn edge_of(market: &Market, trade: &Value) -> Option<usize> {
    let parties = party_index(market);
    let name = |f: &str| trade[f].as_str().and_then(|id| parties.get(id).copied());
    let (seller, buyer) = (name("seller")?, name("buyer")?);
    edge_index(market)
        .get(&(seller, buyer, trade["resource"].as_str()?))
        .copied()
}

/// Rewrite a damaged response's claims to the truth (per the verifier) and its hash, so that
/// only the damage itself remains to be judged.
fn with_true_claims(challenge: &str, market: &Market, mut response: Value) -> Value {
    let v = verdict(challenge, &response.to_string());
    response["welfare"] = v["welfare"].clone();
    response["equilibrium_proof"]["pareto_optimal"] = v["pareto_optimal"].clone();
    response["equilibrium_proof"]["nash_stable"] = v["nash_stable"].clone();
    response["equilibrium_proof"]["certificate"] = json!({});
    let mut total = std::collections::HashMap::<String, f64>::new();
    for t in response["settlement"]["trades"].as_array().unwrap() {
        let e = edge_of(market, t).unwrap();
        let s = market.edges[e].surplus * t["quantity"].as_f64().unwrap();
        *total
            .entry(t["seller"].as_str().unwrap().into())
            .or_default() += s;
        *total
            .entry(t["buyer"].as_str().unwrap().into())
            .or_default() += s;
    }
    let scores: serde_json::Map<String, Value> = v["utilities"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, u)| {
            let t = total.get(id).copied().unwrap_or(0.0);
            (
                id.clone(),
                json!(if t > 0.0 {
                    u.as_f64().unwrap() / t
                } else {
                    0.0
                }),
            )
        })
        .collect();
    response["equilibrium_proof"]["utility_scores"] = Value::Object(scores);
    let id = response["challenge_id"].as_str().unwrap().to_string();
    response["commitment_hash"] = json!(commitment_hash(&id, "", &response["settlement"]).unwrap());
    response
}

#[test]
fn damaged_responses_get_the_verdict_the_spec_demands() {
    let mut checked = [0usize; 6];
    for seed in 0..cases() / 3 {
        let opts = GenOptions {
            lot_chance: 0.0,
            ..GenOptions::default()
        };
        let challenge = random_challenge(seed, opts).to_string();
        let market = build_market(&parse_challenge(&challenge).unwrap());
        let good: Value =
            serde_json::from_str(&solve_json(&challenge, &SolveOptions::default()).unwrap())
                .unwrap();
        let trades = good["settlement"]["trades"].as_array().unwrap().clone();
        if trades.is_empty() {
            continue;
        }

        // A price outside its corridor.
        let mut bad = good.clone();
        bad["settlement"]["trades"][0]["price_per_unit"] = json!(1e6);
        let v = verdict(&challenge, &bad.to_string());
        assert_eq!(
            (v["valid"].clone(), v["q"].as_f64()),
            (json!(false), Some(0.0)),
            "seed {seed}"
        );
        assert!(
            v["errors"].to_string().contains("corridor"),
            "seed {seed}: {v}"
        );
        checked[0] += 1;

        // Over capacity.
        let mut bad = good.clone();
        bad["settlement"]["trades"][0]["quantity"] = json!(1e7);
        let v = verdict(&challenge, &bad.to_string());
        assert_eq!(v["valid"], json!(false), "seed {seed}");
        assert!(
            v["errors"].to_string().contains("capacity"),
            "seed {seed}: {v}"
        );
        checked[1] += 1;

        // An unknown party.
        let mut bad = good.clone();
        bad["settlement"]["trades"][0]["buyer"] = json!("ghost");
        let v = verdict(&challenge, &bad.to_string());
        assert_eq!(v["valid"], json!(false), "seed {seed}");
        assert!(
            v["errors"].to_string().contains("unknown party"),
            "seed {seed}: {v}"
        );
        checked[2] += 1;

        // A false welfare claim.
        let mut bad = good.clone();
        bad["welfare"] = json!(good["welfare"].as_f64().unwrap() + 1.0);
        let v = verdict(&challenge, &bad.to_string());
        assert_eq!(v["valid"], json!(false), "seed {seed}");
        assert!(
            v["errors"].to_string().contains("welfare"),
            "seed {seed}: {v}"
        );
        checked[3] += 1;

        // A less efficient allocation: every quantity halved, honest claims. Valid, off the
        // frontier (gap 0.5 → T = 0), and dominated by the verifier's own optimum.
        let mut half = good.clone();
        for t in half["settlement"]["trades"].as_array_mut().unwrap() {
            t["quantity"] = json!(t["quantity"].as_f64().unwrap() / 2.0);
        }
        let half = with_true_claims(&challenge, &market, half);
        let v = verdict(&challenge, &half.to_string());
        assert_eq!(v["valid"], json!(true), "seed {seed}: {v}");
        assert_eq!(v["pareto_optimal"], json!(false), "seed {seed}");
        assert_eq!(v["q"].as_f64(), Some(0.0), "seed {seed}: {v}");
        checked[4] += 1;

        // An unfair split: a shared trade's whole surplus moved to its seller. Still on the
        // frontier; not Nash-stable; Q = 0.85.
        let split = trades.iter().position(|t| {
            edge_of(&market, t).is_some_and(|e| {
                let p = t["price_per_unit"].as_f64().unwrap();
                let edge = &market.edges[e];
                // The move must be large against the buyer's utility, or the first-order test
                // (tolerance 1e-6) rightly cannot tell it from the optimum.
                let moved = (edge.ceiling - p) * t["quantity"].as_f64().unwrap();
                let buyer_u = good["settlement"]["parties"][t["buyer"].as_str().unwrap()]
                    ["utility"]
                    .as_f64()
                    .unwrap_or(0.0);
                edge.surplus > 0.01
                    && p > edge.floor + 1e-3
                    && p < edge.ceiling - 1e-3
                    && moved > 0.05 * buyer_u
            })
        });
        if let Some(k) = split {
            let mut unfair = good.clone();
            let t = &trades[k];
            let e = edge_of(&market, t).unwrap();
            unfair["settlement"]["trades"][k]["price_per_unit"] = json!(market.edges[e].ceiling);
            let unfair = with_true_claims(&challenge, &market, unfair);
            let v = verdict(&challenge, &unfair.to_string());
            assert_eq!(v["valid"], json!(true), "seed {seed}: {v}");
            assert_eq!(v["pareto_optimal"], json!(true), "seed {seed}");
            assert_eq!(v["nash_stable"], json!(false), "seed {seed}: {v}");
            assert_eq!(v["q"].as_f64(), Some(0.85), "seed {seed}: {v}");
            checked[5] += 1;
        }
    }
    assert!(
        checked.iter().all(|&c| c > 20),
        "too few damaged cases exercised: {checked:?}"
    );
}

#[test]
fn dominance_among_responses() {
    // Two valid responses to one challenge: the optimal one and one with every quantity halved
    // (honest claims). The halved one is dominated (Q = 0); the optimal one keeps Q = 1.
    let mut seen = 0;
    for seed in 0..200 {
        let opts = GenOptions {
            lot_chance: 0.0,
            ..GenOptions::default()
        };
        let challenge = random_challenge(seed, opts).to_string();
        let market = build_market(&parse_challenge(&challenge).unwrap());
        let good = solve_json(&challenge, &SolveOptions::default()).unwrap();
        let good_v: Value = serde_json::from_str(&good).unwrap();
        if good_v["settlement"]["trades"]
            .as_array()
            .unwrap()
            .is_empty()
        {
            continue;
        }
        let mut half = good_v.clone();
        for t in half["settlement"]["trades"].as_array_mut().unwrap() {
            t["quantity"] = json!(t["quantity"].as_f64().unwrap() / 2.0);
        }
        let half = with_true_claims(&challenge, &market, half).to_string();
        let v: Value = serde_json::from_str(
            &verify_json(&challenge, &[&good, &half], &VerifyOptions::default()).unwrap(),
        )
        .unwrap();
        assert_eq!(v[0]["q"].as_f64(), Some(1.0), "seed {seed}: {v}");
        assert_eq!(v[1]["dominated"], json!(true), "seed {seed}: {v}");
        assert_eq!(v[1]["q"].as_f64(), Some(0.0), "seed {seed}");
        seen += 1;
    }
    assert!(seen > 50);
}

/// Larger generated markets (60–140 parties, every feature): solved and verified with Q = 1.
/// Every run takes 20 of them and the seeds that once failed (faces whose interior-point solve
/// stalled: lots, ratios and utilities of very different sizes together);
/// `NASH_LARGE_CASES=1500` (`NASH_LARGE_FROM` the first seed, default 100000) runs more.
#[test]
fn larger_generated_markets_are_verified() {
    let count: u64 = std::env::var("NASH_LARGE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let from: u64 = std::env::var("NASH_LARGE_FROM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let options = GenOptions {
        min_parties: 60,
        max_parties: 140,
        max_lots: 10,
        ..GenOptions::default()
    };
    // 101_405: a grid face whose dense solve drifted off its rows near the optimum and then
    // took the slow fallbacks past the window (fixed by refining the Newton directions).
    // 107_210: a lots pattern whose face came from an ancestor's duals in the branch and bound
    // (fixed by solving every candidate pattern's relaxation at its own bounds).
    // 111_876: a face with lots and swaps whose interior point ended 1.5 × §3's tolerance off
    // a fixed leg, so column generation took it and stalled at a first-order gap of 5e-6; the
    // response claimed Nash-stable because the oracle LP priced its optimality to the scale of
    // the big-M columns (fixed by projecting the interior point onto the face and by pricing
    // the LP to its real costs).
    let regressions = [
        100_104, 100_473, 100_806, 100_820, 101_405, 101_419, 107_210, 111_876,
    ];
    for seed in (from..from + count).chain(regressions) {
        let text = random_challenge(seed, options).to_string();
        if let Ok(dir) = std::env::var("NASH_DUMP_DIR") {
            std::fs::write(format!("{dir}/large-{seed}.json"), &text).expect("dump");
        }
        let response = solve_json(&text, &SolveOptions::default())
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let v = verdict(&text, &response);
        assert_eq!(v["valid"], json!(true), "seed {seed}: {v}");
        assert_eq!(v["q"].as_f64(), Some(1.0), "seed {seed}: {v}");
    }
}
