//! Option objects as JavaScript passes them, mapped onto the core's option structs. Absent
//! fields take the core's defaults, so the JS side never restates a spec default.

use std::time::{Duration, Instant};

use napi_derive::napi;
use nash_solver_core::api::{
    SolveOptions as CoreSolveOptions, StageTimings, VerifyOptions as CoreVerifyOptions,
};

/// Options of `solve`/`solveSync`/`profile`.
#[napi(object, js_name = "SolveOptions")]
#[derive(Debug, Clone, Default)]
pub struct JsSolveOptions {
    /// The miner's hotkey (ss58) bound into `commitment_hash`; `""` (the default) offline.
    pub hotkey: Option<String>,
    /// Give up this many milliseconds after the call. Default: the challenge's
    /// `response_window_ms`, counted from the moment the engine starts.
    pub timeout_ms: Option<u32>,
}

impl From<JsSolveOptions> for CoreSolveOptions {
    fn from(options: JsSolveOptions) -> Self {
        Self {
            miner_hotkey: options.hotkey.unwrap_or_default(),
            deadline: options
                .timeout_ms
                .map(|ms| Instant::now() + Duration::from_millis(u64::from(ms))),
        }
    }
}

/// Options of `verify`/`verifySync`.
#[napi(object, js_name = "VerifyOptions")]
#[derive(Debug, Clone, Default)]
pub struct JsVerifyOptions {
    /// The miner whose commitment is checked; `""` (the default) offline.
    pub hotkey: Option<String>,
    /// Trust a valid optimality certificate instead of re-solving (default `true`).
    pub use_certificate: Option<bool>,
}

impl From<JsVerifyOptions> for CoreVerifyOptions {
    fn from(options: JsVerifyOptions) -> Self {
        let defaults = CoreVerifyOptions::default();
        Self {
            miner_hotkey: options.hotkey.unwrap_or(defaults.miner_hotkey),
            use_certificate: options.use_certificate.unwrap_or(defaults.use_certificate),
        }
    }
}

/// Time of each stage of one solve, in milliseconds, with the size of the problem.
#[napi(object)]
#[derive(Debug, Clone, PartialEq)]
pub struct StageProfile {
    pub parse_ms: f64,
    pub edges_ms: f64,
    pub welfare_ms: f64,
    pub nash_ms: f64,
    pub response_ms: f64,
    /// The sum of the stages.
    pub total_ms: f64,
    pub parties: u32,
    pub edge_count: u32,
    /// `W*` of the challenge.
    pub welfare: f64,
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// Counts beyond `u32` cannot occur within the spec's limits; saturate rather than wrap.
fn count(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

impl From<StageTimings> for StageProfile {
    fn from(t: StageTimings) -> Self {
        let total = t.parse + t.edges + t.welfare + t.nash + t.response;
        Self {
            parse_ms: millis(t.parse),
            edges_ms: millis(t.edges),
            welfare_ms: millis(t.welfare),
            nash_ms: millis(t.nash),
            response_ms: millis(t.response),
            total_ms: millis(total),
            parties: count(t.parties),
            edge_count: count(t.edge_count),
            welfare: t.welfare_value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solve_defaults_match_the_core() {
        let core: CoreSolveOptions = JsSolveOptions::default().into();
        assert_eq!(core.miner_hotkey, "");
        assert!(core.deadline.is_none());
    }

    #[test]
    fn solve_timeout_sets_a_future_deadline() {
        let before = Instant::now();
        let core: CoreSolveOptions = JsSolveOptions {
            hotkey: Some("5F".into()),
            timeout_ms: Some(50),
        }
        .into();
        assert_eq!(core.miner_hotkey, "5F");
        let deadline = core.deadline.expect("deadline");
        assert!(deadline >= before + Duration::from_millis(50));
    }

    #[test]
    fn verify_defaults_match_the_core() {
        let core: CoreVerifyOptions = JsVerifyOptions::default().into();
        let expected = CoreVerifyOptions::default();
        assert_eq!(core.miner_hotkey, expected.miner_hotkey);
        assert_eq!(core.use_certificate, expected.use_certificate);
        let off: CoreVerifyOptions = JsVerifyOptions {
            hotkey: None,
            use_certificate: Some(false),
        }
        .into();
        assert!(!off.use_certificate);
    }

    #[test]
    fn profile_converts_durations_to_milliseconds() {
        let timings = StageTimings {
            parse: Duration::from_micros(1500),
            edges: Duration::from_millis(2),
            welfare: Duration::from_millis(3),
            nash: Duration::from_millis(4),
            response: Duration::from_millis(5),
            parties: 3,
            edge_count: 2,
            welfare_value: 165.0,
        };
        let profile = StageProfile::from(timings);
        assert!((profile.parse_ms - 1.5).abs() < 1e-9);
        assert!((profile.total_ms - 15.5).abs() < 1e-9);
        assert_eq!((profile.parties, profile.edge_count), (3, 2));
        assert!((profile.welfare - 165.0).abs() < 1e-12);
    }
}
