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

/// A fixed buffer for Rust's `{:e}` text of one `f64` (at most 24 bytes: 17 digits, sign,
/// point, `e-324`), so that writing a number allocates nothing.
struct Sci {
    buf: [u8; 32],
    len: usize,
}

impl std::fmt::Write for Sci {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Append `x` in ECMAScript `Number.prototype.toString` form.
pub fn write_number(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("NaN");
        return;
    }
    if x == 0.0 {
        out.push('0');
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    // Rust's `{:e}` prints the shortest round-trip digits: `d[.ddd]e<exp>`.
    let mut sci = Sci {
        buf: [0; 32],
        len: 0,
    };
    if write!(sci, "{:e}", x.abs()).is_err() {
        // Cannot happen (the text is at most 24 bytes); fall back to an allocation.
        let text = format!("{:e}", x.abs());
        sci.len = 0;
        let _ = sci.write_str(&text);
    }
    let text = std::str::from_utf8(&sci.buf[..sci.len]).unwrap_or("0e0");
    let (mantissa, exp) = text.split_once('e').unwrap_or((text, "0"));
    let mut digits = [0u8; 24];
    let mut k = 0;
    for b in mantissa.bytes().filter(u8::is_ascii_digit) {
        if k < digits.len() {
            digits[k] = b;
            k += 1;
        }
    }
    let digits = std::str::from_utf8(&digits[..k]).unwrap_or("0");
    let exp: i64 = exp.parse().unwrap_or(0);
    let k = i64::try_from(k).unwrap_or(i64::MAX);
    // ECMAScript's n: the decimal point sits after n digits.
    let n = exp + 1;
    if x < 0.0 {
        out.push('-');
    }
    let zeros = |out: &mut String, c: i64| {
        for _ in 0..c.max(0) {
            out.push('0');
        }
    };
    if k <= n && n <= 21 {
        out.push_str(digits);
        zeros(out, n - k);
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(usize::try_from(n).unwrap_or(0));
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        zeros(out, -n);
        out.push_str(digits);
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let e = n - 1;
        let _ = write!(out, "e{}{}", if e >= 0 { '+' } else { '-' }, e.abs());
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
