/**
 * The welfare problem of settlement.md §2–§3.1, built from a challenge without the engine, so
 * that HiGHS and LEMON solve the same problem the engine solves and the optima can be compared.
 * It covers the whole constraint grammar of §1.2 (the generator only uses part of it, but a
 * partial reader would silently compute another problem on other inputs).
 */
import type { AttributeValue, Challenge, Party, Preference } from './challenge';

export type Op = '<' | '<=' | '>' | '>=' | '=' | '!=' | 'in' | 'not in';

export interface Constraint {
  attr: string;
  op: Op;
  values: AttributeValue[];
}

const TOKEN =
  /\s*(?:(<=|>=|==|!=|<|>|=)|(\[)|(\])|(,)|("(?:[^"\\]|\\.)*")|(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_.-]*))/y;

type Token = { kind: 'op' | '[' | ']' | ',' | 'str' | 'num' | 'ident'; text: string };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m) throw new Error(`constraint does not parse: ${JSON.stringify(text)}`);
    pos = TOKEN.lastIndex;
    if (m[1]) out.push({ kind: 'op', text: m[1] });
    else if (m[2]) out.push({ kind: '[', text: '[' });
    else if (m[3]) out.push({ kind: ']', text: ']' });
    else if (m[4]) out.push({ kind: ',', text: ',' });
    else if (m[5]) out.push({ kind: 'str', text: JSON.parse(m[5]) as string });
    else if (m[6]) out.push({ kind: 'num', text: m[6] });
    else if (m[7]) out.push({ kind: 'ident', text: m[7] });
  }
  return out;
}

function tokenValue(t: Token | undefined, source: string): AttributeValue {
  if (!t || (t.kind !== 'num' && t.kind !== 'str' && t.kind !== 'ident')) {
    throw new Error(`constraint does not parse: ${JSON.stringify(source)}`);
  }
  return t.kind === 'num' ? Number(t.text) : t.text;
}

/** Parse one constraint string (§1.2), with the `max_defer_hours` alias resolved to `hours`. */
export function parseConstraint(text: string): Constraint {
  const toks = tokenize(text);
  const head = toks[0];
  if (head?.kind !== 'ident') throw new Error(`constraint does not parse: ${JSON.stringify(text)}`);
  let attr = head.text;
  let op: Op;
  let i = 1;
  const t1 = toks[1];
  if (t1?.kind === 'op') {
    op = t1.text === '==' ? '=' : (t1.text as Op);
    i = 2;
  } else if (t1?.kind === 'ident' && t1.text === 'in') {
    op = 'in';
    i = 2;
  } else if (t1?.kind === 'ident' && t1.text === 'not' && toks[2]?.kind === 'ident' && toks[2].text === 'in') {
    op = 'not in';
    i = 3;
  } else {
    throw new Error(`constraint does not parse: ${JSON.stringify(text)}`);
  }
  const values: AttributeValue[] = [];
  if (op === 'in' || op === 'not in') {
    if (toks[i]?.kind !== '[') throw new Error(`constraint does not parse: ${JSON.stringify(text)}`);
    i++;
    for (;;) {
      values.push(tokenValue(toks[i], text));
      i++;
      const sep = toks[i];
      i++;
      if (sep?.kind === ']') break;
      if (sep?.kind !== ',') throw new Error(`constraint does not parse: ${JSON.stringify(text)}`);
    }
  } else {
    values.push(tokenValue(toks[i], text));
    i++;
    if ((op === '<' || op === '<=' || op === '>' || op === '>=') && typeof values[0] !== 'number') {
      throw new Error(`ordering with a non-numeric value: ${JSON.stringify(text)}`);
    }
  }
  if (i !== toks.length) throw new Error(`constraint does not parse: ${JSON.stringify(text)}`);
  if (attr === 'max_defer_hours' && (op === '=' || op === '<=')) {
    attr = 'hours';
    op = '<=';
  }
  return { attr, op, values };
}

/** §1.2: a missing attribute makes every constraint false; a number never equals a string. */
export function evalConstraint(c: Constraint, attrs: ReadonlyMap<string, AttributeValue>): boolean {
  const a = attrs.get(c.attr);
  if (a === undefined) return false;
  const eq = (v: AttributeValue) => typeof v === typeof a && v === a;
  const v0 = c.values[0];
  switch (c.op) {
    case '=':
      return v0 !== undefined && eq(v0);
    case '!=':
      return v0 !== undefined && !eq(v0);
    case 'in':
      return c.values.some(eq);
    case 'not in':
      return !c.values.some(eq);
    default: {
      if (typeof a !== 'number' || typeof v0 !== 'number') return false;
      if (c.op === '<') return a < v0;
      if (c.op === '<=') return a <= v0;
      if (c.op === '>') return a > v0;
      return a >= v0;
    }
  }
}

export interface Leg {
  party: string;
  side: 'supply' | 'demand';
  resource: string;
  capacity: number;
  /** All-or-nothing minimum (0: none). */
  min: number;
}

export interface Edge {
  supply: number;
  demand: number;
  surplus: number;
}

/** A swap's ratio: Σ given ≤ ratio × Σ received (leg indexes). */
export interface Ratio {
  give: number;
  get: number;
  ratio: number;
}

export interface WelfareProblem {
  legs: Leg[];
  edges: Edge[];
  ratios: Ratio[];
}

interface SupplyInfo {
  leg: number;
  party: Party;
  /** Cost per unit for an edge of `hours`. */
  cost: (hours: number) => number;
  region: string | undefined;
}

interface DemandInfo {
  leg: number;
  party: Party;
  value: number;
}

interface Compiled {
  constraints: Constraint[];
  preferences: { when: Constraint; bonus: number }[];
}

function compile(p: Party): Compiled {
  return {
    constraints: (p.constraints ?? []).map(parseConstraint),
    preferences: (p.preferences ?? []).map((pref: Preference) => ({
      when: parseConstraint(pref.when),
      bonus: pref.bonus,
    })),
  };
}

function supplyRegion(p: Party, compiled: Compiled): string | undefined {
  const r = p.attributes?.region;
  if (r !== undefined) return String(r);
  // §1.1: without an attribute, a constraint `region = X` names the supply leg's region.
  const c = compiled.constraints.find((k) => k.attr === 'region' && k.op === '=');
  return c && c.values[0] !== undefined ? String(c.values[0]) : undefined;
}

function lookupLatency(ch: Challenge, a: string | undefined, b: string | undefined): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  const m = ch.network?.latency_ms;
  return m?.[a]?.[b] ?? m?.[b]?.[a];
}

/** Legs, edges (§2, with S_e ≥ 0) and swap ratios of a challenge. */
export function buildWelfareProblem(ch: Challenge): WelfareProblem {
  const legs: Leg[] = [];
  const ratios: Ratio[] = [];
  const supplies: SupplyInfo[] = [];
  const demands: DemandInfo[] = [];
  const compiled = new Map<string, Compiled>();
  for (const p of ch.parties) {
    const c = compile(p);
    compiled.set(p.id, c);
    const region = supplyRegion(p, c);
    switch (p.intent) {
      case 'sell': {
        legs.push({
          party: p.id,
          side: 'supply',
          resource: p.resource,
          capacity: p.quantity.available,
          min: p.quantity.min ?? 0,
        });
        const cost = p.price.min;
        supplies.push({ leg: legs.length - 1, party: p, cost: () => cost, region });
        break;
      }
      case 'defer': {
        legs.push({ party: p.id, side: 'supply', resource: p.resource, capacity: p.quantity.current, min: 0 });
        const { min, per } = p.compensation;
        supplies.push({
          leg: legs.length - 1,
          party: p,
          cost: per === 'hour_deferred' ? (h) => min * h : () => min,
          region,
        });
        break;
      }
      case 'buy':
        legs.push({
          party: p.id,
          side: 'demand',
          resource: p.resource,
          capacity: p.quantity.max,
          min: p.quantity.min ?? 0,
        });
        demands.push({ leg: legs.length - 1, party: p, value: p.price.max });
        break;
      case 'swap': {
        legs.push({ party: p.id, side: 'supply', resource: p.give.resource, capacity: p.give.quantity.max, min: 0 });
        const give = legs.length - 1;
        const cost = p.give.price.min;
        supplies.push({ leg: give, party: p, cost: () => cost, region });
        legs.push({
          party: p.id,
          side: 'demand',
          resource: p.get.resource,
          capacity: p.get.quantity.max,
          min: p.get.quantity.min ?? 0,
        });
        demands.push({ leg: legs.length - 1, party: p, value: p.get.price.max });
        if (p.ratio) ratios.push({ give, get: legs.length - 1, ratio: p.ratio.give_per_get_max });
        break;
      }
    }
  }

  const edges: Edge[] = [];
  const attrs = new Map<string, AttributeValue>();
  for (const s of supplies) {
    const sLeg = legs[s.leg] as Leg;
    const sc = compiled.get(s.party.id) as Compiled;
    for (const d of demands) {
      const dLeg = legs[d.leg] as Leg;
      if (dLeg.resource !== sLeg.resource || d.party.id === s.party.id) continue;
      const dc = compiled.get(d.party.id) as Compiled;
      attrs.clear();
      for (const [k, v] of Object.entries(s.party.attributes ?? {})) attrs.set(k, v);
      const buyerRegion = d.party.attributes?.region;
      const hoursAttr = d.party.attributes?.duration_hours;
      const hours = typeof hoursAttr === 'number' ? hoursAttr : 1;
      const ownLatency = s.party.attributes?.latency_ms;
      const latency =
        typeof ownLatency === 'number'
          ? ownLatency
          : lookupLatency(ch, buyerRegion === undefined ? undefined : String(buyerRegion), s.region);
      const computed: [string, AttributeValue | undefined][] = [
        ['region', s.region],
        ['buyer_region', buyerRegion],
        ['latency_ms', latency],
        ['hours', hours],
        ['seller', s.party.id],
        ['buyer', d.party.id],
      ];
      for (const [k, v] of computed) {
        if (v === undefined) attrs.delete(k);
        else attrs.set(k, v);
      }
      if (!sc.constraints.every((c) => evalConstraint(c, attrs))) continue;
      if (!dc.constraints.every((c) => evalConstraint(c, attrs))) continue;
      const beta = dc.preferences.reduce((acc, p) => acc + (evalConstraint(p.when, attrs) ? p.bonus : 0), 0);
      const gamma = sc.preferences.reduce((acc, p) => acc + (evalConstraint(p.when, attrs) ? p.bonus : 0), 0);
      const surplus = d.value + beta - s.cost(hours) + gamma;
      if (surplus < 0) continue;
      edges.push({ supply: s.leg, demand: d.leg, surplus });
    }
  }
  return { legs, edges, ratios };
}

/** True when the problem is a pure transportation problem (LEMON's class). */
export function isTransportation(p: WelfareProblem): boolean {
  return p.ratios.length === 0 && p.legs.every((l) => l.min === 0);
}
