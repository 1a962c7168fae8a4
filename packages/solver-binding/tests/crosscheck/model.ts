// An independent reference model of settlement.md §2 and §3.1, built from the challenge JSON
// alone with the TypeScript constraint grammar of @nash/protocol (not the Rust one), and
// written as a CPLEX-LP mixed-integer program for HiGHS. It shares no code with the engine:
// agreement between the two on W* is evidence about both.
import {
  type Challenge,
  type Constraint,
  type ConstraintAttributes,
  evaluateConstraint,
  type Party,
  parseConstraint,
} from '@nash/protocol';

/** Surplus within this of 0 counts as exactly 0, so that a price tie on a cent grid keeps its edge. */
export const ZERO_SURPLUS_TOL = 1e-9;

export interface Leg {
  party: string;
  kind: 'supply' | 'demand';
  resource: string;
  /** Upper capacity of the leg's total (`available`, `current`, `max`). */
  cap: number;
  /** All-or-nothing minimum; 0 when the leg has none. */
  min: number;
  /** Value per unit (demand) or base cost per unit (supply). */
  price: number;
  /** A defer leg paid per hour deferred: its cost on an edge is `price × hours`. */
  perHour: boolean;
}

export interface Edge {
  supply: number;
  demand: number;
  surplus: number;
  /** β_e + γ_e, kept to count how often preferences matter. */
  bonus: number;
  attrs: Record<string, string | number>;
}

export interface SwapRatio {
  give: number;
  get: number;
  ratio: number;
}

export interface Model {
  legs: Leg[];
  edges: Edge[];
  ratios: SwapRatio[];
}

interface PartyInfo {
  party: Party;
  attributes: Record<string, string | number>;
  constraints: Constraint[];
  preferences: { when: Constraint; bonus: number }[];
}

function readParty(party: Party): PartyInfo {
  const attributes: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(party.attributes ?? {})) if (v !== undefined) attributes[k] = v;
  return {
    party,
    attributes,
    constraints: (party.constraints ?? []).map((text) => parseConstraint(text)),
    preferences: (party.preferences ?? []).map((p) => ({ when: parseConstraint(p.when), bonus: p.bonus })),
  };
}

/** §1.1: the supply leg's region is `attributes.region`, else the X of a `region = X` constraint. */
function supplyRegion(info: PartyInfo): string | number | undefined {
  const own = info.attributes.region;
  if (own !== undefined) return own;
  const pinned = info.constraints.find((c) => c.attr === 'region' && c.op === '=');
  return pinned?.values[0];
}

/** §1: a lookup of (a, b) tries `[a][b]`, then `[b][a]`. */
function networkLatency(challenge: Challenge, a: string | number, b: string | number): number | undefined {
  const matrix = challenge.network?.latency_ms;
  if (matrix === undefined) return undefined;
  const direct = Object.hasOwn(matrix, String(a)) ? matrix[String(a)] : undefined;
  if (direct !== undefined && Object.hasOwn(direct, String(b))) return direct[String(b)];
  const reverse = Object.hasOwn(matrix, String(b)) ? matrix[String(b)] : undefined;
  if (reverse !== undefined && Object.hasOwn(reverse, String(a))) return reverse[String(a)];
  return undefined;
}

function legsOf(party: Party): Leg[] {
  const id = party.id;
  switch (party.intent) {
    case 'buy':
      return [
        {
          party: id,
          kind: 'demand',
          resource: party.resource,
          cap: party.quantity.max,
          min: party.quantity.min ?? 0,
          price: party.price.max,
          perHour: false,
        },
      ];
    case 'sell':
      return [
        {
          party: id,
          kind: 'supply',
          resource: party.resource,
          cap: party.quantity.available ?? party.quantity.max ?? 0,
          min: party.quantity.min ?? 0,
          price: party.price.min,
          perHour: false,
        },
      ];
    case 'defer':
      return [
        {
          party: id,
          kind: 'supply',
          resource: party.resource,
          cap: party.quantity.current,
          min: 0,
          price: party.compensation.min,
          perHour: party.compensation.per === 'hour_deferred',
        },
      ];
    case 'swap':
      return [
        {
          party: id,
          kind: 'supply',
          resource: party.give.resource,
          cap: party.give.quantity.max,
          min: 0,
          price: party.give.price.min,
          perHour: false,
        },
        {
          party: id,
          kind: 'demand',
          resource: party.get.resource,
          cap: party.get.quantity.max,
          min: party.get.quantity.min ?? 0,
          price: party.get.price.max,
          perHour: false,
        },
      ];
  }
}

/** §2 edge attributes: the supply party's attributes under the computed ones. */
function edgeAttributes(challenge: Challenge, supply: PartyInfo, demand: PartyInfo): Record<string, string | number> {
  const attrs: Record<string, string | number> = { ...supply.attributes };
  const region = supplyRegion(supply);
  const buyerRegion = demand.attributes.region;
  if (region !== undefined) attrs.region = region;
  if (buyerRegion !== undefined) attrs.buyer_region = buyerRegion;
  const own = supply.attributes.latency_ms;
  delete attrs.latency_ms;
  if (typeof own === 'number') attrs.latency_ms = own;
  else if (region !== undefined && buyerRegion !== undefined) {
    const looked = networkLatency(challenge, buyerRegion, region);
    if (looked !== undefined) attrs.latency_ms = looked;
  }
  const hours = demand.attributes.duration_hours;
  attrs.hours = typeof hours === 'number' ? hours : 1;
  attrs.seller = supply.party.id;
  attrs.buyer = demand.party.id;
  return attrs;
}

const bonusOn = (info: PartyInfo, attrs: ConstraintAttributes): number =>
  info.preferences.reduce((sum, p) => (evaluateConstraint(p.when, attrs) ? sum + p.bonus : sum), 0);

/** Legs, edges (§2) and swap ratios of a challenge. */
export function buildModel(challenge: Challenge): Model {
  const infos = challenge.parties.map(readParty);
  const legs: Leg[] = [];
  const legParty: PartyInfo[] = [];
  const ratios: SwapRatio[] = [];
  for (const info of infos) {
    const own = legsOf(info.party);
    const first = legs.length;
    for (const leg of own) {
      legs.push(leg);
      legParty.push(info);
    }
    if (info.party.intent === 'swap' && info.party.ratio !== undefined)
      ratios.push({ give: first, get: first + 1, ratio: info.party.ratio.give_per_get_max });
  }

  const edges: Edge[] = [];
  legs.forEach((s, si) => {
    if (s.kind !== 'supply') return;
    legs.forEach((d, di) => {
      if (d.kind !== 'demand' || d.resource !== s.resource || d.party === s.party) return;
      const supply = legParty[si];
      const demand = legParty[di];
      if (supply === undefined || demand === undefined) return;
      const attrs = edgeAttributes(challenge, supply, demand);
      const holds = (c: Constraint): boolean => evaluateConstraint(c, attrs);
      if (!supply.constraints.every(holds) || !demand.constraints.every(holds)) return;
      const beta = bonusOn(demand, attrs);
      const gamma = bonusOn(supply, attrs);
      const hours = attrs.hours;
      const cost = s.perHour && typeof hours === 'number' ? s.price * hours : s.price;
      // Prices are decimals that binary floating point only approximates: 1.40 − 0.20 × 7 is
      // −2.2e−16 and 1.85 − (1.90 − 0.05) is +2.2e−16, where the spec's arithmetic gives 0.
      // A tie is a tie: the edge exists, with surplus exactly 0.
      const raw = d.price + beta - (cost - gamma);
      if (raw < -ZERO_SURPLUS_TOL) return;
      const surplus = Math.abs(raw) <= ZERO_SURPLUS_TOL ? 0 : raw;
      edges.push({ supply: si, demand: di, surplus, bonus: beta + gamma, attrs });
    });
  });
  return { legs, edges, ratios };
}

/** A number in LP text: plain decimal, never exponent notation, shortest round-trip digits. */
function num(x: number): string {
  if (Number.isInteger(x)) return x.toFixed(0);
  const s = String(x);
  return s.includes('e') ? x.toFixed(20).replace(/0+$/, '') : s;
}

function sum(terms: string[]): string {
  return terms.join(' + ');
}

/**
 * §3.1 as a MIP in CPLEX LP format: maximise Σ S_e x_e subject to per-leg capacity, the
 * all-or-nothing minimum `min·z ≤ Σ x ≤ cap·z` with binary z, and Σ give ≤ r Σ get for swaps.
 * Returns undefined when there is no edge (W* = 0 without a solve).
 */
export function toLp(model: Model): string | undefined {
  if (model.edges.length === 0) return undefined;
  const byLeg: string[][] = model.legs.map(() => []);
  model.edges.forEach((e, i) => {
    byLeg[e.supply]?.push(`x${i}`);
    byLeg[e.demand]?.push(`x${i}`);
  });
  const rows: string[] = [];
  const binaries: string[] = [];
  model.legs.forEach((leg, l) => {
    const xs = byLeg[l] ?? [];
    if (xs.length === 0) return;
    if (leg.min > 0) {
      binaries.push(`z${l}`);
      rows.push(` cap${l}: ${sum(xs)} - ${num(leg.cap)} z${l} <= 0`);
      rows.push(` min${l}: ${sum(xs)} - ${num(leg.min)} z${l} >= 0`);
    } else {
      rows.push(` cap${l}: ${sum(xs)} <= ${num(leg.cap)}`);
    }
  });
  model.ratios.forEach((r, k) => {
    const give = byLeg[r.give] ?? [];
    const get = byLeg[r.get] ?? [];
    if (give.length === 0) return;
    const terms = [...give.map((x) => `+ ${x}`), ...get.map((x) => `- ${num(r.ratio)} ${x}`)];
    rows.push(` ratio${k}: ${terms.join(' ')} <= 0`);
  });
  const objective = model.edges.map((e, i) => `${num(e.surplus)} x${i}`).join(' + ');
  return [
    'Maximize',
    ` welfare: ${objective}`,
    'Subject To',
    ...rows,
    ...(binaries.length > 0 ? ['Binary', ` ${binaries.join(' ')}`] : []),
    'End',
    '',
  ].join('\n');
}
