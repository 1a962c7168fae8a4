//! The miner's response (§4): trades with per-unit prices, party summaries, welfare, claims,
//! utility scores, certificate and commitment hash.

use serde_json::Value;

use crate::error::{NashError, Result};
use crate::jcs::{key_order, write_number, write_string};
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
    let mut text = String::new();
    // The text is the engine's own (finite numbers, valid JSON); a failure would be a bug
    // that the tests, which are this function's users, would show as a null settlement.
    if write_settlement(&mut text, market, s).is_err() {
        return Value::Null;
    }
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Per party and side: quantity, money and resource of its trades.
#[derive(Clone, Default)]
struct Side3 {
    quantity: f64,
    money: f64,
    resource: String,
}

/// Append the `settlement` object in RFC 8785 canonical form (keys in UTF-16 order, numbers
/// in ECMAScript form): the text the commitment hash is taken over, and the text the response
/// carries, written once and directly (no intermediate JSON tree: at 100×100 building and
/// dropping that tree cost more than the whole welfare stage).
///
/// # Errors
/// `INTERNAL` when a number is not finite (never for a settlement the engine produced).
pub fn write_settlement(out: &mut String, market: &Market, s: &Settlement) -> Result<()> {
    let n = market.parties.len();
    let mut bought = vec![Side3::default(); n];
    let mut sold = vec![Side3::default(); n];
    // Sized once (a trade writes about 150 bytes, a party summary about 170): grown by
    // doubling, the 100×100 response's 80 KB were copied several times over.
    let traded = s.x.iter().filter(|&&x| x > 0.0).count();
    let mut trades = String::with_capacity(160 * traded + 2);
    trades.push('[');
    let mut first = true;
    for (e, edge) in market.edges.iter().enumerate() {
        let x = s.x[e];
        if x <= 0.0 {
            continue;
        }
        let price = trade_price(market, e, x, s.seller_share[e]);
        let resource = market.edge_resource(e);
        if !first {
            trades.push(',');
        }
        first = false;
        trades.push_str("{\"buyer\":");
        write_string(&mut trades, &market.parties[edge.buyer].id);
        trades.push_str(",\"price_per_unit\":");
        number(&mut trades, price)?;
        trades.push_str(",\"quantity\":");
        number(&mut trades, x)?;
        trades.push_str(",\"resource\":");
        write_string(&mut trades, resource);
        trades.push_str(",\"seller\":");
        write_string(&mut trades, &market.parties[edge.seller].id);
        trades.push('}');
        let b = &mut bought[edge.buyer];
        b.quantity += x;
        b.money += price * x;
        resource.clone_into(&mut b.resource);
        let v = &mut sold[edge.seller];
        v.quantity += x;
        v.money += price * x;
        resource.clone_into(&mut v.resource);
    }
    trades.push(']');
    out.reserve(trades.len() + 200 * n + 32);
    let order = parties_in_key_order(market);
    let avg = |m: f64, q: f64| if q > 0.0 { m / q } else { 0.0 };
    out.push_str("{\"parties\":{");
    let mut first = true;
    for i in order {
        let (b, v) = (&bought[i], &sold[i]);
        if b.quantity <= 0.0 && v.quantity <= 0.0 {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        let party = &market.parties[i];
        write_string(out, &party.id);
        out.push_str(":{\"action\":");
        write_string(out, party.action);
        if party.action == "swap" {
            out.push_str(",\"gets\":");
            leg_summary(out, b)?;
            out.push_str(",\"gives\":");
            leg_summary(out, v)?;
            out.push_str(",\"price_per_unit\":");
            number(out, avg(b.money, b.quantity))?;
            out.push_str(",\"quantity\":");
            number(out, b.quantity)?;
            out.push_str(",\"total\":");
            number(out, v.money - b.money)?;
        } else {
            out.push(',');
            side_fields(out, if party.action == "buy" { b } else { v })?;
        }
        out.push_str(",\"utility\":");
        number(out, s.utility[i])?;
        out.push('}');
    }
    out.push_str("},\"trades\":");
    out.push_str(&trades);
    out.push('}');
    Ok(())
}

/// Party indices in the canonical order of their ids as object keys (JCS: UTF-16 order, which
/// is the parties' own byte order unless an id holds characters at or above U+E000).
#[must_use]
pub fn parties_in_key_order(market: &Market) -> Vec<usize> {
    let mut order: Vec<usize> = (0..market.parties.len()).collect();
    order.sort_by(|&a, &b| key_order(&market.parties[a].id, &market.parties[b].id));
    order
}

/// `{price_per_unit, quantity, resource, total}` of one side of a swap.
fn leg_summary(out: &mut String, side: &Side3) -> Result<()> {
    out.push('{');
    side_fields(out, side)?;
    out.push('}');
    Ok(())
}

/// `"price_per_unit":…,"quantity":…,"resource":…,"total":…` of one side (keys in order).
fn side_fields(out: &mut String, side: &Side3) -> Result<()> {
    out.push_str("\"price_per_unit\":");
    number(
        out,
        if side.quantity > 0.0 {
            side.money / side.quantity
        } else {
            0.0
        },
    )?;
    out.push_str(",\"quantity\":");
    number(out, side.quantity)?;
    out.push_str(",\"resource\":");
    write_string(out, &side.resource);
    out.push_str(",\"total\":");
    number(out, side.money)?;
    Ok(())
}

/// A finite number in ECMAScript form.
fn number(out: &mut String, x: f64) -> Result<()> {
    if !x.is_finite() {
        return Err(NashError::internal("a settlement number is not finite"));
    }
    write_number(out, x);
    Ok(())
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
