//! The engine's entry points as the binding, the CLI and the daemons call them: JSON text in,
//! JSON text out, one typed error. (Typed entry points live in the modules they concern.)

use std::time::{Duration, Instant};

use crate::error::{NashError, Result};

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
        Self { miner_hotkey: String::new(), use_certificate: true }
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

/// Solve a challenge: the miner response (§4) as JSON text.
///
/// # Errors
/// The first rule the challenge breaks (code + JSON path), or `DEADLINE_EXCEEDED`.
pub fn solve_json(challenge_json: &str, options: &SolveOptions) -> Result<String> {
    let _ = (challenge_json, options);
    Err(NashError::internal("engine not wired yet"))
}

/// Verify responses to one challenge: a JSON array of verdicts (§5), one per response, in order.
/// A bad *response* is a verdict (`valid: false`), never an error.
///
/// # Errors
/// Only when the challenge itself is invalid.
pub fn verify_json(challenge_json: &str, responses: &[&str], options: &VerifyOptions) -> Result<String> {
    let _ = (challenge_json, responses, options);
    Err(NashError::internal("engine not wired yet"))
}

/// Validate a challenge without solving it.
///
/// # Errors
/// The first rule the challenge breaks.
pub fn validate_json(challenge_json: &str) -> Result<()> {
    let _ = challenge_json;
    Err(NashError::internal("engine not wired yet"))
}

/// Solve and report the time of each stage (the response itself is discarded).
///
/// # Errors
/// As `solve_json`.
pub fn profile_json(challenge_json: &str, options: &SolveOptions) -> Result<StageTimings> {
    let _ = (challenge_json, options);
    Err(NashError::internal("engine not wired yet"))
}

/// The deadline of a solve started now.
#[must_use]
pub fn deadline_from_window(window_ms: u64) -> Instant {
    Instant::now() + Duration::from_millis(window_ms)
}
