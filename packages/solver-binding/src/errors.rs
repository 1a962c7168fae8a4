//! Engine errors as JavaScript errors. The JS contract (documented in the README): an `Error`
//! whose `message` is `CODE at path: rule`, with `code` (a stable code of
//! `conformance/README.md`) and `path` (the JSON path, `$` for the whole document).

use napi::bindgen_prelude::{JsObjectValue, JsValue};
use napi::{Env, Status};
use nash_solver_core::NashError;

/// `name` and `code` of the error a call rejects with when its AbortSignal fires while the
/// engine is running (napi-rs itself rejects with an `AbortError` when the work had not started).
pub const ABORT_ERROR_NAME: &str = "AbortError";
pub const ABORT_ERROR_CODE: &str = "ABORT_ERR";

/// Build the JS error for `error`. If the environment cannot build an object (it is tearing
/// down), fall back to a plain napi error that still carries the code in its text.
pub fn to_js_error(env: &Env, error: &NashError) -> napi::Error {
    build(
        env,
        &error.to_string(),
        error.code.as_str(),
        Some(&error.path),
        None,
    )
    .unwrap_or_else(|_| napi::Error::new(Status::GenericFailure, error.to_string()))
}

/// The `AbortError` of a call cancelled while running.
pub fn abort_error(env: &Env) -> napi::Error {
    let message = "the operation was aborted";
    build(env, message, ABORT_ERROR_CODE, None, Some(ABORT_ERROR_NAME))
        .unwrap_or_else(|_| napi::Error::new(Status::Cancelled, message))
}

fn build(
    env: &Env,
    message: &str,
    code: &str,
    path: Option<&str>,
    name: Option<&str>,
) -> napi::Result<napi::Error> {
    let mut object = env.create_error(napi::Error::new(Status::GenericFailure, message))?;
    object.set_named_property("code", code)?;
    if let Some(path) = path {
        object.set_named_property("path", path)?;
    }
    if let Some(name) = name {
        object.set_named_property("name", name)?;
    }
    // An `Error` built from a JS value keeps a reference to it, so napi-rs throws (or rejects
    // with) this very object rather than synthesising a new one without `path`.
    Ok(napi::Error::from(object.to_unknown()))
}
