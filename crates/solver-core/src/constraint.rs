//! The constraint grammar of settlement.md §1.2: parsing, and evaluation on edge attributes.
//!
//! ```text
//! constraint := attr op value | attr "in" list | attr "not in" list
//! op         := "<" | "<=" | ">" | ">=" | "=" | "==" | "!="
//! value      := number | identifier | quoted-string
//! list       := "[" value ("," value)* "]"
//! ```
//!
//! Lexical decisions the spec leaves open are written down in `conformance/README.md` (numbers
//! follow JSON, quoted strings have no escapes, whitespace is space/tab/CR/LF) so that the
//! TypeScript reader makes the same ones.

use std::fmt;

use crate::challenge::AttrValue;
use crate::edges::EdgeAttrs;
use crate::error::ErrorCode;

/// A comparison operator, normalised (`==` is `Eq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    In,
    NotIn,
}

impl Op {
    /// The normalised spelling used by the conformance corpus.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::In => "in",
            Op::NotIn => "not in",
        }
    }

    /// `<`, `<=`, `>`, `>=`: only meaningful on numbers.
    #[must_use]
    pub fn is_ordering(self) -> bool {
        matches!(self, Op::Lt | Op::Le | Op::Gt | Op::Ge)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed constraint string: `attr op values`. Comparisons carry one value, `in` lists one or more.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// The text as written, for error messages.
    pub text: String,
    /// The edge attribute it reads (`hours` for the `max_defer_hours` alias).
    pub attr: String,
    pub op: Op,
    /// Identifiers and quoted strings are `Str`, number tokens `Num`.
    pub values: Vec<AttrValue>,
}

/// Why a constraint string was refused; the challenge reader adds the JSON path and party id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintError {
    /// `ConstraintSyntax` or `ConstraintOrdering`.
    pub code: ErrorCode,
    pub message: String,
}

impl fmt::Display for ConstraintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ConstraintError {}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Num(f64),
    Str(String),
    Op(Op),
    LBracket,
    RBracket,
    Comma,
}

fn syntax(message: impl Into<String>) -> ConstraintError {
    ConstraintError {
        code: ErrorCode::ConstraintSyntax,
        message: message.into(),
    }
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// Consume `[0-9]+` from `pos`; returns the new position, or `None` when there is no digit.
fn digits(b: &[u8], pos: usize) -> Option<usize> {
    let end = pos + b[pos..].iter().take_while(|c| c.is_ascii_digit()).count();
    (end > pos).then_some(end)
}

/// A JSON number starting at `start`: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn lex_number(b: &[u8], start: usize) -> Result<(f64, usize), ConstraintError> {
    let mut pos = start;
    if b.get(pos) == Some(&b'-') {
        pos += 1;
    }
    match b.get(pos) {
        Some(b'0') => pos += 1,
        Some(c) if c.is_ascii_digit() => pos = digits(b, pos).unwrap_or(pos),
        _ => return Err(syntax("a number needs a digit")),
    }
    if b.get(pos) == Some(&b'.') {
        pos = digits(b, pos + 1).ok_or_else(|| syntax("a digit must follow the decimal point"))?;
    }
    if matches!(b.get(pos), Some(b'e' | b'E')) {
        pos += 1;
        if matches!(b.get(pos), Some(b'+' | b'-')) {
            pos += 1;
        }
        pos = digits(b, pos).ok_or_else(|| syntax("a digit must follow the exponent"))?;
    }
    // The slice is ASCII by construction, so it is valid UTF-8.
    let lexeme = std::str::from_utf8(&b[start..pos]).map_err(|_| syntax("bad number"))?;
    let value: f64 = lexeme.parse().map_err(|_| syntax("bad number"))?;
    if !value.is_finite() {
        return Err(syntax(format!("the number {lexeme} is not finite")));
    }
    Ok((value, pos))
}

fn lex(text: &str) -> Result<Vec<Token>, ConstraintError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        let c = b[pos];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
            b'[' => {
                out.push(Token::LBracket);
                pos += 1;
            }
            b']' => {
                out.push(Token::RBracket);
                pos += 1;
            }
            b',' => {
                out.push(Token::Comma);
                pos += 1;
            }
            b'<' | b'>' => {
                let eq = b.get(pos + 1) == Some(&b'=');
                out.push(Token::Op(match (c, eq) {
                    (b'<', false) => Op::Lt,
                    (b'<', true) => Op::Le,
                    (_, false) => Op::Gt,
                    (_, true) => Op::Ge,
                }));
                pos += if eq { 2 } else { 1 };
            }
            b'=' => {
                // `==` is a synonym of `=`; `===` lexes as `==` `=` and fails in the parser.
                pos += if b.get(pos + 1) == Some(&b'=') { 2 } else { 1 };
                out.push(Token::Op(Op::Eq));
            }
            b'!' => {
                if b.get(pos + 1) != Some(&b'=') {
                    return Err(syntax("`!` must be followed by `=`"));
                }
                out.push(Token::Op(Op::Ne));
                pos += 2;
            }
            b'"' | b'\'' => {
                // No escapes: the string runs to the next identical quote.
                let close = b[pos + 1..]
                    .iter()
                    .position(|&q| q == c)
                    .ok_or_else(|| syntax("unterminated quoted string"))?;
                // Quotes are ASCII, so both ends are char boundaries.
                out.push(Token::Str(text[pos + 1..pos + 1 + close].to_string()));
                pos += close + 2;
            }
            b'-' | b'0'..=b'9' => {
                let (value, end) = lex_number(b, pos)?;
                out.push(Token::Num(value));
                pos = end;
            }
            _ if is_ident_start(c) => {
                let end = pos
                    + b[pos..]
                        .iter()
                        .take_while(|&&x| is_ident_continue(x))
                        .count();
                out.push(Token::Ident(text[pos..end].to_string()));
                pos = end;
            }
            _ => {
                let ch = text[pos..].chars().next().unwrap_or('?');
                return Err(syntax(format!("unexpected character {ch:?}")));
            }
        }
    }
    Ok(out)
}

/// A value token: a number token is `Num`, an identifier or a quoted string is `Str`.
fn value_of(tok: Option<&Token>) -> Result<AttrValue, ConstraintError> {
    match tok {
        Some(Token::Num(x)) => Ok(AttrValue::Num(*x)),
        Some(Token::Ident(s) | Token::Str(s)) => Ok(AttrValue::Str(s.clone())),
        _ => Err(syntax(
            "expected a value (number, identifier or quoted string)",
        )),
    }
}

impl Constraint {
    /// Parse one constraint string (§1.2). The `max_defer_hours` alias is resolved here, and an
    /// ordering operator with a non-numeric value is refused here, at read time (§6).
    ///
    /// # Errors
    /// `CONSTRAINT_SYNTAX` when the text does not parse, `CONSTRAINT_ORDERING` for `<`, `<=`,
    /// `>`, `>=` with a value that is not a number.
    pub fn parse(text: &str) -> Result<Self, ConstraintError> {
        let toks = lex(text)?;
        let mut it = toks.iter().peekable();
        let attr = match it.next() {
            Some(Token::Ident(a)) => a.clone(),
            _ => return Err(syntax("a constraint starts with an attribute name")),
        };
        let op = match it.next() {
            Some(Token::Op(op)) => *op,
            Some(Token::Ident(w)) if w == "in" => Op::In,
            Some(Token::Ident(w)) if w == "not" => match it.next() {
                Some(Token::Ident(w2)) if w2 == "in" => Op::NotIn,
                _ => return Err(syntax("`not` must be followed by `in`")),
            },
            _ => return Err(syntax("expected an operator after the attribute")),
        };
        let values = if matches!(op, Op::In | Op::NotIn) {
            if it.next() != Some(&Token::LBracket) {
                return Err(syntax("`in` needs a list `[a, b, ...]`"));
            }
            let mut values = vec![value_of(it.next())?];
            loop {
                match it.next() {
                    Some(Token::Comma) => values.push(value_of(it.next())?),
                    Some(Token::RBracket) => break,
                    _ => return Err(syntax("expected `,` or `]` in the list")),
                }
            }
            values
        } else {
            vec![value_of(it.next())?]
        };
        if it.next().is_some() {
            return Err(syntax("unexpected text after the constraint"));
        }
        let (attr, op) = if attr == "max_defer_hours" && matches!(op, Op::Eq | Op::Le) {
            // §1.2: `max_defer_hours = H` (and `<=`) means `hours <= H`.
            ("hours".to_string(), Op::Le)
        } else {
            (attr, op)
        };
        if op.is_ordering() && !matches!(values.first(), Some(AttrValue::Num(_))) {
            return Err(ConstraintError {
                code: ErrorCode::ConstraintOrdering,
                message: format!("`{op}` needs a number, not a string"),
            });
        }
        Ok(Self {
            text: text.to_string(),
            attr,
            op,
            values,
        })
    }

    /// Truth of the constraint on an edge (§1.2). A missing attribute makes every operator false,
    /// `!=` and `not in` included; a number never equals a string; ordering on a string is false.
    #[must_use]
    pub fn eval(&self, attrs: &EdgeAttrs) -> bool {
        let Some(actual) = attrs.get(&self.attr) else {
            return false;
        };
        let equals = |v: &AttrValue| match (actual, v) {
            (AttrValue::Num(a), AttrValue::Num(b)) => a == b,
            (AttrValue::Str(a), AttrValue::Str(b)) => a == b,
            _ => false,
        };
        match self.op {
            Op::Eq => self.values.first().is_some_and(equals),
            Op::Ne => self.values.first().is_some_and(|v| !equals(v)),
            Op::In => self.values.iter().any(equals),
            Op::NotIn => !self.values.iter().any(equals),
            Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                let (AttrValue::Num(a), Some(AttrValue::Num(b))) = (actual, self.values.first())
                else {
                    return false;
                };
                match self.op {
                    Op::Lt => a < b,
                    Op::Le => a <= b,
                    Op::Gt => a > b,
                    _ => a >= b,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_and_normalisation() {
        let c = Constraint::parse("max_defer_hours == 8").expect("parses");
        assert_eq!((c.attr.as_str(), c.op), ("hours", Op::Le));
        let c = Constraint::parse("region not  in [US,'EU']").expect("parses");
        assert_eq!(c.op, Op::NotIn);
        assert_eq!(
            c.values,
            vec![AttrValue::Str("US".into()), AttrValue::Str("EU".into())]
        );
    }

    #[test]
    fn ordering_with_string_is_refused() {
        let e = Constraint::parse("region < EU").expect_err("refused");
        assert_eq!(e.code, ErrorCode::ConstraintOrdering);
        let e = Constraint::parse("region <").expect_err("refused");
        assert_eq!(e.code, ErrorCode::ConstraintSyntax);
    }
}
