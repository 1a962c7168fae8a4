//! The GPU-hour market generator of the settlement benchmark (shared with tests).

use serde_json::{json, Value};

#[path = "../tests/rng/mod.rs"]
pub mod rng;
use rng::Rng;

/// A plain transportation market: three GPU types as resources (so about a third of the
/// seller×buyer pairs are edges, as in the anchors of `shared/notes/solver-ideas.md`).
pub fn market(sellers: usize, buyers: usize, seed: u64) -> String {
    let gpus = [
        ("gpu_hours_h100", 1.79),
        ("gpu_hours_a100", 1.20),
        ("gpu_hours_l40s", 0.85),
    ];
    let mut r = Rng(seed);
    let mut parties = Vec::new();
    for i in 0..sellers {
        let (res, rate) = gpus[i % 3];
        parties.push(json!({
            "id": format!("seller_{i:03}"), "intent": "sell", "resource": res,
            "quantity": { "available": (20.0 + 480.0 * r.unit()).round() },
            "price": { "min": rate * (0.6 + 0.45 * r.unit()) },
        }));
    }
    for j in 0..buyers {
        let (res, rate) = gpus[(j * 7 + 1) % 3];
        parties.push(json!({
            "id": format!("buyer_{j:03}"), "intent": "buy", "resource": res,
            "quantity": { "max": (20.0 + 480.0 * r.unit()).round() },
            "price": { "max": rate * (0.95 + 0.65 * r.unit()) },
        }));
    }
    let c: Value = json!({
        "challenge_id": format!("0x{seed:016x}"),
        "response_window_ms": 10000,
        "parties": parties,
    });
    c.to_string()
}
