//! The challenge document (settlement.md §1): typed, validated, canonical.
//!
//! `parse_challenge` reads JSON text, enforces every rule and limit of §1, §1.1, §1.2 and §6 and
//! returns a `Challenge` whose parties are sorted by id, or the first error (code + JSON path).
//!
//! Numbers: the text is read by a small JSON reader of our own rather than `serde_json`, because
//! `serde_json` refuses `1e999` as a syntax error with a line and column, while the contract wants
//! `NOT_FINITE` at the field's JSON path, and only for fields the engine reads (an overflow in an
//! ignored unknown field is ignored, as `JSON.parse` + validation does on the TypeScript side).
//! The `arbitrary_precision` feature of `serde_json` would also do, but it is a workspace-wide
//! feature that changes `serde_json::Number` for every other crate. The reader bounds nesting at
//! `MAX_JSON_DEPTH`, so deep input is `INVALID_JSON`, never a stack overflow.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::constraint::Constraint;
use crate::error::{ErrorCode, NashError, Result};
use crate::limits::{
    CHALLENGE_ID_HEX_MAX, CHALLENGE_ID_HEX_MIN, DEFAULT_CURRENCY, DEFAULT_WEIGHT,
    MAX_CONSTRAINT_STRINGS, MAX_JSON_BYTES, MAX_PARTIES, PARTY_ID_MAX_LEN,
    RESPONSE_WINDOW_DEFAULT_MS, RESPONSE_WINDOW_MAX_MS, RESPONSE_WINDOW_MIN_MS, SPEC_VERSION,
};

/// Deepest nesting of arrays and objects the reader accepts (a top-level value is level 1). The
/// spec sets no number; a challenge needs 6 levels. Not a spec constant, so it lives here.
pub const MAX_JSON_DEPTH: usize = 128;

/// Largest `timestamp`: JavaScript's `Number.MAX_SAFE_INTEGER`, so both readers agree exactly.
const MAX_TIMESTAMP: f64 = 9_007_199_254_740_991.0;

/// A party attribute value: a string or a finite number (§1.1).
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    Num(f64),
    Str(String),
}

/// A soft preference: `bonus` per unit on edges where `when` holds (§1.1).
#[derive(Debug, Clone, PartialEq)]
pub struct Preference {
    pub when: Constraint,
    pub bonus: f64,
}

/// How a deferral's compensation is counted (§1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompensationPer {
    Unit,
    HourDeferred,
}

/// A demand leg as written: `buy`, or the `get` of a `swap`.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandSpec {
    pub resource: String,
    /// 0 when absent.
    pub min: f64,
    pub max: f64,
    pub price_max: f64,
}

/// A supply leg as written: `sell`, or the `give` of a `swap`.
#[derive(Debug, Clone, PartialEq)]
pub struct SupplySpec {
    pub resource: String,
    /// `available` (or `max`) for `sell`, `max` for a swap's `give`.
    pub available: f64,
    /// 0 when absent.
    pub min: f64,
    pub price_min: f64,
}

/// The four intents (§1.1).
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    Buy(DemandSpec),
    Sell(SupplySpec),
    Defer {
        resource: String,
        current: f64,
        compensation_min: f64,
        per: CompensationPer,
    },
    Swap {
        give: SupplySpec,
        get: DemandSpec,
        give_per_get_max: Option<f64>,
    },
}

impl Intent {
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Intent::Buy(_) => "buy",
            Intent::Sell(_) => "sell",
            Intent::Defer { .. } => "defer",
            Intent::Swap { .. } => "swap",
        }
    }
}

/// One validated party.
#[derive(Debug, Clone, PartialEq)]
pub struct Party {
    pub id: String,
    /// Position in the input's `parties` array, for error messages only.
    pub input_index: usize,
    pub intent: Intent,
    pub attributes: BTreeMap<String, AttrValue>,
    pub constraints: Vec<Constraint>,
    pub preferences: Vec<Preference>,
    pub weight: f64,
}

/// A validated challenge. `parties` is sorted by id.
#[derive(Debug, Clone, PartialEq)]
pub struct Challenge {
    pub version: u64,
    pub challenge_id: String,
    pub timestamp: Option<i64>,
    pub response_window_ms: u64,
    pub currency: String,
    /// `network.latency_ms`: region -> region -> ms.
    pub latency_ms: BTreeMap<String, BTreeMap<String, f64>>,
    pub parties: Vec<Party>,
}

// ---------------------------------------------------------------------------------------------
// JSON reader

/// A JSON value as read, numbers kept as `f64` even when they overflow (checked where read).
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    /// Keys in first-appearance order; a repeated key keeps the last value (as `JSON.parse`).
    Obj(Vec<(String, Json)>),
}

fn invalid_json(message: impl Into<String>) -> NashError {
    NashError::new(ErrorCode::InvalidJson, "$", message)
}

/// Objects up to this many keys look duplicates up by a linear scan.
const LINEAR_KEYS: usize = 16;

struct Reader<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn err(&self, what: &str) -> NashError {
        invalid_json(format!("{what} at byte {}", self.pos))
    }

    fn skip_ws(&mut self) {
        while matches!(self.b.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.b[self.pos..].starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json> {
        self.skip_ws();
        match self.b.get(self.pos) {
            None => Err(self.err("unexpected end of input")),
            Some(b'{' | b'[') if depth >= MAX_JSON_DEPTH => Err(invalid_json(format!(
                "nested deeper than {MAX_JSON_DEPTH} levels"
            ))),
            Some(b'{') => {
                self.pos += 1;
                let mut entries: Vec<(String, Json)> = Vec::new();
                // Duplicate keys (the last one wins): a linear scan while the object is small
                // (every object of a challenge), an index once it grows, so that a hostile
                // object of 100,000 keys stays linear.
                let mut seen: Option<HashMap<String, usize>> = None;
                self.skip_ws();
                if self.eat("}") {
                    return Ok(Json::Obj(entries));
                }
                loop {
                    self.skip_ws();
                    if self.b.get(self.pos) != Some(&b'"') {
                        return Err(self.err("expected a string key"));
                    }
                    let key = self.string()?;
                    self.skip_ws();
                    if !self.eat(":") {
                        return Err(self.err("expected `:`"));
                    }
                    let v = self.value(depth + 1)?;
                    let found = match &seen {
                        Some(index) => index.get(&key).copied(),
                        None => entries.iter().position(|(k, _)| *k == key),
                    };
                    if let Some(i) = found {
                        entries[i].1 = v;
                    } else {
                        if let Some(index) = &mut seen {
                            index.insert(key.clone(), entries.len());
                        }
                        entries.push((key, v));
                        if seen.is_none() && entries.len() > LINEAR_KEYS {
                            seen = Some(
                                entries
                                    .iter()
                                    .enumerate()
                                    .map(|(i, (k, _))| (k.clone(), i))
                                    .collect(),
                            );
                        }
                    }
                    self.skip_ws();
                    if self.eat(",") {
                        continue;
                    }
                    if self.eat("}") {
                        return Ok(Json::Obj(entries));
                    }
                    return Err(self.err("expected `,` or `}`"));
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.eat("]") {
                    return Ok(Json::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    if self.eat(",") {
                        continue;
                    }
                    if self.eat("]") {
                        return Ok(Json::Arr(items));
                    }
                    return Err(self.err("expected `,` or `]`"));
                }
            }
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ if self.eat("true") => Ok(Json::Bool(true)),
            _ if self.eat("false") => Ok(Json::Bool(false)),
            _ if self.eat("null") => Ok(Json::Null),
            _ => Err(self.err("unexpected character")),
        }
    }

    fn digits(&mut self) -> usize {
        let n = self.b[self.pos..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        self.pos += n;
        n
    }

    fn number(&mut self) -> Result<Json> {
        let start = self.pos;
        self.eat("-");
        if !self.eat("0") && self.digits() == 0 {
            return Err(self.err("bad number"));
        }
        if self.eat(".") && self.digits() == 0 {
            return Err(self.err("bad number"));
        }
        if matches!(self.b.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.b.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("bad number"));
            }
        }
        // Rust's parser rounds correctly and gives +-inf on overflow (kept: NOT_FINITE where read).
        self.text[start..self.pos]
            .parse::<f64>()
            .map(Json::Num)
            .map_err(|_| self.err("bad number"))
    }

    fn hex4(&mut self) -> Result<u32> {
        let h = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.err("short \\u escape"))?;
        // Checked first: `from_str_radix` alone would also take a leading `+`.
        if !h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(self.err("bad \\u escape"));
        }
        let v = u32::from_str_radix(h, 16).map_err(|_| self.err("bad \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    /// A string starting at the opening quote.
    fn string(&mut self) -> Result<String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run = self.b[self.pos..]
                .iter()
                .take_while(|&&c| c != b'"' && c != b'\\' && c >= 0x20)
                .count();
            // The run stops at an ASCII byte or the end, so it ends on a char boundary.
            out.push_str(&self.text[self.pos..self.pos + run]);
            self.pos += run;
            match self.b.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = *self
                        .b
                        .get(self.pos)
                        .ok_or_else(|| self.err("unterminated string"))?;
                    self.pos += 1;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi) {
                                if !self.eat("\\u") {
                                    return Err(self.err("lone surrogate"));
                                }
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("lone surrogate"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            out.push(char::from_u32(cp).ok_or_else(|| self.err("lone surrogate"))?);
                        }
                        _ => return Err(self.err("bad escape")),
                    }
                }
                Some(_) => return Err(self.err("control character in string")),
                None => return Err(self.err("unterminated string")),
            }
        }
    }
}

fn read_json(text: &str) -> Result<Json> {
    let mut r = Reader {
        text,
        b: text.as_bytes(),
        pos: 0,
    };
    let v = r.value(0)?;
    r.skip_ws();
    if r.pos != r.b.len() {
        return Err(r.err("trailing text after the document"));
    }
    Ok(v)
}

/// Depth-bounded conversion: a `Value` built in memory can be nested arbitrarily deep.
fn from_serde(v: &serde_json::Value, depth: usize) -> Result<Json> {
    use serde_json::Value as V;
    if depth >= MAX_JSON_DEPTH && matches!(v, V::Array(_) | V::Object(_)) {
        return Err(invalid_json(format!(
            "nested deeper than {MAX_JSON_DEPTH} levels"
        )));
    }
    Ok(match v {
        V::Null => Json::Null,
        V::Bool(b) => Json::Bool(*b),
        // A serde_json Number is always finite unless built with arbitrary_precision.
        V::Number(n) => Json::Num(n.as_f64().unwrap_or(f64::NAN)),
        V::String(s) => Json::Str(s.clone()),
        V::Array(a) => Json::Arr(
            a.iter()
                .map(|x| from_serde(x, depth + 1))
                .collect::<Result<_>>()?,
        ),
        V::Object(o) => Json::Obj(
            o.iter()
                .map(|(k, x)| Ok((k.clone(), from_serde(x, depth + 1)?)))
                .collect::<Result<_>>()?,
        ),
    })
}

// ---------------------------------------------------------------------------------------------
// Validation helpers

type Obj = [(String, Json)];

fn kind(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Num(_) => "a number",
        Json::Str(_) => "a string",
        Json::Arr(_) => "an array",
        Json::Obj(_) => "an object",
    }
}

/// `prefix.key`. Paths are built for every field read, error or not: plain pushes, since the
/// formatting machinery cost a twentieth of a 20×20 settlement (perf).
fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        return key.to_string();
    }
    let mut path = String::with_capacity(prefix.len() + 1 + key.len());
    path.push_str(prefix);
    path.push('.');
    path.push_str(key);
    path
}

/// `prefix[i]`, built like `join`.
fn index(prefix: &str, i: usize) -> String {
    let i = i.to_string();
    let mut path = String::with_capacity(prefix.len() + 2 + i.len());
    path.push_str(prefix);
    path.push('[');
    path.push_str(&i);
    path.push(']');
    path
}

fn field<'a>(o: &'a Obj, key: &str) -> Option<&'a Json> {
    o.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn type_err(path: &str, want: &str, got: &Json) -> NashError {
    NashError::new(
        ErrorCode::Type,
        path,
        format!("{path} must be {want}, not {}", kind(got)),
    )
}

fn range_err(path: &str, rule: &str) -> NashError {
    NashError::new(ErrorCode::Range, path, format!("{path} {rule}"))
}

fn required<'a>(o: &'a Obj, prefix: &str, key: &str) -> Result<(&'a Json, String)> {
    let path = join(prefix, key);
    match field(o, key) {
        Some(v) => Ok((v, path)),
        None => Err(NashError::new(
            ErrorCode::Missing,
            path.clone(),
            format!("{path} is required"),
        )),
    }
}

fn as_obj<'a>(j: &'a Json, path: &str) -> Result<&'a Obj> {
    match j {
        Json::Obj(o) => Ok(o),
        other => Err(type_err(path, "an object", other)),
    }
}

fn as_str<'a>(j: &'a Json, path: &str) -> Result<&'a str> {
    match j {
        Json::Str(s) => Ok(s),
        other => Err(type_err(path, "a string", other)),
    }
}

fn as_num(j: &Json, path: &str) -> Result<f64> {
    match j {
        Json::Num(x) if x.is_finite() => Ok(*x),
        Json::Num(_) => Err(NashError::new(
            ErrorCode::NotFinite,
            path,
            format!("{path} is not a finite number"),
        )),
        other => Err(type_err(path, "a number", other)),
    }
}

/// An integer in the JavaScript sense: a finite number without fractional part (`1.0` is 1).
fn as_int(j: &Json, path: &str) -> Result<f64> {
    let x = as_num(j, path)?;
    if x.fract() != 0.0 {
        return Err(NashError::new(
            ErrorCode::Type,
            path,
            format!("{path} must be an integer, not {x}"),
        ));
    }
    Ok(x)
}

fn non_negative(x: f64, path: &str) -> Result<f64> {
    if x < 0.0 {
        return Err(range_err(path, "must be >= 0"));
    }
    Ok(x)
}

fn positive(x: f64, path: &str) -> Result<f64> {
    if x <= 0.0 {
        return Err(range_err(path, "must be > 0"));
    }
    Ok(x)
}

/// A required number >= 0 at `prefix.key`.
fn req_non_negative(o: &Obj, prefix: &str, key: &str) -> Result<f64> {
    let (v, path) = required(o, prefix, key)?;
    non_negative(as_num(v, &path)?, &path)
}

/// An optional number >= 0 at `prefix.key`, 0 when absent.
fn opt_non_negative(o: &Obj, prefix: &str, key: &str) -> Result<f64> {
    let path = join(prefix, key);
    field(o, key).map_or(Ok(0.0), |v| non_negative(as_num(v, &path)?, &path))
}

fn req_obj<'a>(o: &'a Obj, prefix: &str, key: &str) -> Result<(&'a Obj, String)> {
    let (v, path) = required(o, prefix, key)?;
    Ok((as_obj(v, &path)?, path))
}

fn resource(o: &Obj, prefix: &str) -> Result<String> {
    let (v, path) = required(o, prefix, "resource")?;
    let r = as_str(v, &path)?;
    if r.is_empty() {
        return Err(range_err(&path, "must not be empty"));
    }
    Ok(r.to_string())
}

fn min_le_max(min: f64, max: f64, min_path: &str) -> Result<()> {
    if min > max {
        return Err(range_err(
            min_path,
            &format!("({min}) is above the leg's maximum ({max})"),
        ));
    }
    Ok(())
}

/// A demand leg: `buy` (max > 0) or a swap's `get` (max >= 0).
fn demand(o: &Obj, prefix: &str, max_positive: bool) -> Result<DemandSpec> {
    let resource = resource(o, prefix)?;
    let (q, qp) = req_obj(o, prefix, "quantity")?;
    let min = opt_non_negative(q, &qp, "min")?;
    let (v, max_path) = required(q, &qp, "max")?;
    let max = as_num(v, &max_path)?;
    let max = if max_positive {
        positive(max, &max_path)?
    } else {
        non_negative(max, &max_path)?
    };
    min_le_max(min, max, &join(&qp, "min"))?;
    let (p, pp) = req_obj(o, prefix, "price")?;
    let price_max = req_non_negative(p, &pp, "max")?;
    Ok(DemandSpec {
        resource,
        min,
        max,
        price_max,
    })
}

fn is_party_id(id: &str) -> bool {
    (1..=PARTY_ID_MAX_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b':' | b'-'))
}

fn is_challenge_id(id: &str) -> bool {
    id.strip_prefix("0x").is_some_and(|hex| {
        (CHALLENGE_ID_HEX_MIN..=CHALLENGE_ID_HEX_MAX).contains(&hex.len())
            && hex
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
    })
}

fn constraint(text: &str, path: &str, party_id: &str) -> Result<Constraint> {
    Constraint::parse(text).map_err(|e| {
        NashError::new(
            e.code,
            path,
            format!("party {party_id}: constraint {text:?}: {}", e.message),
        )
    })
}

fn party(j: &Json, i: usize, ids: &mut HashSet<String>) -> Result<Party> {
    let pre = index("parties", i);
    let o = as_obj(j, &pre)?;

    let (v, path) = required(o, &pre, "id")?;
    let id = as_str(v, &path)?;
    if !is_party_id(id) {
        return Err(NashError::new(
            ErrorCode::Format,
            path,
            format!(
                "party id {id:?} must be 1..{PARTY_ID_MAX_LEN} characters of A-Z a-z 0-9 _ . : -"
            ),
        ));
    }
    if !ids.insert(id.to_string()) {
        return Err(NashError::new(
            ErrorCode::DuplicateId,
            path,
            format!("party id {id:?} appears twice"),
        ));
    }

    let (v, intent_path) = required(o, &pre, "intent")?;
    let intent_name = as_str(v, &intent_path)?;
    if !matches!(intent_name, "buy" | "sell" | "defer" | "swap") {
        return Err(NashError::new(
            ErrorCode::UnknownIntent,
            intent_path,
            format!("intent {intent_name:?} is not one of buy, sell, defer, swap"),
        ));
    }

    let mut attributes = BTreeMap::new();
    if let Some(v) = field(o, "attributes") {
        let ap = join(&pre, "attributes");
        for (key, value) in as_obj(v, &ap)? {
            let path = join(&ap, key);
            let value = match value {
                Json::Str(s) => AttrValue::Str(s.clone()),
                Json::Num(_) => AttrValue::Num(as_num(value, &path)?),
                other => return Err(type_err(&path, "a string or a number", other)),
            };
            match (key.as_str(), &value) {
                ("duration_hours", AttrValue::Num(x)) | ("latency_ms", AttrValue::Num(x)) => {
                    non_negative(*x, &path)?;
                }
                ("duration_hours", AttrValue::Str(_)) => {
                    return Err(NashError::new(
                        ErrorCode::Type,
                        path.clone(),
                        format!("{path} must be a number, not a string"),
                    ));
                }
                _ => {}
            }
            attributes.insert(key.clone(), value);
        }
    }

    let mut constraints = Vec::new();
    if let Some(v) = field(o, "constraints") {
        let cp = join(&pre, "constraints");
        let Json::Arr(items) = v else {
            return Err(type_err(&cp, "an array", v));
        };
        for (j, item) in items.iter().enumerate() {
            let path = index(&cp, j);
            constraints.push(constraint(as_str(item, &path)?, &path, id)?);
        }
    }

    let mut preferences = Vec::new();
    if let Some(v) = field(o, "preferences") {
        let pp = join(&pre, "preferences");
        let Json::Arr(items) = v else {
            return Err(type_err(&pp, "an array", v));
        };
        for (j, item) in items.iter().enumerate() {
            let ip = index(&pp, j);
            let po = as_obj(item, &ip)?;
            let (w, wp) = required(po, &ip, "when")?;
            let when = constraint(as_str(w, &wp)?, &wp, id)?;
            let bonus = req_non_negative(po, &ip, "bonus")?;
            preferences.push(Preference { when, bonus });
        }
    }

    let weight = match field(o, "weight") {
        Some(v) => {
            let path = join(&pre, "weight");
            positive(as_num(v, &path)?, &path)?
        }
        None => DEFAULT_WEIGHT,
    };

    let intent = match intent_name {
        "buy" => Intent::Buy(demand(o, &pre, true)?),
        "sell" => {
            let resource = resource(o, &pre)?;
            let (q, qp) = req_obj(o, &pre, "quantity")?;
            // `max` is accepted for `available`; `available` wins when both are present.
            let key = if field(q, "available").is_none() && field(q, "max").is_some() {
                "max"
            } else {
                "available"
            };
            let available = req_non_negative(q, &qp, key)?;
            let min = opt_non_negative(q, &qp, "min")?;
            min_le_max(min, available, &join(&qp, "min"))?;
            let (p, pp) = req_obj(o, &pre, "price")?;
            let price_min = req_non_negative(p, &pp, "min")?;
            Intent::Sell(SupplySpec {
                resource,
                available,
                min,
                price_min,
            })
        }
        "defer" => {
            let resource = resource(o, &pre)?;
            let (q, qp) = req_obj(o, &pre, "quantity")?;
            let (v, cur_path) = required(q, &qp, "current")?;
            let current = positive(as_num(v, &cur_path)?, &cur_path)?;
            let (c, cp) = req_obj(o, &pre, "compensation")?;
            let compensation_min = req_non_negative(c, &cp, "min")?;
            let per = match field(c, "per") {
                None => CompensationPer::Unit,
                Some(v) => {
                    let path = join(&cp, "per");
                    match as_str(v, &path)? {
                        "unit" => CompensationPer::Unit,
                        "hour_deferred" => CompensationPer::HourDeferred,
                        other => {
                            return Err(NashError::new(
                                ErrorCode::Format,
                                path,
                                format!(
                                "compensation.per {other:?} is not \"unit\" or \"hour_deferred\""
                            ),
                            ))
                        }
                    }
                }
            };
            Intent::Defer {
                resource,
                current,
                compensation_min,
                per,
            }
        }
        _ => {
            let (g, gp) = req_obj(o, &pre, "give")?;
            let give_resource = resource(g, &gp)?;
            let (q, qp) = req_obj(g, &gp, "quantity")?;
            let available = req_non_negative(q, &qp, "max")?;
            let (p, pp) = req_obj(g, &gp, "price")?;
            let price_min = req_non_negative(p, &pp, "min")?;
            let give = SupplySpec {
                resource: give_resource,
                available,
                min: 0.0,
                price_min,
            };
            let (t, tp) = req_obj(o, &pre, "get")?;
            let get = demand(t, &tp, false)?;
            if get.resource == give.resource {
                return Err(NashError::new(
                    ErrorCode::SwapSameResource,
                    join(&tp, "resource"),
                    format!("party {id} swaps {} for itself", get.resource),
                ));
            }
            let give_per_get_max = match field(o, "ratio") {
                None => None,
                Some(v) => {
                    let rp = join(&pre, "ratio");
                    let r = as_obj(v, &rp)?;
                    let (x, xp) = required(r, &rp, "give_per_get_max")?;
                    Some(positive(as_num(x, &xp)?, &xp)?)
                }
            };
            Intent::Swap {
                give,
                get,
                give_per_get_max,
            }
        }
    };

    Ok(Party {
        id: id.to_string(),
        input_index: i,
        intent,
        attributes,
        constraints,
        preferences,
        weight,
    })
}

fn challenge(doc: &Json) -> Result<Challenge> {
    let o = as_obj(doc, "$")?;

    let version = match field(o, "version") {
        None => SPEC_VERSION,
        Some(v) => {
            let x = as_int(v, "version")?;
            #[allow(clippy::cast_precision_loss)] // SPEC_VERSION is a small integer
            let spec = SPEC_VERSION as f64;
            if x != spec {
                return Err(NashError::new(
                    ErrorCode::Version,
                    "version",
                    format!("version {x} is not supported (only {SPEC_VERSION})"),
                ));
            }
            SPEC_VERSION
        }
    };

    let (v, _) = required(o, "", "challenge_id")?;
    let challenge_id = as_str(v, "challenge_id")?;
    if !is_challenge_id(challenge_id) {
        return Err(NashError::new(
            ErrorCode::Format,
            "challenge_id",
            format!("challenge_id must be 0x and {CHALLENGE_ID_HEX_MIN}..{CHALLENGE_ID_HEX_MAX} lowercase hex digits"),
        ));
    }

    let timestamp = match field(o, "timestamp") {
        None => None,
        Some(v) => {
            let t = as_int(v, "timestamp")?;
            if !(0.0..=MAX_TIMESTAMP).contains(&t) {
                return Err(range_err("timestamp", "must be in 0..2^53-1"));
            }
            #[allow(clippy::cast_possible_truncation)] // integral and within 2^53, so exact
            Some(t as i64)
        }
    };

    let response_window_ms = match field(o, "response_window_ms") {
        None => RESPONSE_WINDOW_DEFAULT_MS,
        Some(v) => {
            let w = as_int(v, "response_window_ms")?;
            #[allow(clippy::cast_precision_loss)] // small integer constants
            let (lo, hi) = (RESPONSE_WINDOW_MIN_MS as f64, RESPONSE_WINDOW_MAX_MS as f64);
            if !(lo..=hi).contains(&w) {
                return Err(range_err(
                    "response_window_ms",
                    &format!("must be in {RESPONSE_WINDOW_MIN_MS}..{RESPONSE_WINDOW_MAX_MS}"),
                ));
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            // integral, in 1..=10000
            let w = w as u64;
            w
        }
    };

    let currency = match field(o, "currency") {
        None => DEFAULT_CURRENCY.to_string(),
        Some(v) => as_str(v, "currency")?.to_string(),
    };

    let mut latency_ms = BTreeMap::new();
    if let Some(n) = field(o, "network") {
        let n = as_obj(n, "network")?;
        if let Some(l) = field(n, "latency_ms") {
            for (a, row) in as_obj(l, "network.latency_ms")? {
                let rp = format!("network.latency_ms.{a}");
                let mut out = BTreeMap::new();
                for (b, x) in as_obj(row, &rp)? {
                    let path = format!("{rp}.{b}");
                    out.insert(b.clone(), non_negative(as_num(x, &path)?, &path)?);
                }
                latency_ms.insert(a.clone(), out);
            }
        }
    }

    let (v, _) = required(o, "", "parties")?;
    let Json::Arr(items) = v else {
        return Err(type_err("parties", "an array", v));
    };
    if items.is_empty() {
        return Err(range_err("parties", "must hold at least one party"));
    }
    if items.len() > MAX_PARTIES {
        return Err(NashError::new(
            ErrorCode::Limit,
            "parties",
            format!(
                "{} parties, more than the limit of {MAX_PARTIES}",
                items.len()
            ),
        ));
    }
    let strings: usize = items
        .iter()
        .filter_map(|p| if let Json::Obj(o) = p { Some(o) } else { None })
        .flat_map(|o| {
            ["constraints", "preferences"].map(|k| match field(o, k) {
                Some(Json::Arr(a)) => a.len(),
                _ => 0,
            })
        })
        .sum();
    if strings > MAX_CONSTRAINT_STRINGS {
        return Err(NashError::new(
            ErrorCode::Limit,
            "parties",
            format!(
                "{strings} constraint strings, more than the limit of {MAX_CONSTRAINT_STRINGS}"
            ),
        ));
    }

    let mut ids = HashSet::new();
    let mut parties = items
        .iter()
        .enumerate()
        .map(|(i, p)| party(p, i, &mut ids))
        .collect::<Result<Vec<_>>>()?;
    // The engine's canonical order: by id, bytewise. Ids are unique, so the order is total.
    parties.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));

    Ok(Challenge {
        version,
        challenge_id: challenge_id.to_string(),
        timestamp,
        response_window_ms,
        currency,
        latency_ms,
        parties,
    })
}

/// Read and validate a challenge from JSON text (§1, §6). The size limit is checked before
/// parsing; the first broken rule is returned with its JSON path (input indexes).
///
/// # Errors
/// `TOO_LARGE`, `INVALID_JSON`, or the first rule of §1/§1.1/§1.2/§6 the document breaks.
pub fn parse_challenge(text: &str) -> Result<Challenge> {
    if text.len() > MAX_JSON_BYTES {
        return Err(NashError::new(
            ErrorCode::TooLarge,
            "$",
            format!(
                "{} bytes, more than the limit of {MAX_JSON_BYTES}",
                text.len()
            ),
        ));
    }
    challenge(&read_json(text)?)
}

/// Validate a challenge already parsed by `serde_json` (its numbers are finite by construction).
///
/// # Errors
/// As `parse_challenge`, except `TOO_LARGE` (there is no text to measure).
pub fn parse_challenge_value(v: &serde_json::Value) -> Result<Challenge> {
    challenge(&from_serde(v, 0)?)
}

/// A challenge of `shared/fixtures/` by name (`seed-three-party`), for the crate's unit tests.
#[cfg(test)]
pub(crate) fn fixture(name: &str) -> Challenge {
    let path = format!(
        "{}/../../../shared/fixtures/{name}.challenge.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse_challenge(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_keeps_overflow_and_last_duplicate() {
        let j = read_json(r#"{"a":1e999,"b":1,"b":2}"#).expect("reads");
        let Json::Obj(o) = j else {
            panic!("object expected")
        };
        assert_eq!(field(&o, "a"), Some(&Json::Num(f64::INFINITY)));
        assert_eq!(field(&o, "b"), Some(&Json::Num(2.0)));
        assert_eq!(o.len(), 2);
    }

    #[test]
    fn reader_strings() {
        let j = read_json(r#""a\u00e9\ud83d\ude00\n""#).expect("reads");
        assert_eq!(j, Json::Str("aé😀\n".into()));
        assert!(read_json(r#""\ud800""#).is_err());
        assert!(read_json(r#""\u+abc""#).is_err());
        assert!(read_json("\"a\u{1}\"").is_err());
    }

    #[test]
    fn paths() {
        assert_eq!(join("", "version"), "version");
        assert_eq!(join("parties[3]", "quantity"), "parties[3].quantity");
        assert_eq!(index("parties", 0), "parties[0]");
        assert_eq!(
            index("parties[12].constraints", 1023),
            "parties[12].constraints[1023]"
        );
        assert_eq!(index("a", usize::MAX), format!("a[{}]", usize::MAX));
    }

    #[test]
    fn ids() {
        assert!(is_party_id("a.b:c-d_E9"));
        assert!(!is_party_id(""));
        assert!(!is_party_id("a b"));
        assert!(is_challenge_id("0x0123abcd"));
        assert!(!is_challenge_id("0x0123ABCD"));
        assert!(!is_challenge_id("0x0123abc"));
    }
}
