//! Node-API binding of nash-solver-core. Thin: it converts arguments, schedules work and maps
//! errors; all math lives in the core.
//!
//! Data crosses the boundary as JSON text (the package README has the measurements behind that
//! choice). Every entry point runs the engine inside [`guard::guarded`], so a panic becomes an
//! `INTERNAL` error instead of aborting the Node process.

mod errors;
mod guard;
mod options;
pub mod probes;
mod tasks;

use napi::bindgen_prelude::{AbortSignal, AsyncTask};
use napi::Env;
use napi_derive::napi;
use nash_solver_core::api::{profile_json, solve_json, validate_json, verify_json};
use nash_solver_core::api::{SolveOptions as CoreSolveOptions, VerifyOptions as CoreVerifyOptions};

use crate::errors::to_js_error;
use crate::guard::guarded;
pub use crate::options::{JsSolveOptions, JsVerifyOptions, StageProfile};
use crate::tasks::EngineTask;

/// Every Rust allocation of the addon goes through mimalloc. A settlement allocates many
/// short-lived vectors (faces, columns, Newton buffers), and with glibc's malloc a fifth of a
/// 20×20 solve went to malloc and free (perf). Measured through `solveSync` on the benchmark's
/// plain markets (Node, alternating builds): 20×20 p50 0.85 → 0.61 ms and p99 1.06 → 0.84 ms
/// (3,000 runs); 100×100 p50 8.0 → 7.3 ms, p99 11.3 → 10.3 ms (600 runs). The crate's v2 line:
/// its default v3 showed rare 2–5× outliers at 100×100, whose components are solved on threads
/// spawned per call.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn solve_call(challenge_json: String, options: Option<JsSolveOptions>) -> tasks::EngineCall {
    let options: CoreSolveOptions = options.unwrap_or_default().into();
    Box::new(move || solve_json(&challenge_json, &options))
}

fn verify_call(
    challenge_json: String,
    responses_json: Vec<String>,
    options: Option<JsVerifyOptions>,
) -> tasks::EngineCall {
    let options: CoreVerifyOptions = options.unwrap_or_default().into();
    Box::new(move || {
        let responses: Vec<&str> = responses_json.iter().map(String::as_str).collect();
        verify_json(&challenge_json, &responses, &options)
    })
}

fn run_sync(env: &Env, call: tasks::EngineCall) -> napi::Result<String> {
    guarded(call).map_err(|error| to_js_error(env, &error))
}

/// Solve a challenge (JSON text) on the calling thread: the miner response (§4) as JSON text.
/// Throws an error with `code` and `path` when the challenge breaks the spec.
#[napi]
#[allow(clippy::needless_pass_by_value)] // reason: napi-rs hands arguments over by value
pub fn solve_sync(
    env: Env,
    challenge_json: String,
    options: Option<JsSolveOptions>,
) -> napi::Result<String> {
    run_sync(&env, solve_call(challenge_json, options))
}

/// `solveSync` on the libuv thread pool. The signal rejects the promise with an `AbortError`.
#[napi(ts_return_type = "Promise<string>")]
#[allow(clippy::needless_pass_by_value)] // reason: napi-rs hands arguments over by value
pub fn solve(
    challenge_json: String,
    options: Option<JsSolveOptions>,
    signal: Option<AbortSignal>,
) -> AsyncTask<EngineTask> {
    let task = EngineTask::new(solve_call(challenge_json, options), signal.as_ref());
    AsyncTask::with_optional_signal(task, signal)
}

/// Verify responses (JSON texts) to one challenge: a JSON array of verdicts (§5), in order.
/// A bad response is a verdict, not an error; only an invalid challenge throws.
#[napi]
#[allow(clippy::needless_pass_by_value)] // reason: napi-rs hands arguments over by value
pub fn verify_sync(
    env: Env,
    challenge_json: String,
    responses_json: Vec<String>,
    options: Option<JsVerifyOptions>,
) -> napi::Result<String> {
    run_sync(&env, verify_call(challenge_json, responses_json, options))
}

/// `verifySync` on the libuv thread pool. The signal rejects the promise with an `AbortError`.
#[napi(ts_return_type = "Promise<string>")]
#[allow(clippy::needless_pass_by_value)] // reason: napi-rs hands arguments over by value
pub fn verify(
    challenge_json: String,
    responses_json: Vec<String>,
    options: Option<JsVerifyOptions>,
    signal: Option<AbortSignal>,
) -> AsyncTask<EngineTask> {
    let task = EngineTask::new(
        verify_call(challenge_json, responses_json, options),
        signal.as_ref(),
    );
    AsyncTask::with_optional_signal(task, signal)
}

/// Check a challenge without solving it. Throws the first rule it breaks (`code`, `path`).
#[napi]
#[allow(clippy::needless_pass_by_value)] // reason: napi-rs hands arguments over by value
pub fn validate(env: Env, challenge_json: String) -> napi::Result<()> {
    guarded(|| validate_json(&challenge_json)).map_err(|error| to_js_error(&env, &error))
}

/// Solve and report the time of each stage (the response is discarded). For benchmarks.
#[napi]
#[allow(clippy::needless_pass_by_value)] // reason: napi-rs hands arguments over by value
pub fn profile(
    env: Env,
    challenge_json: String,
    options: Option<JsSolveOptions>,
) -> napi::Result<StageProfile> {
    let options: CoreSolveOptions = options.unwrap_or_default().into();
    guarded(|| profile_json(&challenge_json, &options))
        .map(StageProfile::from)
        .map_err(|error| to_js_error(&env, &error))
}
