//! Every number the specification defines, in one place. Code refers to these names; no other
//! file retypes a spec constant. (settlement.md §1, §3, §5, §6.)

/// The only challenge `version` this engine reads (§1).
pub const SPEC_VERSION: u64 = 1;
/// Hex digits allowed after `0x` in a `challenge_id` (§1).
pub const CHALLENGE_ID_HEX_MIN: usize = 8;
pub const CHALLENGE_ID_HEX_MAX: usize = 128;
/// `response_window_ms` range and default (§1).
pub const RESPONSE_WINDOW_MIN_MS: u64 = 1;
pub const RESPONSE_WINDOW_MAX_MS: u64 = 10_000;
pub const RESPONSE_WINDOW_DEFAULT_MS: u64 = 200;
pub const DEFAULT_CURRENCY: &str = "TAO";
/// Parties per challenge (§1, §6).
pub const MAX_PARTIES: usize = 1024;
/// Party id length (§1.1).
pub const PARTY_ID_MAX_LEN: usize = 64;
/// Constraint strings in all, constraints and preferences together (§6).
pub const MAX_CONSTRAINT_STRINGS: usize = 4096;
/// Size of a challenge or response document (§6).
pub const MAX_JSON_BYTES: usize = 1 << 20;
/// Default bargaining weight (§1.1) and default `duration_hours` of an edge (§2).
pub const DEFAULT_WEIGHT: f64 = 1.0;
pub const DEFAULT_DURATION_HOURS: f64 = 1.0;

/// Feasibility tolerance: every absolute check uses `FEASIBILITY_TOL * max(1, |bound|)` (§3).
pub const FEASIBILITY_TOL: f64 = 1e-6;
/// A settlement is on the frontier when its gap is at most this (§3.1).
pub const FRONTIER_GAP_TOL: f64 = 1e-6;
/// Relative tolerance of the Nash first-order test and the per-trade conditions (§3.2).
pub const NASH_STABILITY_TOL: f64 = 1e-6;
/// Tolerance of claims against the validator's recomputation (§4).
pub const CLAIM_TOL: f64 = 1e-6;
/// Relative accuracy the solver itself reaches on the Nash utilities (§3.2).
pub const NASH_SOLVE_TOL: f64 = 1e-9;

/// Q tiers: `T(gap)` (§5), as (largest gap, factor), checked in order; beyond the last, 0.
pub const Q_GAP_TIERS: [(f64, f64); 3] = [(1e-6, 1.00), (1e-3, 0.90), (1e-2, 0.70)];
/// `N` factor of Q: Nash-stable or not (§5).
pub const Q_NASH_STABLE: f64 = 1.00;
pub const Q_NASH_UNSTABLE: f64 = 0.85;

/// The tolerance of an absolute check against `bound` (§3).
#[must_use]
pub fn abs_tol(bound: f64) -> f64 {
    FEASIBILITY_TOL * bound.abs().max(1.0)
}

/// `T(gap)` of §5.
#[must_use]
pub fn gap_factor(gap: f64) -> f64 {
    Q_GAP_TIERS
        .iter()
        .find(|(limit, _)| gap <= *limit)
        .map_or(0.0, |(_, factor)| *factor)
}
