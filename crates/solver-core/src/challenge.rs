//! The challenge document (settlement.md §1): typed, validated, canonical.
//!
//! `parse_challenge` reads JSON text, enforces every rule and limit of §1 and §6 and returns a
//! `Challenge` whose parties are sorted by id, or the first `InputError` (JSON path + rule).

use std::collections::BTreeMap;

use crate::constraint::Constraint;

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
    Defer { resource: String, current: f64, compensation_min: f64, per: CompensationPer },
    Swap { give: SupplySpec, get: DemandSpec, give_per_get_max: Option<f64> },
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
