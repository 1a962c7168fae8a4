//! Edges (§2): attributes, constraints, bonuses, defer pricing, surplus and corridors.
//!
//! `build_market` turns a validated `Challenge` into the optimiser's `Market`. The verifier also
//! needs to find the edge of a trade: `party_index` maps ids to party indexes and `edge_index`
//! maps `(seller, buyer, resource)` to the edge, and `edge_attrs` recomputes an edge's attributes.

use std::collections::{BTreeMap, HashMap};

/// Relative size under which a computed surplus is floating-point noise around a tie (§2).
pub const SURPLUS_TIE_REL: f64 = 1e-12;

use crate::challenge::{AttrValue, Challenge, CompensationPer, Intent, Party};
use crate::jcs::format_number;
use crate::limits::DEFAULT_DURATION_HOURS;
use crate::market::{Edge, Leg, Market, MarketParty, Ratio, Side};

/// The attributes of an edge (§2), by name. Constraints and preferences are evaluated on it.
///
/// `build_market` evaluates constraints on every (supply leg, demand leg) pair, up to 512 x 512
/// for a full challenge, so the view it uses borrows per-party parts computed once instead of
/// building a map per pair (measured: 10x faster). `edge_attrs` and `FromIterator` give an owned
/// map with the same content for callers that keep it.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeAttrs<'a>(Repr<'a>);

#[derive(Debug, Clone, PartialEq)]
enum Repr<'a> {
    Owned(BTreeMap<String, AttrValue>),
    Layered {
        supply: &'a SupplyAttrs<'a>,
        demand: &'a DemandAttrs,
        latency_ms: Option<AttrValue>,
    },
}

/// The attributes an edge takes from its supply party.
#[derive(Debug, Clone, PartialEq)]
struct SupplyAttrs<'a> {
    /// `attributes`, read for every name that is not computed.
    own: &'a BTreeMap<String, AttrValue>,
    region: Option<AttrValue>,
    /// The region as a key of `network.latency_ms`.
    region_key: Option<String>,
    /// A numeric `attributes.latency_ms`, which wins over the network table.
    latency_ms: Option<f64>,
    seller: AttrValue,
}

/// The attributes an edge takes from its demand party.
#[derive(Debug, Clone, PartialEq)]
struct DemandAttrs {
    buyer_region: Option<AttrValue>,
    buyer_region_key: Option<String>,
    hours: AttrValue,
    buyer: AttrValue,
}

impl Default for EdgeAttrs<'_> {
    fn default() -> Self {
        Self(Repr::Owned(BTreeMap::new()))
    }
}

impl EdgeAttrs<'_> {
    /// The attribute `name`, if the edge has it.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&AttrValue> {
        match &self.0 {
            Repr::Owned(map) => map.get(name),
            Repr::Layered {
                supply,
                demand,
                latency_ms,
            } => match name {
                "region" => supply.region.as_ref(),
                "buyer_region" => demand.buyer_region.as_ref(),
                "latency_ms" => latency_ms.as_ref(),
                "hours" => Some(&demand.hours),
                "seller" => Some(&supply.seller),
                "buyer" => Some(&demand.buyer),
                other => supply.own.get(other),
            },
        }
    }

    /// Every attribute, by name.
    #[must_use]
    pub fn to_map(&self) -> BTreeMap<String, AttrValue> {
        match &self.0 {
            Repr::Owned(map) => map.clone(),
            Repr::Layered { supply, .. } => {
                let names = supply
                    .own
                    .keys()
                    .map(String::as_str)
                    .filter(|k| !COMPUTED.contains(k));
                COMPUTED
                    .into_iter()
                    .chain(names)
                    .filter_map(|k| self.get(k).map(|v| (k.to_string(), v.clone())))
                    .collect()
            }
        }
    }
}

impl FromIterator<(String, AttrValue)> for EdgeAttrs<'_> {
    fn from_iter<I: IntoIterator<Item = (String, AttrValue)>>(iter: I) -> Self {
        Self(Repr::Owned(iter.into_iter().collect()))
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

fn supply_attrs(p: &Party) -> SupplyAttrs<'_> {
    let region = supply_region(p);
    SupplyAttrs {
        own: &p.attributes,
        region_key: region.as_ref().map(region_key),
        region,
        latency_ms: match p.attributes.get("latency_ms") {
            Some(AttrValue::Num(x)) => Some(*x),
            _ => None,
        },
        seller: AttrValue::Str(p.id.clone()),
    }
}

fn demand_attrs(p: &Party) -> DemandAttrs {
    let buyer_region = p.attributes.get("region").cloned();
    DemandAttrs {
        buyer_region_key: buyer_region.as_ref().map(region_key),
        buyer_region,
        hours: match p.attributes.get("duration_hours") {
            Some(AttrValue::Num(h)) => AttrValue::Num(*h),
            _ => AttrValue::Num(DEFAULT_DURATION_HOURS),
        },
        buyer: AttrValue::Str(p.id.clone()),
    }
}

fn layered<'a>(
    c: &Challenge,
    supply: &'a SupplyAttrs<'a>,
    demand: &'a DemandAttrs,
) -> EdgeAttrs<'a> {
    // The supply party's numeric latency_ms, else the network table for (buyer_region, region).
    let latency_ms = supply
        .latency_ms
        .or_else(|| match (&demand.buyer_region_key, &supply.region_key) {
            (Some(b), Some(s)) => network_latency(c, b, s),
            _ => None,
        })
        .map(AttrValue::Num);
    EdgeAttrs(Repr::Layered {
        supply,
        demand,
        latency_ms,
    })
}

/// The attributes of the edge from `supply`'s supply leg to `demand`'s demand leg (§2), owned.
#[must_use]
pub fn edge_attrs(c: &Challenge, supply: &Party, demand: &Party) -> EdgeAttrs<'static> {
    let (s, d) = (supply_attrs(supply), demand_attrs(demand));
    EdgeAttrs(Repr::Owned(layered(c, &s, &d).to_map()))
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

    let supply_views: Vec<SupplyAttrs> = c.parties.iter().map(supply_attrs).collect();
    let demand_views: Vec<DemandAttrs> = c.parties.iter().map(demand_attrs).collect();

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
            let attrs = layered(c, &supply_views[sleg.party], &demand_views[dleg.party]);
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
            let mut floor = cost - seller_bonus;
            let ceiling = value + buyer_bonus;
            let mut surplus = ceiling - floor;
            // Prices are decimals and doubles are not: 0.2 × 7 h is 1.4000000000000001, so a
            // tie that is exactly 0 in the challenge's decimals comes out as ±2e-16. Such a
            // surplus is a tie: the edge exists with surplus 0 and a one-point corridor.
            if surplus.abs() <= SURPLUS_TIE_REL * ceiling.abs().max(floor.abs()).max(1.0) {
                surplus = 0.0;
                floor = ceiling;
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::challenge::parse_challenge;

    /// The layered view `build_market` evaluates on and the owned map `edge_attrs` returns to the
    /// verifier must agree on every name, or the two would disagree on which edges exist.
    #[test]
    fn layered_view_and_owned_map_agree() {
        let c = parse_challenge(
            r#"{"challenge_id":"0x0123abcd","network":{"latency_ms":{"EU":{"US":40}}},"parties":[
            {"id":"b","intent":"buy","resource":"r","quantity":{"max":1},"price":{"max":1},
             "attributes":{"region":"US","duration_hours":3,"gpu":"x"}},
            {"id":"s","intent":"sell","resource":"r","quantity":{"available":1},"price":{"min":1},
             "attributes":{"gpu":"H100","buyer":"spoof","tier":2},"constraints":["region = EU"]}]}"#,
        )
        .expect("valid");
        let (b, s) = (&c.parties[0], &c.parties[1]);
        let (sv, dv) = (supply_attrs(s), demand_attrs(b));
        let view = layered(&c, &sv, &dv);
        let owned = edge_attrs(&c, s, b);
        // Every computed name, the supply party's own ones, and one nobody has.
        for name in COMPUTED.iter().chain(&["gpu", "tier", "x"]) {
            assert_eq!(view.get(name), owned.get(name), "{name}");
        }
        assert_eq!(
            owned.get("buyer"),
            Some(&AttrValue::Str("b".into())),
            "computed names win"
        );
        assert_eq!(
            owned.get("latency_ms"),
            Some(&AttrValue::Num(40.0)),
            "[b][a] fallback"
        );
        assert_eq!(
            owned.get("gpu"),
            Some(&AttrValue::Str("H100".into())),
            "supply attributes, not demand"
        );
        assert_eq!(view.to_map(), owned.to_map());
        assert_eq!(owned.to_map().len(), 8, "6 computed + gpu + tier");
    }
}
