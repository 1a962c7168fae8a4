//! The miner's response (§4): trades with per-unit prices, party summaries, welfare, claims,
//! utility scores, certificate and commitment hash.

use serde_json::{json, Map, Value};

use crate::market::{Market, Side};
use crate::nash::Settlement;

/// Per-unit price of an edge's trade: the seller receives its floor plus its share per unit.
#[must_use]
pub fn trade_price(market: &Market, e: usize, x: f64, seller_share: f64) -> f64 {
    let edge = &market.edges[e];
    let p = edge.floor + seller_share / x;
    // Rounding must never push a price out of its corridor.
    p.clamp(edge.floor, edge.ceiling)
}

/// The `settlement` object: trades in canonical edge order and a summary per trading party.
#[must_use]
pub fn settlement_json(market: &Market, s: &Settlement) -> Value {
    let mut trades = Vec::new();
    // Per party and side: (quantity, money).
    let n = market.parties.len();
    let mut bought = vec![(0.0_f64, 0.0_f64, String::new()); n];
    let mut sold = vec![(0.0_f64, 0.0_f64, String::new()); n];
    for (e, edge) in market.edges.iter().enumerate() {
        let x = s.x[e];
        if x <= 0.0 {
            continue;
        }
        let price = trade_price(market, e, x, s.seller_share[e]);
        let resource = market.edge_resource(e);
        trades.push(json!({
            "seller": market.parties[edge.seller].id,
            "buyer": market.parties[edge.buyer].id,
            "resource": resource,
            "quantity": x,
            "price_per_unit": price,
        }));
        bought[edge.buyer].0 += x;
        bought[edge.buyer].1 += price * x;
        bought[edge.buyer].2 = resource.to_string();
        sold[edge.seller].0 += x;
        sold[edge.seller].1 += price * x;
        sold[edge.seller].2 = resource.to_string();
    }
    let mut parties = Map::new();
    for (i, party) in market.parties.iter().enumerate() {
        let (bq, bm, br) = &bought[i];
        let (sq, sm, sr) = &sold[i];
        if *bq <= 0.0 && *sq <= 0.0 {
            continue;
        }
        let avg = |m: f64, q: f64| if q > 0.0 { m / q } else { 0.0 };
        let summary = match party.action {
            "buy" => json!({
                "action": "buy", "resource": br, "quantity": bq, "price_per_unit": avg(*bm, *bq),
                "total": bm, "utility": s.utility[i],
            }),
            "swap" => json!({
                "action": "swap",
                "quantity": bq,
                "price_per_unit": avg(*bm, *bq),
                "total": sm - bm,
                "utility": s.utility[i],
                "gives": { "resource": sr, "quantity": sq, "price_per_unit": avg(*sm, *sq), "total": sm },
                "gets": { "resource": br, "quantity": bq, "price_per_unit": avg(*bm, *bq), "total": bm },
            }),
            action => json!({
                "action": action, "resource": sr, "quantity": sq, "price_per_unit": avg(*sm, *sq),
                "total": sm, "utility": s.utility[i],
            }),
        };
        parties.insert(party.id.clone(), summary);
    }
    json!({ "trades": trades, "parties": parties })
}

/// `utility_scores` (§3.3): `u_i / U_i`, `U_i` the surplus of the trades party `i` takes part
/// in; 0 without trades.
#[must_use]
pub fn utility_scores(market: &Market, x: &[f64], utility: &[f64]) -> Vec<f64> {
    let total = trade_surplus_totals(market, x);
    utility
        .iter()
        .zip(&total)
        .map(|(&u, &t)| {
            if t > 0.0 {
                (u / t).clamp(0.0, 1.0)
            } else {
                0.0
            }
        })
        .collect()
}

/// `U_i` of §3.3: the total surplus of the trades each party takes part in.
#[must_use]
pub fn trade_surplus_totals(market: &Market, x: &[f64]) -> Vec<f64> {
    let mut total = vec![0.0; market.parties.len()];
    for (e, edge) in market.edges.iter().enumerate() {
        if x[e] > 0.0 {
            let t = edge.surplus * x[e];
            total[edge.seller] += t;
            total[edge.buyer] += t;
        }
    }
    total
}

/// Welfare of a flow.
#[must_use]
pub fn welfare_of(market: &Market, x: &[f64]) -> f64 {
    market
        .edges
        .iter()
        .zip(x)
        .map(|(e, &q)| e.surplus * q)
        .sum()
}

/// Side of a leg as a word, for messages.
#[must_use]
pub fn side_word(side: Side) -> &'static str {
    match side {
        Side::Supply => "supply",
        Side::Demand => "demand",
    }
}
