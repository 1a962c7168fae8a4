//! Verdicts (§5): for one challenge and any number of responses, validity (every rule, every
//! claim, the commitment), welfare, `W*`, gap, Pareto, Nash-stability, dominance and Q.
//!
//! A bad response is a verdict with `valid: false` and its reasons, never an error: only an
//! invalid challenge (or a deadline, or a bug) makes `verify` fail.

use serde::Serialize;
use serde_json::Value;

use crate::certificate;
use crate::deadline::Deadline;
use crate::edges::{edge_index, party_index};
use crate::error::Result;
use crate::jcs::commitment_hash;
use crate::limits::{
    abs_tol, gap_factor, CLAIM_TOL, FRONTIER_GAP_TOL, MAX_JSON_BYTES, Q_NASH_STABLE,
    Q_NASH_UNSTABLE,
};
use crate::market::Market;
use crate::nash::{p_plus_over_face_from, pattern_face, Settlement};
use crate::relax::{leg_bounds, maximise, LegFix};
use crate::stability::{frontier_stable_by_prices, frontier_stable_from, per_trade_stable};
use crate::welfare::{leg_totals, OptimalPattern};

/// The verdict on one response (§5). Utilities are reported by party id for transparency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub valid: bool,
    pub errors: Vec<String>,
    pub welfare: Option<f64>,
    pub optimal_welfare: Option<f64>,
    pub gap: Option<f64>,
    pub pareto_optimal: bool,
    pub nash_stable: bool,
    pub dominated: bool,
    pub q: f64,
    /// Whether `W*` came from the response's certificate (no re-solve) or from the verifier's
    /// own solve.
    pub optimum_source: Option<&'static str>,
    pub utilities: std::collections::BTreeMap<String, f64>,
}

impl Verdict {
    fn invalid(errors: Vec<String>) -> Self {
        Self {
            valid: false,
            errors,
            welfare: None,
            optimal_welfare: None,
            gap: None,
            pareto_optimal: false,
            nash_stable: false,
            dominated: false,
            q: 0.0,
            optimum_source: None,
            utilities: std::collections::BTreeMap::new(),
        }
    }
}

/// The verifier's own optimum, computed at most once per call and only when needed.
pub trait OwnSolution {
    /// `W*` and `u*`.
    ///
    /// # Errors
    /// As the solver.
    fn get(&mut self) -> Result<(f64, Vec<f64>)>;
}

/// A response read and recomputed from its trades.
struct Reading {
    x: Vec<f64>,
    share: Vec<f64>,
    utility: Vec<f64>,
    welfare: f64,
    raw: Value,
}

fn get_path<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

/// Parse a response's trades and check every rule of §3 and §4 except the claims.
fn read(
    market: &Market,
    challenge_id: &str,
    text: &str,
    errors: &mut Vec<String>,
) -> Option<Reading> {
    if text.len() > MAX_JSON_BYTES {
        errors.push(format!("$: the response is over {MAX_JSON_BYTES} bytes"));
        return None;
    }
    let raw: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            errors.push(format!("$: not JSON ({e})"));
            return None;
        }
    };
    match raw.get("challenge_id").and_then(Value::as_str) {
        Some(id) if id == challenge_id => {}
        Some(id) => errors.push(format!(
            "challenge_id: {id} is not this challenge ({challenge_id})"
        )),
        None => errors.push("challenge_id: missing or not a string".into()),
    }
    let Some(trades) = get_path(&raw, &["settlement", "trades"]).and_then(Value::as_array) else {
        errors.push("settlement.trades: missing or not an array".into());
        return None;
    };
    let parties = party_index(market);
    let index = edge_index(market);
    let mut x = vec![0.0; market.edges.len()];
    let mut share = vec![0.0; market.edges.len()];
    let mut seen = vec![false; market.edges.len()];
    for (k, t) in trades.iter().enumerate() {
        let path = format!("settlement.trades[{k}]");
        let s = |f: &str| t.get(f).and_then(Value::as_str);
        let n = |f: &str| t.get(f).and_then(Value::as_f64).filter(|v| v.is_finite());
        let (Some(seller), Some(buyer), Some(resource)) = (s("seller"), s("buyer"), s("resource"))
        else {
            errors.push(format!(
                "{path}: seller, buyer and resource must be strings"
            ));
            continue;
        };
        let (Some(q), Some(p)) = (n("quantity"), n("price_per_unit")) else {
            errors.push(format!(
                "{path}: quantity and price_per_unit must be finite numbers"
            ));
            continue;
        };
        for (who, id) in [("seller", seller), ("buyer", buyer)] {
            if !parties.contains_key(id) {
                errors.push(format!("{path}.{who}: unknown party {id}"));
            }
        }
        let (Some(&si), Some(&bi)) = (parties.get(seller), parties.get(buyer)) else {
            continue;
        };
        let Some(&e) = index.get(&(si, bi, resource)) else {
            errors.push(format!(
                "{path}: no edge {seller} -> {buyer} for {resource} (wrong resource, a constraint fails, or the surplus is negative)"
            ));
            continue;
        };
        if seen[e] {
            errors.push(format!(
                "{path}: a second trade for ({seller}, {buyer}, {resource})"
            ));
            continue;
        }
        seen[e] = true;
        if q <= 0.0 {
            errors.push(format!("{path}.quantity: must be > 0, got {q}"));
            continue;
        }
        let edge = &market.edges[e];
        if p < edge.floor - abs_tol(edge.floor) || p > edge.ceiling + abs_tol(edge.ceiling) {
            errors.push(format!(
                "{path}.price_per_unit: {p} is outside the corridor [{}, {}]",
                edge.floor, edge.ceiling
            ));
        }
        x[e] = q;
        share[e] = (p - edge.floor) * q;
    }
    // Feasibility of every leg and ratio.
    let totals = leg_totals(market, &x);
    for (l, leg) in market.legs.iter().enumerate() {
        let who = &market.parties[leg.party].id;
        let t = totals[l];
        if t > leg.max + abs_tol(leg.max) {
            errors.push(format!(
                "parties.{who}: {} {} of {} over its capacity {}",
                t,
                leg.resource,
                crate::response::side_word(leg.side),
                leg.max
            ));
        }
        if leg.is_all_or_nothing() && t > abs_tol(0.0) && t < leg.min - abs_tol(leg.min) {
            errors.push(format!(
                "parties.{who}: {t} {} is below its all-or-nothing minimum {}",
                leg.resource, leg.min
            ));
        }
    }
    for r in &market.ratios {
        let (give, get) = (totals[r.give], totals[r.get]);
        let limit = r.give_per_get_max * get;
        if give > limit + abs_tol(limit) {
            errors.push(format!(
                "parties.{}: gives {give} for {get}, over the ratio {}",
                market.parties[r.party].id, r.give_per_get_max
            ));
        }
    }
    let mut utility = vec![0.0; market.parties.len()];
    for (e, edge) in market.edges.iter().enumerate() {
        if x[e] > 0.0 {
            utility[edge.seller] += share[e];
            utility[edge.buyer] += edge.surplus * x[e] - share[e];
        }
    }
    let welfare = crate::response::welfare_of(market, &x);
    Some(Reading {
        x,
        share,
        utility,
        welfare,
        raw,
    })
}

fn claims_match(
    market: &Market,
    r: &Reading,
    pareto: bool,
    stable: bool,
    miner: &str,
    challenge_id: &str,
    errors: &mut Vec<String>,
) {
    let close = |a: f64, b: f64| (a - b).abs() <= CLAIM_TOL * a.abs().max(b.abs()).max(1.0);
    match r.raw.get("welfare").and_then(Value::as_f64) {
        Some(w) if close(w, r.welfare) => {}
        Some(w) => errors.push(format!(
            "welfare: claims {w}, the trades give {}",
            r.welfare
        )),
        None => errors.push("welfare: missing".into()),
    }
    let proof = r.raw.get("equilibrium_proof");
    for (field, truth) in [("pareto_optimal", pareto), ("nash_stable", stable)] {
        match proof.and_then(|p| p.get(field)).and_then(Value::as_bool) {
            Some(c) if c == truth => {}
            Some(c) => errors.push(format!(
                "equilibrium_proof.{field}: claims {c}, it is {truth}"
            )),
            None => errors.push(format!("equilibrium_proof.{field}: missing")),
        }
    }
    let scores = crate::response::utility_scores(market, &r.x, &r.utility);
    let totals = crate::response::trade_surplus_totals(market, &r.x);
    match proof
        .and_then(|p| p.get("utility_scores"))
        .and_then(Value::as_object)
    {
        Some(map) => {
            for (id, v) in map {
                let Some(i) = market.parties.iter().position(|p| &p.id == id) else {
                    errors.push(format!(
                        "equilibrium_proof.utility_scores.{id}: unknown party"
                    ));
                    continue;
                };
                // Compared in utility units too (score × U_i against u_i): the score of trades
                // whose surplus is tiny is noise divided by noise, their utility is not.
                match v.as_f64() {
                    Some(c) if close(c * totals[i], r.utility[i]) || close(c, scores[i]) => {}
                    _ => errors.push(format!(
                        "equilibrium_proof.utility_scores.{id}: claims {v}, it is {}",
                        scores[i]
                    )),
                }
            }
            for (i, p) in market.parties.iter().enumerate() {
                if scores[i] > 0.0 && !map.contains_key(&p.id) {
                    errors.push(format!(
                        "equilibrium_proof.utility_scores.{}: missing",
                        p.id
                    ));
                }
            }
        }
        None => errors.push("equilibrium_proof.utility_scores: missing".into()),
    }
    let settlement = r.raw.get("settlement").cloned().unwrap_or(Value::Null);
    match (
        r.raw.get("commitment_hash").and_then(Value::as_str),
        commitment_hash(challenge_id, miner, &settlement),
    ) {
        (Some(h), Ok(expected)) if h == expected => {}
        (Some(h), Ok(expected)) => errors.push(format!(
            "commitment_hash: {h} does not match {expected} (miner \"{miner}\")"
        )),
        (None, _) => errors.push("commitment_hash: missing".into()),
        (_, Err(e)) => errors.push(format!(
            "commitment_hash: the settlement cannot be canonicalised ({e})"
        )),
    }
}

/// Pareto and Nash-stability of a settlement given `W*` (§3.1, §3.2). `known`: patterns
/// already solved (see `settlement_pattern`), `&[]` when there are none. `prices`: leg prices
/// that may prove the first-order test without its oracle (the solver's self-check passes its
/// interior point's; a verifier has none): the verdict is the same either way, only cheaper
/// when they prove it (`frontier_stable_by_prices`). `basis`: the simplex basis of the
/// solver's last oracle solve over the settlement's face (`Settlement::oracle_basis`), which
/// the oracle here starts from when it is this face's LP: again the same verdict, cheaper.
///
/// # Errors
/// `DEADLINE_EXCEEDED`, or `INTERNAL` when an engine fails.
#[allow(clippy::too_many_arguments)] // the settlement's parts and its context; a struct would only rename them
pub fn judge(
    market: &Market,
    x: &[f64],
    seller_share: &[f64],
    utility: &[f64],
    welfare: f64,
    optimum: f64,
    known: &[OptimalPattern],
    prices: Option<&[f64]>,
    basis: Option<crate::lp::Warm>,
    deadline: Deadline,
) -> Result<(f64, bool, bool)> {
    let gap = gap_of(welfare, optimum);
    let pareto = gap <= FRONTIER_GAP_TOL;
    if !pareto {
        return Ok((
            gap,
            false,
            per_trade_stable(market, x, seller_share, utility),
        ));
    }
    // On the frontier: the first-order test over settlements with the same on/off pattern.
    let pattern = settlement_pattern(market, x, known, deadline)?;
    let face = pattern_face(market, &pattern);
    let mut carry = basis;
    let p_plus = p_plus_over_face_from(market, &face, utility, deadline, 0, &mut carry)?;
    let proved =
        prices.is_some_and(|y| frontier_stable_by_prices(market, &face, utility, &p_plus, y));
    let stable =
        proved || frontier_stable_from(market, &face, utility, &p_plus, deadline, 0, &mut carry)?;
    Ok((gap, true, stable))
}

/// The on/off pattern a verifier reads off a frontier settlement (§3.2: an all-or-nothing
/// leg is on when it trades), with the welfare optimum over that pattern: its optimal face
/// is where the first-order test of `judge` looks.
///
/// `known`: patterns whose relaxation was already solved exactly this way (the solver's own
/// welfare stage solves each candidate pattern at its own bounds, with the same arguments);
/// one with the settlement's fix is taken instead of solving the same LP again, which gives
/// the same bits, so the same face and the same verdict.
///
/// # Errors
/// `DEADLINE_EXCEEDED`, or `INTERNAL` when an engine fails.
pub fn settlement_pattern(
    market: &Market,
    x: &[f64],
    known: &[OptimalPattern],
    deadline: Deadline,
) -> Result<OptimalPattern> {
    let totals = leg_totals(market, x);
    let fix: Vec<LegFix> = market
        .legs
        .iter()
        .zip(&totals)
        .map(
            |(leg, &t)| match (leg.is_all_or_nothing(), t > abs_tol(0.0) * 1e-3) {
                (false, _) => LegFix::Free,
                (true, true) => LegFix::On,
                (true, false) => LegFix::Off,
            },
        )
        .collect();
    if let Some(pattern) = known.iter().find(|p| p.fix == fix) {
        return Ok(pattern.clone());
    }
    let (lo, hi) = leg_bounds(market, &fix);
    let profit: Vec<f64> = market.edges.iter().map(|e| e.surplus).collect();
    let relaxed = maximise(market, &lo, &hi, None, None, &profit, deadline, 0)?;
    Ok(OptimalPattern { fix, relaxed })
}

/// `(W* − W) / W*`, 0 when both are 0 (§3.1).
#[must_use]
pub fn gap_of(welfare: f64, optimum: f64) -> f64 {
    // A difference at the level of rounding noise is no gap, whatever the size of W* (a W* of
    // 1e-16 is a tie priced in decimals, not a market).
    let diff = optimum - welfare;
    if diff <= 1e-12 * optimum.abs().max(1.0) {
        0.0
    } else if optimum <= 0.0 {
        1.0
    } else {
        diff / optimum
    }
}

fn dominates(a: &[f64], b: &[f64]) -> bool {
    let mut strictly = false;
    for (&ua, &ub) in a.iter().zip(b) {
        let tol = abs_tol(ub);
        if ua < ub - tol {
            return false;
        }
        if ua > ub + tol {
            strictly = true;
        }
    }
    strictly
}

/// Verdicts for `responses` to one (already parsed) challenge.
///
/// # Errors
/// `DEADLINE_EXCEEDED` or `INTERNAL` from the engines; never for a bad response.
pub fn verify_responses(
    market: &Market,
    challenge_id: &str,
    responses: &[&str],
    miner: &str,
    use_certificate: bool,
    own: &mut dyn OwnSolution,
) -> Result<Vec<Verdict>> {
    let deadline = Deadline::none();
    let mut verdicts = Vec::with_capacity(responses.len());
    let mut utilities: Vec<Option<Vec<f64>>> = Vec::with_capacity(responses.len());
    for text in responses {
        let mut errors = Vec::new();
        let Some(r) = read(market, challenge_id, text, &mut errors) else {
            verdicts.push(Verdict::invalid(errors));
            utilities.push(None);
            continue;
        };
        // W*: from a certificate that proves it, else from the verifier's own solve.
        let mut optimum = None;
        let mut source = None;
        let cert = get_path(&r.raw, &["equilibrium_proof", "certificate"])
            .filter(|c| c.as_object().is_some_and(|o| !o.is_empty()));
        if let (true, Some(cert)) = (use_certificate, cert) {
            match certificate::check(market, cert) {
                Ok(bound) if bound <= r.welfare + abs_tol(r.welfare) => {
                    optimum = Some(r.welfare.max(bound));
                    source = Some("certificate");
                }
                Ok(_) => {} // a true bound, but not tight: re-solve below
                Err(e) => errors.push(format!("equilibrium_proof.certificate: {e}")),
            }
        }
        let optimum = match optimum {
            Some(o) => o,
            None => {
                source = Some("solve");
                own.get()?.0
            }
        };
        let (gap, pareto, stable) = judge(
            market,
            &r.x,
            &r.share,
            &r.utility,
            r.welfare,
            optimum,
            &[],
            None,
            None,
            deadline,
        )?;
        claims_match(market, &r, pareto, stable, miner, challenge_id, &mut errors);
        let valid = errors.is_empty();
        verdicts.push(Verdict {
            valid,
            errors,
            welfare: Some(r.welfare),
            optimal_welfare: Some(optimum),
            gap: Some(gap),
            pareto_optimal: pareto,
            nash_stable: stable,
            dominated: false,
            q: 0.0,
            optimum_source: source,
            utilities: market
                .parties
                .iter()
                .zip(&r.utility)
                .map(|(p, &u)| (p.id.clone(), u))
                .collect(),
        });
        utilities.push(valid.then_some(r.utility));
    }
    // Dominance among the valid responses, and against the verifier's own optimum for those
    // off the frontier (a frontier settlement can never be dominated: utilities sum to W*).
    for i in 0..verdicts.len() {
        let Some(ui) = utilities[i].as_ref() else {
            continue;
        };
        let mut dominated = (0..verdicts.len())
            .any(|j| j != i && utilities[j].as_ref().is_some_and(|uj| dominates(uj, ui)));
        if !dominated && !verdicts[i].pareto_optimal {
            let (_, own_u) = own.get()?;
            dominated = dominates(&own_u, ui);
        }
        let v = &mut verdicts[i];
        v.dominated = dominated;
        v.q = if !v.valid || dominated {
            0.0
        } else {
            gap_factor(v.gap.unwrap_or(1.0))
                * if v.nash_stable {
                    Q_NASH_STABLE
                } else {
                    Q_NASH_UNSTABLE
                }
        };
    }
    Ok(verdicts)
}

/// The verifier's own solution as an `OwnSolution` over a solved settlement.
pub struct Solved<F: FnMut() -> Result<(f64, Settlement)>> {
    solve: F,
    cached: Option<(f64, Vec<f64>)>,
}

impl<F: FnMut() -> Result<(f64, Settlement)>> Solved<F> {
    pub fn new(solve: F) -> Self {
        Self {
            solve,
            cached: None,
        }
    }
}

impl<F: FnMut() -> Result<(f64, Settlement)>> OwnSolution for Solved<F> {
    fn get(&mut self) -> Result<(f64, Vec<f64>)> {
        if self.cached.is_none() {
            let (w, s) = (self.solve)()?;
            self.cached = Some((w, s.utility));
        }
        self.cached
            .clone()
            .ok_or_else(|| crate::error::NashError::internal("own solution missing"))
    }
}
