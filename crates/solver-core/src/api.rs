//! The engine's entry points as the binding, the CLI and the daemons call them: JSON text in,
//! JSON text out, one typed error. (Typed entry points live in the modules they concern.)

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::certificate;
use crate::challenge::{parse_challenge, Challenge};
use crate::deadline::Deadline;
use crate::edges::build_market;
use crate::error::{NashError, Result};
use crate::jcs::{commitment_hash_of_text, write_number, write_string, write_value};
use crate::market::Market;
use crate::nash::{solve_nash, Settlement};
use crate::response::{parties_in_key_order, utility_scores, welfare_of, write_settlement};
use crate::verify::{judge, verify_responses, Solved, Verdict};
use crate::welfare::{solve_welfare, OptimalPattern, Welfare};

/// Options of a solve.
#[derive(Debug, Clone, Default)]
pub struct SolveOptions {
    /// The miner's hotkey (ss58) bound into `commitment_hash`; `""` offline (§4).
    pub miner_hotkey: String,
    /// Give up at this instant. `None`: the challenge's `response_window_ms` from the call.
    pub deadline: Option<Instant>,
}

/// Options of a verification.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The miner whose commitment is checked; `""` offline.
    pub miner_hotkey: String,
    /// Trust a valid certificate instead of re-solving the welfare stage.
    pub use_certificate: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            miner_hotkey: String::new(),
            use_certificate: true,
        }
    }
}

/// Time spent in each stage of one solve, for benchmarks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageTimings {
    pub parse: Duration,
    pub edges: Duration,
    pub welfare: Duration,
    pub nash: Duration,
    pub response: Duration,
    pub parties: usize,
    pub edge_count: usize,
    pub welfare_value: f64,
}

/// Everything one solve produces, before it is written as JSON.
#[derive(Debug, Clone)]
pub struct Solution {
    pub market: Market,
    pub welfare: Welfare,
    pub settlement: Settlement,
    /// Welfare of the settlement's own flow (equals `W*` up to rounding).
    pub settlement_welfare: f64,
    pub nash_stable: bool,
}

/// Solve a parsed challenge.
///
/// # Errors
/// `DEADLINE_EXCEEDED` past `deadline`; `INTERNAL` on an engine failure.
pub fn solve_challenge(challenge: &Challenge, deadline: Deadline) -> Result<Solution> {
    let (solution, _) = solve_timed(challenge, deadline)?;
    Ok(solution)
}

fn solve_timed(challenge: &Challenge, deadline: Deadline) -> Result<(Solution, StageTimings)> {
    let window = challenge.response_window_ms;
    let mut timings = StageTimings::default();
    let t = Instant::now();
    let market = build_market(challenge);
    timings.edges = t.elapsed();
    let t = Instant::now();
    let welfare = solve_welfare(&market, deadline, window)?;
    timings.welfare = t.elapsed();
    let t = Instant::now();
    let settlement = solve_nash(&market, &welfare, deadline, window)?;
    let (settlement, settlement_welfare, nash_stable) =
        self_check(&market, &welfare, settlement, deadline, window)?;
    timings.nash = t.elapsed();
    timings.parties = market.parties.len();
    timings.edge_count = market.edges.len();
    timings.welfare_value = welfare.optimum;
    Ok((
        Solution {
            market,
            welfare,
            settlement,
            settlement_welfare,
            nash_stable,
        },
        timings,
    ))
}

/// The solver's own verdict on its settlement: the claims `pareto_optimal` and `nash_stable`
/// are what a verifier computes (`verify::judge`), not what the solver believes.
///
/// A verifier reads the settlement's face off its own solve of the welfare LP, and optimal
/// duals are not unique: a face described by other duals can, rarely, see the settlement as
/// not Nash-stable (seen once, on the generated market of regression seed 107210 in
/// `tests/properties.rs`, before the branch and bound solved every candidate pattern at its
/// own bounds). Then the Nash stage runs again on the verifier's face, and its answer
/// replaces the first when the verifier's test accepts it: a slower answer rather than one a
/// validator scores 0.85. The first answer stays when the second is no better or does not
/// finish in time.
fn self_check(
    market: &Market,
    welfare: &Welfare,
    mut settlement: Settlement,
    deadline: Deadline,
    window: u64,
) -> Result<(Settlement, f64, bool)> {
    // The judge takes the stage's oracle basis out of the settlement: it is a cache for this
    // check, not part of the answer, and taking it spares a copy.
    let judged = |s: &mut Settlement| {
        judge_settlement(market, s, welfare.optimum, &welfare.patterns, deadline)
    };
    let (w, pareto, stable) = judged(&mut settlement)?;
    if !pareto || stable {
        return Ok((settlement, w, stable));
    }
    let again = crate::nash::settle_on_verifier_face(
        market,
        &settlement,
        &welfare.patterns,
        deadline,
        window,
    );
    if let Ok(mut again) = again {
        if let Ok((w_again, true, true)) = judged(&mut again) {
            return Ok((again, w_again, true));
        }
    }
    Ok((settlement, w, false))
}

/// The verifier's reading of a settlement (`verify::judge`): its welfare, and whether it is
/// Pareto-optimal and Nash-stable against `optimum` (raised to the settlement's own welfare
/// when that is higher) and the patterns already solved (`known`). Takes `s.oracle_basis`.
fn judge_settlement(
    market: &Market,
    s: &mut Settlement,
    optimum: f64,
    known: &[OptimalPattern],
    deadline: Deadline,
) -> Result<(f64, bool, bool)> {
    let w = welfare_of(market, &s.x);
    let (_, pareto, stable) = judge(
        market,
        &s.x,
        &s.seller_share,
        &s.utility,
        w,
        optimum.max(w),
        known,
        s.oracle_prices.as_deref(),
        s.oracle_basis.take(),
        deadline,
    )?;
    Ok((w, pareto, stable))
}

/// The miner response (§4) as JSON text, in RFC 8785 canonical form (so that the same
/// settlement always gives the same bytes, and the settlement's bytes in the response are the
/// ones the commitment hash was taken over).
///
/// # Errors
/// `INTERNAL` on a non-finite number (never for a settlement the engine produced).
pub fn response_text(
    challenge: &Challenge,
    solution: &Solution,
    miner_hotkey: &str,
    elapsed: Duration,
) -> Result<String> {
    let market = &solution.market;
    let s = &solution.settlement;
    let mut settlement = String::new();
    write_settlement(&mut settlement, market, s)?;
    let hash = commitment_hash_of_text(&challenge.challenge_id, miner_hotkey, &settlement);
    let scores = utility_scores(market, &s.x, &s.utility);
    let certificate = certificate::build(market, &solution.welfare.tree, solution.welfare.optimum)
        .unwrap_or_else(|| json!({}));
    let mut out = String::with_capacity(settlement.len() + 64 * market.parties.len() + 512);
    out.push_str("{\"challenge_id\":");
    write_string(&mut out, &challenge.challenge_id);
    out.push_str(",\"commitment_hash\":");
    write_string(&mut out, &hash);
    out.push_str(",\"equilibrium_proof\":{\"certificate\":");
    write_value(&mut out, &certificate, 2)?;
    out.push_str(",\"nash_stable\":");
    out.push_str(if solution.nash_stable {
        "true"
    } else {
        "false"
    });
    out.push_str(",\"pareto_optimal\":true,\"utility_scores\":{");
    for (k, &i) in parties_in_key_order(market).iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        write_string(&mut out, &market.parties[i].id);
        out.push(':');
        finite(&mut out, scores[i])?;
    }
    out.push_str("}},\"response_time_ms\":");
    let _ = write!(
        out,
        "{}",
        u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
    );
    out.push_str(",\"settlement\":");
    out.push_str(&settlement);
    out.push_str(",\"welfare\":");
    finite(&mut out, solution.settlement_welfare)?;
    out.push('}');
    Ok(out)
}

fn finite(out: &mut String, x: f64) -> Result<()> {
    if !x.is_finite() {
        return Err(NashError::internal("a response number is not finite"));
    }
    write_number(out, x);
    Ok(())
}

fn deadline_for(challenge: &Challenge, options: &SolveOptions, started: Instant) -> Deadline {
    Deadline::at(
        options
            .deadline
            .unwrap_or_else(|| started + Duration::from_millis(challenge.response_window_ms)),
    )
}

/// JSON text of a value the engine wrote (serialising its own types cannot fail in practice).
fn to_text<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| NashError::internal(e.to_string()))
}

/// One solve from text to text, timed by stage: what `solve_json` returns and `profile_json`
/// reports.
fn solve_text(challenge_json: &str, options: &SolveOptions) -> Result<(String, StageTimings)> {
    let started = Instant::now();
    let challenge = parse_challenge(challenge_json)?;
    let parse = started.elapsed();
    let deadline = deadline_for(&challenge, options, started);
    let (solution, mut timings) = solve_timed(&challenge, deadline)?;
    let t = Instant::now();
    let text = response_text(
        &challenge,
        &solution,
        &options.miner_hotkey,
        started.elapsed(),
    )?;
    timings.response = t.elapsed();
    timings.parse = parse;
    if deadline.passed() {
        return Err(NashError::deadline(challenge.response_window_ms));
    }
    Ok((text, timings))
}

/// Solve a challenge: the miner response (§4) as JSON text.
///
/// # Errors
/// The first rule the challenge breaks (code + JSON path), or `DEADLINE_EXCEEDED`.
pub fn solve_json(challenge_json: &str, options: &SolveOptions) -> Result<String> {
    solve_text(challenge_json, options).map(|(text, _)| text)
}

/// Verify responses to one challenge: a JSON array of verdicts (§5), one per response, in order.
/// A bad *response* is a verdict (`valid: false`), never an error.
///
/// # Errors
/// Only when the challenge itself is invalid (or on an engine failure).
pub fn verify_json(
    challenge_json: &str,
    responses: &[&str],
    options: &VerifyOptions,
) -> Result<String> {
    let challenge = parse_challenge(challenge_json)?;
    to_text(&verify_challenge(&challenge, responses, options)?)
}

/// Verify responses to a parsed challenge.
///
/// # Errors
/// On an engine failure only.
pub fn verify_challenge(
    challenge: &Challenge,
    responses: &[&str],
    options: &VerifyOptions,
) -> Result<Vec<Verdict>> {
    let market = build_market(challenge);
    let mut own = Solved::new(|| {
        let s = solve_challenge(challenge, Deadline::none())?;
        Ok((s.welfare.optimum, s.settlement))
    });
    verify_responses(
        &market,
        &challenge.challenge_id,
        responses,
        &options.miner_hotkey,
        options.use_certificate,
        &mut own,
    )
}

/// Validate a challenge without solving it.
///
/// # Errors
/// The first rule the challenge breaks.
pub fn validate_json(challenge_json: &str) -> Result<()> {
    parse_challenge(challenge_json).map(|_| ())
}

/// Solve and report the time of each stage (the response itself is discarded).
///
/// # Errors
/// As `solve_json`.
pub fn profile_json(challenge_json: &str, options: &SolveOptions) -> Result<StageTimings> {
    solve_text(challenge_json, options).map(|(_, timings)| timings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nash::utilities;

    /// A frontier settlement the verifier rejects goes through the Nash stage again on the
    /// verifier's face, and the new one is accepted with the Nash utilities. (The solver's
    /// own settlements rarely need this; a damaged split stands in for such a settlement.)
    #[test]
    fn a_settlement_the_verifier_rejects_is_solved_again_on_its_face() {
        let challenge = crate::challenge::fixture("seed-three-party");
        let solution = solve_challenge(&challenge, Deadline::none()).expect("solves");
        assert!(solution.nash_stable);
        let market = &solution.market;
        // The same allocation with every trade's surplus to its seller: on the frontier, but
        // the buyer gets nothing, so not Nash-stable.
        let mut damaged = solution.settlement.clone();
        damaged.seller_share = market
            .edges
            .iter()
            .zip(&damaged.x)
            .map(|(edge, &x)| edge.surplus * x)
            .collect();
        damaged.utility = utilities(market, &damaged.x, &damaged.seller_share);
        // Judged against its own welfare as the optimum, with no pattern known.
        let (_, pareto, stable) =
            judge_settlement(market, &mut damaged, 0.0, &[], Deadline::none()).expect("judges");
        assert!(
            pareto && !stable,
            "the damaged split is on the frontier, not Nash-stable"
        );

        let (again, w_again, stable) =
            self_check(market, &solution.welfare, damaged, Deadline::none(), 0).expect("checks");
        assert!(stable, "the second Nash solve is accepted");
        assert!((w_again - solution.welfare.optimum).abs() <= 1e-9 * solution.welfare.optimum);
        for (a, b) in again.utility.iter().zip(&solution.settlement.utility) {
            assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{a} vs {b}");
        }
    }
}
