//! The welfare optimality certificate attached to a response (§4, `equilibrium_proof.certificate`).
//!
//! What it is: the branch-and-bound tree of the welfare stage, in preorder, each leaf carrying
//! a dual solution of its node's LP relaxation (a price `y_l` per leg, a price `ρ_k >= 0` per
//! swap ratio). Without all-or-nothing legs the tree is one leaf: plain LP duals.
//!
//! What it proves: for a leaf whose node fixes some legs off (total 0) or on (total in
//! `[min, max]`), weak LP duality bounds the welfare of *every* settlement under that fixing by
//!
//! ```text
//!   Σ_l (y_l⁺ · hi_l − y_l⁻ · lo_l)  +  Σ_e max(0, rc_e) · min(hi_supply(e), hi_demand(e))
//! ```
//!
//! where `rc_e = S_e − y_s − y_d − ρ·(ratio terms)` is the edge's reduced cost (the second sum
//! charges any dual infeasibility, so a slightly inexact dual still gives a true bound). A
//! branch on leg `l` covers every settlement: its total is either 0 (`off`) or, all-or-nothing,
//! in `[min, max]` (`on`). So the largest leaf bound bounds `W*` over the whole mixed-integer
//! problem, lots and ratios included; when it equals the response's welfare (within
//! tolerance), the response is welfare-optimal. Checking costs O(leaves × edges), no solve.
//! It proves nothing about the Nash split: that is the verifier's one-LP first-order test.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::market::{Market, Side};
use crate::relax::{dual_bound, leg_bounds, LegFix};
use crate::welfare::BoundTree;

/// Identifier of the certificate format.
pub const CERTIFICATE_KIND: &str = "nash-bnb-duals/v1";
/// Largest tree emitted: beyond it the certificate would outweigh the response (the 1 MiB
/// limit of §6), and the validator re-solves instead.
pub const MAX_CERTIFICATE_LEAVES: usize = 32;

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Supply => "supply",
        Side::Demand => "demand",
    }
}

fn count_leaves(tree: &BoundTree) -> usize {
    match tree {
        BoundTree::Leaf { .. } => 1,
        BoundTree::Branch { off, on, .. } => count_leaves(off) + count_leaves(on),
    }
}

fn preorder(tree: &BoundTree, out: &mut Vec<Value>) {
    match tree {
        BoundTree::Leaf {
            leg_dual,
            ratio_dual,
            ..
        } => {
            out.push(json!({ "leaf": { "legs": leg_dual, "ratios": ratio_dual } }));
        }
        BoundTree::Branch { leg, off, on } => {
            out.push(json!({ "branch": leg }));
            preorder(off, out);
            preorder(on, out);
        }
    }
}

/// The certificate of a welfare tree, or `None` when the tree is too large to ship.
#[must_use]
pub fn build(market: &Market, tree: &BoundTree, welfare: f64) -> Option<Value> {
    if count_leaves(tree) > MAX_CERTIFICATE_LEAVES {
        return None;
    }
    let legs: Vec<Value> = market
        .legs
        .iter()
        .map(|l| json!([market.parties[l.party].id, side_name(l.side), l.resource]))
        .collect();
    let ratios: Vec<Value> = market
        .ratios
        .iter()
        .map(|r| json!(market.parties[r.party].id))
        .collect();
    let mut nodes = Vec::new();
    preorder(tree, &mut nodes);
    Some(json!({
        "kind": CERTIFICATE_KIND,
        "welfare_bound": welfare,
        "legs": legs,
        "ratios": ratios,
        "tree": nodes,
    }))
}

/// Why a certificate does not prove optimality.
pub type CertificateError = String;

fn number_list(v: &Value, path: &str) -> Result<Vec<f64>, CertificateError> {
    let arr = v
        .as_array()
        .ok_or_else(|| format!("{path} is not an array"))?;
    arr.iter()
        .enumerate()
        .map(|(k, x)| {
            x.as_f64()
                .filter(|f| f.is_finite())
                .ok_or_else(|| format!("{path}[{k}] is not a finite number"))
        })
        .collect()
}

/// Check a certificate against the market: the upper bound on `W*` it proves.
///
/// # Errors
/// A message naming the part of the certificate that is malformed.
pub fn check(market: &Market, cert: &Value) -> Result<f64, CertificateError> {
    let kind = cert.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind != CERTIFICATE_KIND {
        return Err(format!("certificate.kind is not \"{CERTIFICATE_KIND}\""));
    }
    // Map the certificate's leg and ratio lists onto the market's.
    let mut leg_key: HashMap<(&str, &str, &str), usize> = HashMap::new();
    for (l, leg) in market.legs.iter().enumerate() {
        leg_key.insert(
            (
                market.parties[leg.party].id.as_str(),
                side_name(leg.side),
                leg.resource.as_str(),
            ),
            l,
        );
    }
    let legs = cert
        .get("legs")
        .and_then(Value::as_array)
        .ok_or("certificate.legs is missing")?;
    let mut leg_map = Vec::with_capacity(legs.len());
    for (k, item) in legs.iter().enumerate() {
        let key = item
            .as_array()
            .filter(|a| a.len() == 3)
            .ok_or_else(|| format!("certificate.legs[{k}] is not [party, side, resource]"))?;
        let s = |i: usize| key[i].as_str().unwrap_or("");
        let l = leg_key
            .get(&(s(0), s(1), s(2)))
            .ok_or_else(|| format!("certificate.legs[{k}] names no leg of the challenge"))?;
        leg_map.push(*l);
    }
    let ratios = cert
        .get("ratios")
        .and_then(Value::as_array)
        .ok_or("certificate.ratios is missing")?;
    let mut ratio_map = Vec::with_capacity(ratios.len());
    for (k, item) in ratios.iter().enumerate() {
        let id = item.as_str().unwrap_or("");
        let r = market
            .ratios
            .iter()
            .position(|r| market.parties[r.party].id == id)
            .ok_or_else(|| format!("certificate.ratios[{k}] names no swap ratio"))?;
        ratio_map.push(r);
    }
    let nodes = cert
        .get("tree")
        .and_then(Value::as_array)
        .ok_or("certificate.tree is missing")?;

    // Walk the preorder with an explicit stack of pending "on" branches.
    let mut fix = vec![LegFix::Free; market.legs.len()];
    let mut stack: Vec<(usize, u8)> = Vec::new(); // (market leg, children done)
    let mut bound = f64::NEG_INFINITY;
    let mut k = 0;
    loop {
        let node = nodes
            .get(k)
            .ok_or("certificate.tree ends before the tree is complete")?;
        let path = format!("certificate.tree[{k}]");
        k += 1;
        if let Some(b) = node.get("branch") {
            let idx = b
                .as_u64()
                .ok_or_else(|| format!("{path}.branch is not a leg index"))?;
            let l = *leg_map
                .get(usize::try_from(idx).unwrap_or(usize::MAX))
                .ok_or_else(|| format!("{path}.branch is out of range"))?;
            if fix[l] != LegFix::Free {
                return Err(format!("{path} branches twice on one leg"));
            }
            fix[l] = LegFix::Off;
            stack.push((l, 0));
            continue;
        }
        let leaf = node
            .get("leaf")
            .ok_or_else(|| format!("{path} is neither branch nor leaf"))?;
        let ys = number_list(
            leaf.get("legs").unwrap_or(&Value::Null),
            &format!("{path}.leaf.legs"),
        )?;
        let rhos = number_list(
            leaf.get("ratios").unwrap_or(&Value::Null),
            &format!("{path}.leaf.ratios"),
        )?;
        if ys.len() != leg_map.len() || rhos.len() != ratio_map.len() {
            return Err(format!("{path}.leaf has the wrong number of duals"));
        }
        if rhos.iter().any(|&r| r < 0.0) {
            return Err(format!("{path}.leaf.ratios has a negative price"));
        }
        bound = bound.max(leaf_bound(market, &fix, &leg_map, &ys, &ratio_map, &rhos));
        // Pop finished branches; turn the innermost unfinished one to its "on" side.
        loop {
            match stack.last_mut() {
                None => {
                    if k != nodes.len() {
                        return Err("certificate.tree has nodes after the tree is complete".into());
                    }
                    return Ok(bound);
                }
                Some((l, done)) if *done == 0 => {
                    *done = 1;
                    fix[*l] = LegFix::On;
                    break;
                }
                Some((l, _)) => {
                    fix[*l] = LegFix::Free;
                    stack.pop();
                }
            }
        }
    }
}

fn leaf_bound(
    market: &Market,
    fix: &[LegFix],
    leg_map: &[usize],
    ys: &[f64],
    ratio_map: &[usize],
    rhos: &[f64],
) -> f64 {
    let mut y = vec![0.0; market.legs.len()];
    for (k, &l) in leg_map.iter().enumerate() {
        y[l] = ys[k];
    }
    let mut rho = vec![0.0; market.ratios.len()];
    for (k, &r) in ratio_map.iter().enumerate() {
        rho[r] = rhos[k];
    }
    let (lo, hi) = leg_bounds(market, fix);
    dual_bound(market, &lo, &hi, &y, &rho)
}
