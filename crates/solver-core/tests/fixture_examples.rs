//! The verifier on answers it did not compute: each fixture's own `example_allocation`, split
//! exactly (`split::nash_split`), must give the fixture's `nash_utilities`, and the response
//! written from it must get Q = 1 — with and without a certificate (none is attached here, so
//! the verifier re-solves).

mod common;

use nash_solver_core::challenge::parse_challenge;
use nash_solver_core::edges::build_market;
use nash_solver_core::jcs::commitment_hash;
use nash_solver_core::nash::Settlement;
use nash_solver_core::response::{settlement_json, utility_scores, welfare_of};
use nash_solver_core::split::{nash_split, Trade};
use nash_solver_core::{verify_json, VerifyOptions};
use serde_json::{json, Map, Value};

#[test]
fn each_fixtures_example_allocation_split_exactly_gets_q_1() {
    for (name, text, expected) in common::fixtures() {
        let market = build_market(&parse_challenge(&text).unwrap());
        let mut x = vec![0.0; market.edges.len()];
        for t in expected["example_allocation"].as_array().unwrap() {
            let e = (0..market.edges.len())
                .find(|&e| {
                    let edge = &market.edges[e];
                    market.parties[edge.seller].id == t["seller"].as_str().unwrap()
                        && market.parties[edge.buyer].id == t["buyer"].as_str().unwrap()
                        && market.edge_resource(e) == t["resource"].as_str().unwrap()
                })
                .unwrap_or_else(|| panic!("{name}: the example trades on an edge of the market"));
            x[e] = t["quantity"].as_f64().unwrap();
        }
        let weights: Vec<f64> = market.parties.iter().map(|p| p.weight).collect();
        let used: Vec<usize> = (0..x.len()).filter(|&e| x[e] > 0.0).collect();
        let trades: Vec<Trade> = used
            .iter()
            .map(|&e| {
                let edge = &market.edges[e];
                Trade {
                    seller: edge.seller,
                    buyer: edge.buyer,
                    surplus: edge.surplus * x[e],
                }
            })
            .collect();
        let split = nash_split(&weights, &trades);
        let mut share = vec![0.0; x.len()];
        for (k, &e) in used.iter().enumerate() {
            share[e] = split.seller_share[k];
        }
        let mut utility = split.utility.clone();
        utility.resize(market.parties.len(), 0.0);
        for (id, u) in expected["nash_utilities"].as_object().unwrap() {
            let i = market.parties.iter().position(|p| &p.id == id).unwrap();
            let want = u.as_f64().unwrap();
            assert!(
                (utility[i] - want).abs() <= 1e-6 * want.max(1.0),
                "{name}: {id} {} vs {want}",
                utility[i]
            );
        }
        let settlement = Settlement {
            x: x.clone(),
            seller_share: share,
            utility: utility.clone(),
            p_plus: vec![true; market.parties.len()],
            pattern: 0,
            oracle_prices: None,
            oracle_basis: None,
        };
        let s = settlement_json(&market, &settlement);
        let scores: Map<String, Value> = market
            .parties
            .iter()
            .zip(utility_scores(&market, &x, &utility))
            .map(|(p, v)| (p.id.clone(), json!(v)))
            .collect();
        let id = expected["challenge_id"].as_str().unwrap();
        let response = json!({
            "challenge_id": id,
            "settlement": s,
            "welfare": welfare_of(&market, &x),
            "equilibrium_proof": { "pareto_optimal": true, "nash_stable": true, "utility_scores": scores },
            "commitment_hash": commitment_hash(id, "", &s).unwrap(),
            "response_time_ms": 1,
        })
        .to_string();
        let v: Value = serde_json::from_str(
            &verify_json(&text, &[&response], &VerifyOptions::default()).unwrap(),
        )
        .unwrap();
        assert_eq!(v[0]["valid"], json!(true), "{name}: {}", v[0]);
        assert_eq!(v[0]["q"].as_f64(), Some(1.0), "{name}: {}", v[0]);
        assert_eq!(v[0]["optimum_source"], json!("solve"), "{name}");
    }
}
