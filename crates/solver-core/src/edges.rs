//! Edges (§2): attributes, constraints, bonuses, defer pricing, surplus and corridors.
//!
//! `build_market` turns a validated `Challenge` into the optimiser's `Market`. The verifier also
//! needs to find the edge of a trade: `party_index` maps ids to party indexes and `edge_index`
//! maps `(seller, buyer, resource)` to the edge, and `edge_attrs` recomputes an edge's attributes.

use std::collections::{BTreeMap, HashMap};

use crate::challenge::{AttrValue, Challenge, CompensationPer, Intent, Party};
use crate::jcs::format_number;
use crate::limits::DEFAULT_DURATION_HOURS;
use crate::market::{Edge, Leg, Market, MarketParty, Ratio, Side};

/// The attributes of an edge (§2), by name. Constraints and preferences are evaluated on it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EdgeAttrs(pub BTreeMap<String, AttrValue>);

impl EdgeAttrs {
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&AttrValue> {
        self.0.get(name)
    }
}

impl FromIterator<(String, AttrValue)> for EdgeAttrs {
    fn from_iter<I: IntoIterator<Item = (String, AttrValue)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// Names §2 computes. They are never copied from the supply party's attributes, even when the
/// computed value is absent (e.g. no latency is known): the table defines them, not the party.
const COMPUTED: [&str; 6] = [
    "region",
    "buyer_region",
    "latency_ms",
    "hours",
    "seller",
    "buyer",
];

/// Region of a party's supply leg (§1.1): `attributes.region`, else the value of its constraint
/// `region = X` (the first such constraint).
#[must_use]
pub fn supply_region(p: &Party) -> Option<AttrValue> {
    p.attributes.get("region").cloned().or_else(|| {
        p.constraints
            .iter()
            .find(|c| c.attr == "region" && c.op == crate::constraint::Op::Eq)
            .and_then(|c| c.values.first().cloned())
    })
}

/// A region as a key of `network.latency_ms` (a number is written as JavaScript would write it).
fn region_key(v: &AttrValue) -> String {
    match v {
        AttrValue::Str(s) => s.clone(),
        AttrValue::Num(x) => format_number(*x),
    }
}

/// `network.latency_ms` looked up for (a, b): `[a][b]`, then `[b][a]` (§1).
#[must_use]
pub fn network_latency(c: &Challenge, a: &str, b: &str) -> Option<f64> {
    let at = |x: &str, y: &str| c.latency_ms.get(x).and_then(|row| row.get(y)).copied();
    at(a, b).or_else(|| at(b, a))
}

/// The attributes of the edge from `supply`'s supply leg to `demand`'s demand leg (§2).
#[must_use]
pub fn edge_attrs(c: &Challenge, supply: &Party, demand: &Party) -> EdgeAttrs {
    let mut map: BTreeMap<String, AttrValue> = supply
        .attributes
        .iter()
        .filter(|(k, _)| !COMPUTED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let region = supply_region(supply);
    let buyer_region = demand.attributes.get("region").cloned();
    let latency = match supply.attributes.get("latency_ms") {
        Some(AttrValue::Num(x)) => Some(*x),
        _ => match (&buyer_region, &region) {
            (Some(b), Some(s)) => network_latency(c, &region_key(b), &region_key(s)),
            _ => None,
        },
    };
    let hours = match demand.attributes.get("duration_hours") {
        Some(AttrValue::Num(h)) => *h,
        _ => DEFAULT_DURATION_HOURS,
    };
    if let Some(r) = region {
        map.insert("region".into(), r);
    }
    if let Some(r) = buyer_region {
        map.insert("buyer_region".into(), r);
    }
    if let Some(l) = latency {
        map.insert("latency_ms".into(), AttrValue::Num(l));
    }
    map.insert("hours".into(), AttrValue::Num(hours));
    map.insert("seller".into(), AttrValue::Str(supply.id.clone()));
    map.insert("buyer".into(), AttrValue::Str(demand.id.clone()));
    EdgeAttrs(map)
}

/// What a supply leg costs per unit on an edge whose demand party wants `hours`.
fn unit_cost(intent: &Intent, hours: f64) -> f64 {
    match intent {
        Intent::Sell(s) | Intent::Swap { give: s, .. } => s.price_min,
        Intent::Defer {
            compensation_min,
            per: CompensationPer::HourDeferred,
            ..
        } => compensation_min * hours,
        Intent::Defer {
            compensation_min, ..
        } => *compensation_min,
        // A buy has no supply leg; build_market never asks.
        Intent::Buy(_) => f64::NAN,
    }
}

/// The demand leg's value per unit.
fn unit_value(intent: &Intent) -> f64 {
    match intent {
        Intent::Buy(d) | Intent::Swap { get: d, .. } => d.price_max,
        // Sell and defer have no demand leg; build_market never asks.
        _ => f64::NAN,
    }
}

fn legs_of(party: usize, intent: &Intent) -> Vec<Leg> {
    let leg = |side, resource: &str, min, max| Leg {
        party,
        side,
        resource: resource.to_string(),
        min,
        max,
    };
    match intent {
        Intent::Buy(d) => vec![leg(Side::Demand, &d.resource, d.min, d.max)],
        Intent::Sell(s) => vec![leg(Side::Supply, &s.resource, s.min, s.available)],
        Intent::Defer {
            resource, current, ..
        } => vec![leg(Side::Supply, resource, 0.0, *current)],
        Intent::Swap { give, get, .. } => {
            vec![
                leg(Side::Supply, &give.resource, give.min, give.available),
                leg(Side::Demand, &get.resource, get.min, get.max),
            ]
        }
    }
}

/// The market of a validated challenge (§2, `market.rs`): parties in id order, legs by (party,
/// side), edges by (seller id, buyer id, resource). An edge exists when every constraint of both
/// parties holds on its attributes and its surplus `S_e` is >= 0; a party never trades with itself.
#[must_use]
pub fn build_market(c: &Challenge) -> Market {
    let parties: Vec<MarketParty> = c
        .parties
        .iter()
        .map(|p| MarketParty {
            id: p.id.clone(),
            weight: p.weight,
            action: p.intent.name(),
        })
        .collect();
    let legs: Vec<Leg> = c
        .parties
        .iter()
        .enumerate()
        .flat_map(|(i, p)| legs_of(i, &p.intent))
        .collect();

    let mut ratios = Vec::new();
    for (i, p) in c.parties.iter().enumerate() {
        if let Intent::Swap {
            give_per_get_max: Some(r),
            ..
        } = p.intent
        {
            let find = |side| legs.iter().position(|l| l.party == i && l.side == side);
            if let (Some(give), Some(get)) = (find(Side::Supply), find(Side::Demand)) {
                ratios.push(Ratio {
                    party: i,
                    give,
                    get,
                    give_per_get_max: r,
                });
            }
        }
    }

    let mut demand_by_resource: HashMap<&str, Vec<usize>> = HashMap::new();
    for (d, leg) in legs
        .iter()
        .enumerate()
        .filter(|(_, l)| l.side == Side::Demand)
    {
        demand_by_resource
            .entry(leg.resource.as_str())
            .or_default()
            .push(d);
    }

    let mut edges = Vec::new();
    for (s, sleg) in legs
        .iter()
        .enumerate()
        .filter(|(_, l)| l.side == Side::Supply)
    {
        let seller = &c.parties[sleg.party];
        for &d in demand_by_resource
            .get(sleg.resource.as_str())
            .map_or(&[][..], Vec::as_slice)
        {
            let dleg = &legs[d];
            if dleg.party == sleg.party {
                continue;
            }
            let buyer = &c.parties[dleg.party];
            let attrs = edge_attrs(c, seller, buyer);
            if !seller
                .constraints
                .iter()
                .chain(&buyer.constraints)
                .all(|k| k.eval(&attrs))
            {
                continue;
            }
            let hours = match attrs.get("hours") {
                Some(AttrValue::Num(h)) => *h,
                _ => DEFAULT_DURATION_HOURS,
            };
            let bonus = |p: &Party| {
                p.preferences
                    .iter()
                    .filter(|pref| pref.when.eval(&attrs))
                    .map(|pref| pref.bonus)
                    .sum::<f64>()
            };
            let cost = unit_cost(&seller.intent, hours);
            let value = unit_value(&buyer.intent);
            let (seller_bonus, buyer_bonus) = (bonus(seller), bonus(buyer));
            let floor = cost - seller_bonus;
            let ceiling = value + buyer_bonus;
            let surplus = ceiling - floor;
            // A NaN (impossible after validation) is dropped too.
            if surplus.is_nan() || surplus < 0.0 {
                continue;
            }
            edges.push(Edge {
                supply: s,
                demand: d,
                seller: sleg.party,
                buyer: dleg.party,
                cost,
                value,
                seller_bonus,
                buyer_bonus,
                floor,
                ceiling,
                surplus,
            });
        }
    }
    // Party indexes follow id order, so this is (seller id, buyer id, resource).
    edges.sort_by(|a, b| {
        (a.seller, a.buyer, &legs[a.supply].resource).cmp(&(
            b.seller,
            b.buyer,
            &legs[b.supply].resource,
        ))
    });

    Market {
        parties,
        legs,
        edges,
        ratios,
    }
}

/// Party index by id.
#[must_use]
pub fn party_index(m: &Market) -> HashMap<&str, usize> {
    m.parties
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect()
}

/// Edge index by (seller party index, buyer party index, resource). A trade names an existing
/// edge exactly when its key is here (§4: at most one trade per seller, buyer and resource).
#[must_use]
pub fn edge_index(m: &Market) -> HashMap<(usize, usize, &str), usize> {
    m.edges
        .iter()
        .enumerate()
        .map(|(e, edge)| ((edge.seller, edge.buyer, m.edge_resource(e)), e))
        .collect()
}
