//! One error type for the engine. Every error carries a stable `code` (the JS error's `code`,
//! the CLI's message prefix) and the JSON path of the offending field, `$` for the document.

use std::fmt;

/// Stable error codes. The string forms are part of the public contract (`conformance/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Not JSON, or nested deeper than the parser allows.
    InvalidJson,
    /// Over `MAX_JSON_BYTES`.
    TooLarge,
    /// A field has the wrong JSON type.
    Type,
    /// A required field is absent.
    Missing,
    /// A number is NaN, infinite or overflows a double.
    NotFinite,
    /// A number or length outside its allowed range (negative price, min above max, ...).
    Range,
    /// `version` other than 1.
    Version,
    /// A string that does not match its format (`challenge_id`, party `id`).
    Format,
    /// Two parties share an id.
    DuplicateId,
    /// `intent` is not buy, sell, defer or swap.
    UnknownIntent,
    /// A swap gives and gets the same resource.
    SwapSameResource,
    /// A constraint or preference string does not parse.
    ConstraintSyntax,
    /// An ordering operator with a non-numeric value.
    ConstraintOrdering,
    /// Too many parties or constraint strings.
    Limit,
    /// The solver passed the response window.
    DeadlineExceeded,
    /// A bug: an invariant broke. Never expected; always reported, never a panic.
    Internal,
}

impl ErrorCode {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "INVALID_JSON",
            ErrorCode::TooLarge => "TOO_LARGE",
            ErrorCode::Type => "TYPE",
            ErrorCode::Missing => "MISSING",
            ErrorCode::NotFinite => "NOT_FINITE",
            ErrorCode::Range => "RANGE",
            ErrorCode::Version => "VERSION",
            ErrorCode::Format => "FORMAT",
            ErrorCode::DuplicateId => "DUPLICATE_ID",
            ErrorCode::UnknownIntent => "UNKNOWN_INTENT",
            ErrorCode::SwapSameResource => "SWAP_SAME_RESOURCE",
            ErrorCode::ConstraintSyntax => "CONSTRAINT_SYNTAX",
            ErrorCode::ConstraintOrdering => "CONSTRAINT_ORDERING",
            ErrorCode::Limit => "LIMIT",
            ErrorCode::DeadlineExceeded => "DEADLINE_EXCEEDED",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error with its code, the JSON path it concerns and a one-line message naming the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NashError {
    pub code: ErrorCode,
    /// `parties[3].quantity.min`, `challenge_id`, or `$` for the whole document.
    pub path: String,
    pub message: String,
}

impl NashError {
    #[must_use]
    pub fn new(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            path: path.into(),
            message: message.into(),
        }
    }

    #[must_use]
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, "$", message)
    }

    #[must_use]
    pub fn deadline(window_ms: u64) -> Self {
        Self::new(
            ErrorCode::DeadlineExceeded,
            "response_window_ms",
            format!("no settlement within the response window of {window_ms} ms"),
        )
    }
}

impl fmt::Display for NashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}: {}", self.code, self.path, self.message)
    }
}

impl std::error::Error for NashError {}

pub type Result<T, E = NashError> = std::result::Result<T, E>;
