//! Shared helpers of the integration tests: where the fixtures are, and a seeded generator of
//! random markets that exercises every intent kind, constraints, preferences, weights, lots,
//! swaps with ratios and ties.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::path::PathBuf;

use serde_json::{json, Value};

/// `../shared` beside the repository root.
pub fn shared_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

pub fn fixtures_dir() -> PathBuf {
    shared_dir().join("fixtures")
}

/// Every `*.challenge.json` of the shared fixtures with its `*.expected.json`, by name.
pub fn fixtures() -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    let dir = fixtures_dir();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("../shared/fixtures is readable")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().to_string()))
        .filter(|n| n.ends_with(".challenge.json"))
        .collect();
    names.sort();
    for name in names {
        let text = std::fs::read_to_string(dir.join(&name)).expect("fixture readable");
        let expected_name = name.replace(".challenge.json", ".expected.json");
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(&expected_name)).expect("expected readable"),
        )
        .expect("expected is JSON");
        out.push((name, text, expected));
    }
    out
}

#[path = "../rng/mod.rs"]
mod rng;
pub use rng::Rng;

/// Knobs of the generator.
#[derive(Clone, Copy, Debug)]
pub struct GenOptions {
    pub min_parties: usize,
    pub max_parties: usize,
    /// Probability that a buy or sell leg carries an all-or-nothing minimum.
    pub lot_chance: f64,
    /// Upper bound on all-or-nothing legs (keeps brute force over patterns feasible).
    pub max_lots: usize,
    pub swap_chance: f64,
    pub defer_chance: f64,
    pub constraint_chance: f64,
}

impl Default for GenOptions {
    fn default() -> Self {
        Self {
            min_parties: 2,
            max_parties: 40,
            lot_chance: 0.15,
            max_lots: 6,
            swap_chance: 0.12,
            defer_chance: 0.1,
            constraint_chance: 0.3,
        }
    }
}

const REGIONS: [&str; 3] = ["US", "EU", "AS"];
const GPUS: [&str; 3] = ["H100", "A100", "L40S"];

/// A random challenge in the wire format.
pub fn random_challenge(seed: u64, o: GenOptions) -> Value {
    let mut r = Rng::new(seed);
    let n = o.min_parties + r.below(o.max_parties - o.min_parties + 1);
    let resources: Vec<&str> = ["gpu_hours", "storage_tb", "dataset_tb"][..1 + r.below(3)].to_vec();
    let mut lots = 0;
    let mut parties = Vec::new();
    for i in 0..n {
        let id = format!(
            "p{:02}_{}",
            (seed.wrapping_mul(31).wrapping_add(i as u64 * 7)) % 97,
            i
        );
        let region = *r.pick(&REGIONS);
        let mut attributes = json!({ "region": region, "gpu": *r.pick(&GPUS) });
        let roll = r.unit();
        let mut party = if roll < o.swap_chance && resources.len() > 1 {
            let g = r.below(resources.len());
            let h = (g + 1 + r.below(resources.len() - 1)) % resources.len();
            let mut p = json!({
                "intent": "swap",
                "give": { "resource": resources[g], "quantity": { "max": r.qty(5, 120) }, "price": { "min": r.cents(0.5, 2.0) } },
                "get": { "resource": resources[h], "quantity": { "max": r.qty(5, 120) }, "price": { "max": r.cents(0.8, 3.0) } },
            });
            if r.chance(0.5) {
                p["ratio"] = json!({ "give_per_get_max": r.cents(0.3, 2.5) });
            }
            p
        } else if roll < o.swap_chance + o.defer_chance {
            let per = if r.chance(0.5) {
                "unit"
            } else {
                "hour_deferred"
            };
            let mut p = json!({
                "intent": "defer", "resource": resources[0], "quantity": { "current": r.qty(10, 150) },
                "compensation": { "min": r.cents(0.05, 0.6), "per": per },
            });
            if r.chance(0.5) {
                p["constraints"] = json!([format!("max_defer_hours = {}", 1 + r.below(8))]);
            }
            p
        } else if r.chance(0.5) {
            let res = *r.pick(&resources);
            let max = r.qty(5, 300);
            let mut q = json!({ "max": max });
            if lots < o.max_lots && r.chance(o.lot_chance) {
                q["min"] = json!((max * (0.2 + 0.8 * r.unit())).round().max(1.0));
                lots += 1;
            }
            if r.chance(0.4) {
                attributes["duration_hours"] = json!(1 + r.below(8));
            }
            json!({ "intent": "buy", "resource": res, "quantity": q, "price": { "max": r.cents(0.9, 2.6) } })
        } else {
            let res = *r.pick(&resources);
            let avail = r.qty(5, 400);
            let mut q = json!({ "available": avail });
            if lots < o.max_lots && r.chance(o.lot_chance) {
                q["min"] = json!((avail * (0.2 + 0.8 * r.unit())).round().max(1.0));
                lots += 1;
            }
            if r.chance(0.3) {
                attributes["latency_ms"] = json!(5 + r.below(90));
            }
            json!({ "intent": "sell", "resource": res, "quantity": q, "price": { "min": r.cents(0.4, 1.9) } })
        };
        party["id"] = json!(id);
        party["attributes"] = attributes;
        if r.chance(o.constraint_chance) && party.get("constraints").is_none() {
            let c = match r.below(4) {
                0 => format!("latency_ms < {}", 20 + r.below(80)),
                1 => format!("region in [{}, {}]", r.pick(&REGIONS), r.pick(&REGIONS)),
                2 => format!("gpu != {}", r.pick(&GPUS)),
                _ => format!("buyer_region not in [{}]", r.pick(&REGIONS)),
            };
            party["constraints"] = json!([c]);
        }
        if r.chance(0.2) {
            party["preferences"] = json!([{ "when": format!("region = {}", r.pick(&REGIONS)), "bonus": r.cents(0.0, 0.3) }]);
        }
        if r.chance(0.3) {
            party["weight"] = json!(r.cents(0.5, 3.0));
        }
        parties.push(party);
    }
    json!({
        "challenge_id": format!("0x{:016x}", seed),
        "network": { "latency_ms": { "US": { "US": 15, "EU": 80, "AS": 160 }, "EU": { "EU": 12, "AS": 120 }, "AS": { "AS": 20 } } },
        "response_window_ms": 10000,
        "parties": parties,
    })
}

/// The same challenge with its parties in another order.
pub fn shuffled(challenge: &Value, seed: u64) -> Value {
    let mut c = challenge.clone();
    let parties = c["parties"].as_array_mut().expect("parties");
    let mut r = Rng::new(seed);
    for i in (1..parties.len()).rev() {
        let j = r.below(i + 1);
        parties.swap(i, j);
    }
    c
}
