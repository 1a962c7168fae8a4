//! The constraint grammar of settlement.md §1.2: parsing, and evaluation on edge attributes.

/// A parsed constraint string.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// The text as written, for error messages.
    pub text: String,
}
