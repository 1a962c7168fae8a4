//! RFC 8785 (JCS) canonical JSON and the response `commitment_hash` (§4).
//!
//! Canonical form: no whitespace; object keys sorted by their UTF-16 code units (not by UTF-8
//! bytes: they differ once astral-plane characters meet U+E000..U+FFFF); strings escaped as
//! ECMAScript `JSON.stringify` does; numbers in ECMAScript `Number.prototype.toString` form.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::error::{ErrorCode, NashError, Result};

/// Deepest nesting `canonicalize` writes; a settlement needs 4 levels. Bounded so that a value
/// built in memory cannot overflow the stack (`serde_json`'s own reader stops at 128 as well).
const MAX_DEPTH: usize = 128;

/// ECMAScript `Number::toString(x)` for a double: the shortest digits that round-trip, plain
/// notation for exponents in -7..21, `d.ddde±n` otherwise; `-0` is `0`.
#[must_use]
pub fn format_number(x: f64) -> String {
    let mut out = String::new();
    write_number(&mut out, x);
    out
}

/// Append `x` in ECMAScript `Number.prototype.toString` form (Ryū's shortest digits, by the
/// `ryu-js` crate; the tests hold it to a table JavaScript itself wrote).
pub fn write_number(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("NaN");
    } else if x == 0.0 {
        out.push('0');
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        out.push_str(ryu_js::Buffer::new().format_finite(x));
    }
}

/// Append `s` as a JSON string, escaped as ECMAScript `JSON.stringify` does.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The order of object keys in canonical text: by UTF-16 code units.
#[must_use]
pub fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Append the canonical text of `v` (`depth`: how deep `v` already sits).
///
/// # Errors
/// `NOT_FINITE` or `INVALID_JSON` (nesting) — a value JCS has no form for.
pub fn write_value(out: &mut String, v: &serde_json::Value, depth: usize) -> Result<()> {
    use serde_json::Value as V;
    match v {
        V::Null => out.push_str("null"),
        V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        V::Number(n) => {
            let x = n.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
                NashError::new(
                    ErrorCode::NotFinite,
                    "$",
                    "JCS has no form for a non-finite number",
                )
            })?;
            write_number(out, x);
        }
        V::String(s) => write_string(out, s),
        V::Array(_) | V::Object(_) if depth >= MAX_DEPTH => {
            return Err(NashError::new(
                ErrorCode::InvalidJson,
                "$",
                format!("nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        V::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, x, depth + 1)?;
            }
            out.push(']');
        }
        V::Object(o) => {
            let mut entries: Vec<_> = o.iter().collect();
            // Usually already in order (the map iterates by UTF-8 bytes, which agrees with
            // UTF-16 unless astral-plane characters meet U+E000..U+FFFF): check before sorting.
            if !entries
                .windows(2)
                .all(|p| key_order(p[0].0, p[1].0).is_le())
            {
                entries.sort_by(|(a, _), (b, _)| key_order(a, b));
            }
            out.push('{');
            for (i, (k, x)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, x, depth + 1)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// The RFC 8785 canonical text of `v`.
///
/// # Errors
/// `INVALID_JSON` for nesting beyond 128 levels; `NOT_FINITE` if a number has no double value.
pub fn canonicalize(v: &serde_json::Value) -> Result<String> {
    let mut out = String::new();
    write_value(&mut out, v, 0)?;
    Ok(out)
}

/// `"sha256:"` + lowercase hex SHA-256 of the JCS text of
/// `{"challenge_id": …, "miner": …, "settlement": …}` (§4). `miner` is `""` offline.
///
/// # Errors
/// As `canonicalize` on `settlement`.
pub fn commitment_hash(
    challenge_id: &str,
    miner: &str,
    settlement: &serde_json::Value,
) -> Result<String> {
    Ok(commitment_hash_of_text(
        challenge_id,
        miner,
        &canonicalize(settlement)?,
    ))
}

/// `commitment_hash` from the settlement's canonical text (what the solver writes directly).
#[must_use]
pub fn commitment_hash_of_text(challenge_id: &str, miner: &str, settlement_jcs: &str) -> String {
    // The canonical text of {challenge_id, miner, settlement}: the keys are already in order.
    let mut text = String::with_capacity(64 + settlement_jcs.len());
    text.push_str("{\"challenge_id\":");
    write_string(&mut text, challenge_id);
    text.push_str(",\"miner\":");
    write_string(&mut text, miner);
    text.push_str(",\"settlement\":");
    text.push_str(settlement_jcs);
    text.push('}');
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in digest {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::format_number;

    /// Every double in `tests/data/ecmascript-numbers.tsv` (written by node from JavaScript's own
    /// `String(x)`: random bit patterns, short decimals, and halfway cases, where the shortest
    /// digits must round to even as ECMAScript says; Rust's `{:e}` rounds those up) formats as
    /// JavaScript formats it.
    #[test]
    fn numbers_match_javascript() {
        let table = include_str!("../tests/data/ecmascript-numbers.tsv");
        let mut n = 0;
        for line in table.lines() {
            let (bits, js) = line.split_once('\t').expect("bits<TAB>text");
            let x = f64::from_bits(u64::from_str_radix(bits, 16).expect("hex bits"));
            assert_eq!(format_number(x), js, "{bits}");
            n += 1;
        }
        assert!(n > 6000, "only {n} numbers");
    }

    #[test]
    fn numbers() {
        for (x, s) in [
            (1e21, "1e+21"),
            (1e-7, "1e-7"),
            (-0.0, "0"),
            (0.1, "0.1"),
            (123.0, "123"),
            (-1.5e-10, "-1.5e-10"),
        ] {
            assert_eq!(format_number(x), s);
        }
    }
}
