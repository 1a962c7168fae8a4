//! The shared fixtures through `parse_challenge` and `build_market`: the edges §2 and §7 imply,
//! input-order independence, and the size/nesting limits of §6.

use std::fs;
use std::path::{Path, PathBuf};

use nash_solver_core::challenge::Intent;
use nash_solver_core::error::ErrorCode;
use nash_solver_core::limits::{MAX_CONSTRAINT_STRINGS, MAX_JSON_BYTES, MAX_PARTIES};
use nash_solver_core::market::Side;
use nash_solver_core::{
    build_market, edge_attrs, edge_index, parse_challenge, party_index, Market,
};
use serde_json::{json, Value};

fn fixture(name: &str) -> String {
    let dir = std::env::var_os("NASH_SHARED_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
        PathBuf::from,
    );
    let path = dir.join("fixtures").join(format!("{name}.challenge.json"));
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn market(name: &str) -> Market {
    build_market(&parse_challenge(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}")))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12
}

/// (seller id, buyer id, resource, surplus) of every edge, in market order.
fn edge_list(m: &Market) -> Vec<(String, String, String, f64)> {
    (0..m.edges.len())
        .map(|e| {
            let edge = &m.edges[e];
            (
                m.parties[edge.seller].id.clone(),
                m.parties[edge.buyer].id.clone(),
                m.edge_resource(e).to_string(),
                edge.surplus,
            )
        })
        .collect()
}

fn assert_edges(m: &Market, want: &[(&str, &str, &str, f64)]) {
    let got = edge_list(m);
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(
            (g.0.as_str(), g.1.as_str(), g.2.as_str()),
            (w.0, w.1, w.2),
            "{got:?}"
        );
        assert!(close(g.3, w.3), "surplus of {g:?}, want {}", w.3);
    }
    for e in &m.edges {
        assert!(close(e.surplus, e.ceiling - e.floor));
        assert!(
            close(e.floor, e.cost - e.seller_bonus) && close(e.ceiling, e.value + e.buyer_bonus)
        );
    }
}

#[test]
fn seed_three_party_has_the_two_edges_of_section_7() {
    let m = market("seed-three-party");
    assert_edges(
        &m,
        &[
            ("sn12_compute_horde", "sn64_chutes", "gpu_hours", 0.6),
            ("sn27_nodexo", "sn64_chutes", "gpu_hours", 0.5),
        ],
    );
    // Deferral cost is 0.20 per hour deferred x the buyer's 6 hours.
    assert!(close(m.edges[0].cost, 1.2));
    let ids: Vec<&str> = m.parties.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["sn12_compute_horde", "sn27_nodexo", "sn64_chutes"]);
    let buyer = &m.legs[m.edges[0].demand];
    assert_eq!(
        (buyer.side, buyer.min, buyer.max),
        (Side::Demand, 100.0, 300.0)
    );
}

#[test]
fn seed_nodexo_region_comes_from_its_constraint() {
    let c = parse_challenge(&fixture("seed-three-party")).expect("valid");
    let nodexo = c
        .parties
        .iter()
        .find(|p| p.id == "sn27_nodexo")
        .expect("nodexo");
    let chutes = c
        .parties
        .iter()
        .find(|p| p.id == "sn64_chutes")
        .expect("chutes");
    let attrs = edge_attrs(&c, nodexo, chutes);
    let s = |k: &str| attrs.get(k).cloned();
    use nash_solver_core::challenge::AttrValue::{Num, Str};
    assert_eq!(s("region"), Some(Str("EU".into())));
    assert_eq!(s("buyer_region"), Some(Str("US".into())));
    assert_eq!(s("latency_ms"), Some(Num(38.0)));
    assert_eq!(s("hours"), Some(Num(6.0)));
    assert_eq!(s("seller"), Some(Str("sn27_nodexo".into())));
}

#[test]
fn two_party_has_one_edge() {
    let m = market("two-party");
    assert_edges(
        &m,
        &[("compute_agent", "inference_agent", "gpu_hours", 0.4)],
    );
}

#[test]
fn preferences_bonus_only_on_the_eu_edge() {
    let m = market("agents-with-preferences");
    assert_edges(
        &m,
        &[
            ("compute", "inference", "gpu_hours", 0.8),
            ("storage", "inference", "gpu_hours", 0.9),
        ],
    );
    // US -> EU is 81 ms: no bonus; EU -> EU is 22 ms: the 0.10 latency bonus.
    assert!(close(m.edges[0].buyer_bonus, 0.0));
    assert!(close(m.edges[1].buyer_bonus, 0.1));
    assert!(close(m.edges[1].cost, 0.3 * 4.0));
    assert!(close(m.edges[1].ceiling, 2.1));
}

#[test]
fn all_or_nothing_and_swap_ring() {
    let m = market("all-or-nothing");
    assert_eq!(m.edges.len(), 6);
    assert!(m.has_all_or_nothing());
    let m = market("swap-ring");
    assert_edges(
        &m,
        &[
            ("compute_subnet", "data_subnet", "gpu_hours", 0.65),
            ("data_subnet", "training_subnet", "dataset_tb", 1.5),
            ("training_subnet", "compute_subnet", "storage_tb_month", 0.7),
        ],
    );
    assert_eq!(m.ratios.len(), 1);
    let r = &m.ratios[0];
    assert_eq!(m.parties[r.party].id, "data_subnet");
    assert_eq!(
        (m.legs[r.give].side, m.legs[r.get].side),
        (Side::Supply, Side::Demand)
    );
    assert_eq!(m.legs[r.give].resource, "dataset_tb");
    assert!(close(r.give_per_get_max, 0.5));
}

#[test]
fn indexes_find_every_edge() {
    let m = market("seed-three-party");
    let parties = party_index(&m);
    let edges = edge_index(&m);
    let key = (parties["sn27_nodexo"], parties["sn64_chutes"], "gpu_hours");
    assert_eq!(edges.get(&key), Some(&1));
    assert_eq!(
        edges.get(&(parties["sn64_chutes"], parties["sn27_nodexo"], "gpu_hours")),
        None
    );
    assert_eq!(edges.len(), m.edges.len());
}

#[test]
fn party_order_does_not_change_the_market() {
    for name in [
        "seed-three-party",
        "agents-with-preferences",
        "all-or-nothing",
        "swap-ring",
        "two-party",
    ] {
        let doc: Value = serde_json::from_str(&fixture(name)).expect("json");
        let base = build_market(&parse_challenge(&doc.to_string()).expect("valid"));
        let n = doc["parties"].as_array().expect("parties").len();
        for rot in 0..n {
            for reverse in [false, true] {
                let mut d = doc.clone();
                let ps = d["parties"].as_array_mut().expect("parties");
                ps.rotate_left(rot);
                if reverse {
                    ps.reverse();
                }
                let m = build_market(&parse_challenge(&d.to_string()).expect("valid"));
                assert_eq!(m, base, "{name} rotated {rot} reversed {reverse}");
            }
        }
    }
}

#[test]
fn no_self_trade_for_a_party_with_both_legs() {
    // A swap that gives x and gets y next to another swap giving y and getting x: two edges, and
    // never one from a party to itself.
    let doc = json!({"challenge_id": "0x0123abcd", "parties": [
        {"id": "a", "intent": "swap", "give": {"resource": "x", "quantity": {"max": 1}, "price": {"min": 1}},
         "get": {"resource": "y", "quantity": {"max": 1}, "price": {"max": 2}}},
        {"id": "b", "intent": "swap", "give": {"resource": "y", "quantity": {"max": 1}, "price": {"min": 1}},
         "get": {"resource": "x", "quantity": {"max": 1}, "price": {"max": 2}}}]});
    let m = build_market(&parse_challenge(&doc.to_string()).expect("valid"));
    assert_eq!(m.edges.len(), 2);
    assert!(m.edges.iter().all(|e| e.seller != e.buyer));
}

#[test]
fn negative_surplus_and_failed_constraints_drop_edges() {
    let doc = json!({"challenge_id": "0x0123abcd", "parties": [
        {"id": "b1", "intent": "buy", "resource": "r", "quantity": {"max": 1}, "price": {"max": 1}},
        {"id": "b2", "intent": "buy", "resource": "r", "quantity": {"max": 1}, "price": {"max": 5},
         "constraints": ["gpu = H100"]},
        {"id": "s", "intent": "sell", "resource": "r", "quantity": {"available": 1}, "price": {"min": 2},
         "attributes": {"gpu": "A100"}, "preferences": [{"when": "buyer = b1", "bonus": 0.5}]}]});
    let m = build_market(&parse_challenge(&doc.to_string()).expect("valid"));
    // b1: 1 + 0 - 2 + 0.5 < 0; b2: gpu is A100.
    assert!(m.edges.is_empty(), "{:?}", m.edges);
    let doc2 = doc.to_string().replace("\"bonus\":0.5", "\"bonus\":1.0");
    let m = build_market(&parse_challenge(&doc2).expect("valid"));
    assert_eq!(m.edges.len(), 1);
    assert!(close(m.edges[0].surplus, 0.0) && close(m.edges[0].floor, 1.0));
}

fn simple_party(i: usize) -> Value {
    json!({"id": format!("p{i:05}"), "intent": "buy", "resource": "r", "quantity": {"max": 1}, "price": {"max": 1}})
}

#[test]
fn size_limit_is_checked_before_parsing() {
    let doc = json!({"challenge_id": "0x0123abcd", "parties": [simple_party(0)]}).to_string();
    let pad = |n: usize| format!("{doc}{}", " ".repeat(n - doc.len()));
    assert!(parse_challenge(&pad(MAX_JSON_BYTES)).is_ok());
    let err = parse_challenge(&pad(MAX_JSON_BYTES + 1)).expect_err("too large");
    assert_eq!((err.code, err.path.as_str()), (ErrorCode::TooLarge, "$"));
    // Over the limit even when the text is not JSON at all: size comes first.
    let err = parse_challenge(&"[".repeat(MAX_JSON_BYTES + 1)).expect_err("too large");
    assert_eq!(err.code, ErrorCode::TooLarge);
}

#[test]
fn party_and_constraint_limits() {
    let parties = |n: usize| (0..n).map(simple_party).collect::<Vec<_>>();
    let ok = json!({"challenge_id": "0x0123abcd", "parties": parties(MAX_PARTIES)});
    assert_eq!(
        parse_challenge(&ok.to_string())
            .expect("1024 parties")
            .parties
            .len(),
        MAX_PARTIES
    );
    let over = json!({"challenge_id": "0x0123abcd", "parties": parties(MAX_PARTIES + 1)});
    let err = parse_challenge(&over.to_string()).expect_err("1025 parties");
    assert_eq!((err.code, err.path.as_str()), (ErrorCode::Limit, "parties"));

    let mut two = parties(2);
    two[0]["constraints"] = json!(vec!["x = 1"; MAX_CONSTRAINT_STRINGS / 2]);
    two[1]["preferences"] = json!(vec![
        json!({"when": "x = 1", "bonus": 1});
        MAX_CONSTRAINT_STRINGS / 2 + 1
    ]);
    let err = parse_challenge(&json!({"challenge_id": "0x0123abcd", "parties": two}).to_string())
        .expect_err("4097");
    assert_eq!((err.code, err.path.as_str()), (ErrorCode::Limit, "parties"));
}

#[test]
fn deep_nesting_is_invalid_json_not_a_stack_overflow() {
    for n in [129, 100_000] {
        let text = format!("{}{}", "[".repeat(n), "]".repeat(n));
        let err = parse_challenge(&text).expect_err("deep");
        assert_eq!(err.code, ErrorCode::InvalidJson, "{n}");
        let text = format!("{{\"x\":{}1{}}}", "{\"a\":".repeat(n), "}".repeat(n));
        assert_eq!(
            parse_challenge(&text).expect_err("deep").code,
            ErrorCode::InvalidJson,
            "{n}"
        );
    }
    // 128 levels are fine for the reader (the document then fails validation as an array).
    let text = format!("{}{}", "[".repeat(128), "]".repeat(128));
    assert_eq!(
        parse_challenge(&text).expect_err("array").code,
        ErrorCode::Type
    );
}

#[test]
fn constraint_errors_name_the_party_and_the_text() {
    let doc = json!({"challenge_id": "0x0123abcd", "parties": [
        {"id": "zed", "intent": "buy", "resource": "r", "quantity": {"max": 1}, "price": {"max": 1},
         "preferences": [{"when": "latency_ms <<< 5", "bonus": 1}]}]});
    let err = parse_challenge(&doc.to_string()).expect_err("syntax");
    assert_eq!(
        (err.code, err.path.as_str()),
        (
            ErrorCode::ConstraintSyntax,
            "parties[0].preferences[0].when"
        )
    );
    assert!(
        err.message.contains("zed") && err.message.contains("latency_ms <<< 5"),
        "{}",
        err.message
    );
}

#[test]
fn defaults_are_applied() {
    let c = parse_challenge(&fixture("two-party")).expect("valid");
    assert_eq!(
        (
            c.version,
            c.response_window_ms,
            c.currency.as_str(),
            c.timestamp
        ),
        (1, 200, "TAO", None)
    );
    assert!(c
        .parties
        .iter()
        .all(|p| (p.weight - 1.0).abs() < f64::EPSILON));
    let doc = json!({"challenge_id": "0x0123abcd", "parties": [
        {"id": "d", "intent": "defer", "resource": "r", "quantity": {"current": 2}, "compensation": {"min": 1}},
        {"id": "s", "intent": "sell", "resource": "r", "quantity": {"max": 3}, "price": {"min": 1}}]});
    let c = parse_challenge(&doc.to_string()).expect("valid");
    match &c.parties[0].intent {
        Intent::Defer { per, current, .. } => {
            assert_eq!(*per, nash_solver_core::challenge::CompensationPer::Unit);
            assert!(close(*current, 2.0));
        }
        other => panic!("{other:?}"),
    }
    match &c.parties[1].intent {
        Intent::Sell(s) => assert!(close(s.available, 3.0) && close(s.min, 0.0)),
        other => panic!("{other:?}"),
    }
}
