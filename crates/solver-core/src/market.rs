//! The market a challenge describes, in the form the optimiser works on: legs (one side of a
//! party's intent), edges (possible trades between a supply leg and a demand leg of the same
//! resource) and swap ratios. Built by `edges::build_market` from a validated `Challenge`.
//!
//! Index order is canonical: parties sorted by id, legs by (party, side), edges by (seller id,
//! buyer id, resource). Nothing downstream depends on the order of `parties` in the input.

/// Which side of a trade a leg is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// Offers units: `sell`, `defer`, the `give` of a `swap`.
    Supply,
    /// Wants units: `buy`, the `get` of a `swap`.
    Demand,
}

/// One party as the optimiser sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketParty {
    pub id: String,
    /// Bargaining weight `w_i` (§3.2), > 0.
    pub weight: f64,
    /// `buy`, `sell`, `defer` or `swap`: echoed in the response's party summary.
    pub action: &'static str,
}

/// One leg (§1.1): a capacity on the total quantity traded on its edges.
#[derive(Debug, Clone, PartialEq)]
pub struct Leg {
    /// Index into `Market::parties`.
    pub party: usize,
    pub side: Side,
    pub resource: String,
    /// All-or-nothing minimum: the leg's total is 0 or in `[min, max]`. 0 when absent.
    pub min: f64,
    /// Capacity: `available`, `current` or `max`.
    pub max: f64,
}

impl Leg {
    /// True when the leg carries an all-or-nothing minimum, which makes the problem a MIP.
    #[must_use]
    pub fn is_all_or_nothing(&self) -> bool {
        self.min > 0.0
    }
}

/// A possible trade (§2). Exists only if every constraint of both parties holds and `S_e >= 0`.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Index of the supply leg.
    pub supply: usize,
    /// Index of the demand leg.
    pub demand: usize,
    /// Party index of the supply leg (the seller).
    pub seller: usize,
    /// Party index of the demand leg (the buyer).
    pub buyer: usize,
    /// `c_s(e)`: the supply leg's cost per unit on this edge (defer `per: hour_deferred` times hours).
    pub cost: f64,
    /// `v_d`: the demand leg's value per unit.
    pub value: f64,
    /// `gamma_e`: the seller's preference bonuses that hold on this edge.
    pub seller_bonus: f64,
    /// `beta_e`: the buyer's preference bonuses that hold on this edge.
    pub buyer_bonus: f64,
    /// Lower end of the price corridor, `c_s(e) - gamma_e`.
    pub floor: f64,
    /// Upper end of the price corridor, `v_d + beta_e`.
    pub ceiling: f64,
    /// `S_e = ceiling - floor >= 0`.
    pub surplus: f64,
}

/// A swap's ratio (§1.1): total given <= `give_per_get_max` x total received.
#[derive(Debug, Clone, PartialEq)]
pub struct Ratio {
    pub party: usize,
    /// The supply leg (`give`).
    pub give: usize,
    /// The demand leg (`get`).
    pub get: usize,
    pub give_per_get_max: f64,
}

impl Ratio {
    /// The edge's coefficient in the row `given − ratio · received ≤ 0`: 1 when it trades
    /// the swap's `give` leg, `−ratio` when it trades its `get` leg, else 0.
    #[must_use]
    pub fn coefficient(&self, edge: &Edge) -> f64 {
        let mut c = 0.0;
        if edge.supply == self.give {
            c += 1.0;
        }
        if edge.demand == self.get {
            c -= self.give_per_get_max;
        }
        c
    }
}

/// The whole optimisation input.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Market {
    pub parties: Vec<MarketParty>,
    pub legs: Vec<Leg>,
    pub edges: Vec<Edge>,
    pub ratios: Vec<Ratio>,
}

impl Market {
    /// The resource an edge trades (both its legs share it).
    #[must_use]
    pub fn edge_resource(&self, e: usize) -> &str {
        &self.legs[self.edges[e].supply].resource
    }

    /// True when some leg is all-or-nothing.
    #[must_use]
    pub fn has_all_or_nothing(&self) -> bool {
        self.legs.iter().any(Leg::is_all_or_nothing)
    }
}
