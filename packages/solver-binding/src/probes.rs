//! Data-path probes: the same bytes crossing the boundary in each candidate form, so that the
//! package README's numbers can be re-measured (`node scripts/data-path.js`). They run no engine
//! code and are not part of the stable API.

use napi_derive::napi;

/// Does nothing: the fixed cost of one N-API call.
#[napi]
pub fn probe_noop() {}

/// A string in, the same string out: the cost of copying JSON text across, both ways.
#[napi]
#[allow(clippy::needless_pass_by_value)] // reason: napi-rs hands arguments over by value
pub fn probe_echo_string(json: String) -> String {
    json
}

/// JSON text in, a JS object tree out, built by serde → N-API value conversion.
#[napi(ts_return_type = "unknown")]
#[allow(clippy::needless_pass_by_value)] // reason: napi-rs hands arguments over by value
pub fn probe_json_to_object(json: String) -> napi::Result<serde_json::Value> {
    serde_json::from_str(&json).map_err(|e| napi::Error::from_reason(e.to_string()))
}

/// A JS object tree in (N-API → serde conversion), JSON text out.
#[napi]
#[allow(clippy::needless_pass_by_value)] // reason: napi-rs hands arguments over by value
pub fn probe_object_to_json(
    #[napi(ts_arg_type = "unknown")] value: serde_json::Value,
) -> napi::Result<String> {
    serde_json::to_string(&value).map_err(|e| napi::Error::from_reason(e.to_string()))
}

/// JSON text in, parsed by serde in Rust, nothing out: subtracted from `probeJsonToObject` to
/// isolate the serde → JS object conversion.
#[napi]
#[allow(clippy::needless_pass_by_value)] // reason: napi-rs hands arguments over by value
pub fn probe_parse_only(json: String) -> napi::Result<bool> {
    serde_json::from_str::<serde_json::Value>(&json)
        .map(|value| value.is_object())
        .map_err(|e| napi::Error::from_reason(e.to_string()))
}
