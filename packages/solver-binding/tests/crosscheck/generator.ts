// A seeded generator of random NASH challenges (settlement.md §1) for the HiGHS cross-check.
//
// It aims at the places where an engine and a reference model can part ways: every intent,
// defer pricing per unit and per hour, swaps with and without a ratio, all-or-nothing lots,
// supply regions that come only from a `region = X` constraint, latency from a seller
// attribute or from a half-filled network matrix (looked up in either direction), every
// constraint shape, preference bonuses, weights, and prices on a 5-cent grid so that equal
// prices (zero-surplus edges, degenerate optima) are common.
import type { Challenge, Party } from '@nash/protocol';

/** mulberry32: small, fast and good enough to spread test cases; the seed reproduces a case. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** `count` distinct items, in a random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const out: T[] = [];
    while (out.length < count && pool.length > 0) {
      const [item] = pool.splice(Math.floor(this.next() * pool.length), 1);
      if (item !== undefined) out.push(item);
    }
    return out;
  }
}

export const REGIONS = ['US', 'EU', 'ASIA'] as const;
export const GPUS = ['A100', 'H100', 'L4'] as const;
export const RESOURCES = ['gpu_hours', 'dataset_tb', 'storage_tb_month'] as const;
/** The engine enumerates on/off patterns of all-or-nothing legs; the brief caps them at 8. */
export const MAX_LOTS = 8;

/** A price on a `step`-cent grid in [lo, hi] cents, as currency units. Coarse on purpose: ties. */
function cents(rng: Rng, lo: number, hi: number, step = 5): number {
  return (step * rng.int(Math.ceil(lo / step), Math.floor(hi / step))) / 100;
}

/** Mostly whole units, sometimes halves (the spec allows any non-negative quantity). */
function quantity(rng: Rng, lo: number, hi: number): number {
  const q = rng.int(lo, hi);
  return rng.chance(0.1) ? q + 0.5 : q;
}

function list(values: readonly string[]): string {
  return `[${values.join(', ')}]`;
}

/** Constraints about the supply side of a trade, written by a buyer (or a swap's get side). */
function demandConstraint(rng: Rng): string {
  switch (rng.int(0, 5)) {
    case 0:
      return `latency_ms < ${rng.int(20, 120)}`;
    case 1:
      return `region in ${list(rng.sample(REGIONS, rng.int(1, 2)))}`;
    case 2:
      return `gpu != ${rng.pick(GPUS)}`;
    case 3:
      return `gpu == ${rng.pick(GPUS)}`;
    case 4:
      return `latency_ms<=${rng.int(30, 150)}`;
    default:
      return `region = '${rng.pick(REGIONS)}'`;
  }
}

/** Constraints about the demand side of a trade, written by a seller (or a swap's give side). */
function supplyConstraint(rng: Rng): string {
  switch (rng.int(0, 3)) {
    case 0:
      return `buyer_region not in ${list(rng.sample(REGIONS, rng.int(1, 2)))}`;
    case 1:
      return `hours <= ${rng.int(1, 8)}`;
    case 2:
      return `buyer_region in ${list(rng.sample(REGIONS, 2))}`;
    default:
      return `latency_ms > ${rng.int(0, 20)}`;
  }
}

function preferenceWhen(rng: Rng): string {
  switch (rng.int(0, 4)) {
    case 0:
      return `latency_ms < ${rng.int(20, 90)}`;
    case 1:
      return `gpu = ${rng.pick(GPUS)}`;
    case 2:
      return `region in ${list(rng.sample(REGIONS, rng.int(1, 2)))}`;
    case 3:
      return `buyer_region = ${rng.pick(REGIONS)}`;
    default:
      return `hours >= ${rng.int(1, 6)}`;
  }
}

/** A network latency matrix with some pairs missing and each pair stored in one direction. */
function network(rng: Rng): Record<string, Record<string, number>> {
  const matrix: Record<string, Record<string, number>> = {};
  REGIONS.forEach((a, i) => {
    REGIONS.forEach((b, j) => {
      if (j < i || !rng.chance(0.8)) return;
      const ms = a === b ? rng.int(5, 30) : rng.int(30, 160);
      const [from, to] = rng.chance(0.5) ? [a, b] : [b, a];
      matrix[from] ??= {};
      const row = matrix[from];
      if (row !== undefined) row[to] = ms;
    });
  });
  return matrix;
}

export interface Generated {
  seed: number;
  challenge: Challenge;
}

/** Whether `generateChallenge(seed)` prices on the binary-exact quarter grid. */
export function seedIsBinaryExact(seed: number): boolean {
  return seed % 4 === 0;
}

/** One random challenge; the same seed always gives the same challenge. */
export function generateChallenge(seed: number): Generated {
  const rng = new Rng(seed);
  // Every fourth seed prices on a quarter grid, which binary doubles hold exactly, so that
  // its sums and products (v + β − c·hours + γ) have no rounding at all; the others use a
  // 5-cent grid (1-cent bonuses), whose ties are exact only in decimal. A disagreement seen
  // only on the cent grid is about rounding, one on the quarter grid is about logic.
  const exact = seedIsBinaryExact(seed);
  const step = exact ? 25 : 5;
  const bonusStep = exact ? 25 : 1;
  const resources = rng.sample(RESOURCES, rng.int(1, 3));
  const partyCount = rng.int(2, 40);
  let lots = 0;
  const lot = (p: number): boolean => {
    if (lots >= MAX_LOTS || !rng.chance(p)) return false;
    lots++;
    return true;
  };

  const parties: Party[] = [];
  for (let i = 0; i < partyCount; i++) {
    const roll = rng.next();
    const intent =
      roll < 0.33 ? 'buy' : roll < 0.6 ? 'sell' : roll < 0.78 ? 'defer' : resources.length > 1 ? 'swap' : 'buy';
    const id = `p${i}_${intent}`;
    const isSupply = intent !== 'buy';
    const isDemand = intent === 'buy' || intent === 'swap';

    const attributes: Record<string, string | number> = {};
    const constraints: string[] = [];
    const region = rng.pick(REGIONS);
    if (rng.chance(isSupply ? 0.7 : 0.85)) attributes.region = region;
    else if (isSupply && rng.chance(0.5))
      constraints.push(rng.chance(0.5) ? `region = ${region}` : `region == "${region}"`);
    if (isSupply && rng.chance(0.6)) attributes.gpu = rng.pick(GPUS);
    if (isSupply && rng.chance(0.2)) attributes.latency_ms = rng.int(5, 120);
    if (isDemand && rng.chance(0.7)) attributes.duration_hours = rng.int(1, 8);

    for (let k = rng.int(0, 2); k > 0; k--) {
      if (isDemand && (!isSupply || rng.chance(0.5))) constraints.push(demandConstraint(rng));
      else constraints.push(supplyConstraint(rng));
    }
    if (intent === 'defer' && rng.chance(0.6)) constraints.push(`max_defer_hours = ${rng.int(2, 8)}`);

    const preferences = rng.chance(0.4)
      ? Array.from({ length: rng.int(1, 2) }, () => ({
          when: preferenceWhen(rng),
          bonus: cents(rng, 1, 30, bonusStep),
        }))
      : [];

    const common = {
      id,
      ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
      ...(constraints.length > 0 ? { constraints } : {}),
      ...(preferences.length > 0 ? { preferences } : {}),
      ...(rng.chance(0.3) ? { weight: rng.pick([0.5, 1, 1.5, 2, 3]) } : {}),
    };
    const resource = rng.pick(resources);

    switch (intent) {
      case 'buy': {
        const max = quantity(rng, 1, 300);
        const min = lot(0.3) ? Math.min(max, quantity(rng, 1, 300)) : undefined;
        parties.push({
          ...common,
          intent,
          resource,
          quantity: min === undefined ? { max } : { min, max },
          price: { max: cents(rng, 80, 250, step) },
        });
        break;
      }
      case 'sell': {
        const available = quantity(rng, 1, 400);
        const min = lot(0.2) ? Math.min(available, quantity(rng, 1, 200)) : undefined;
        // `max` is the accepted alias of `available` (§1.1).
        const q = rng.chance(0.2) ? { max: available } : { available };
        parties.push({
          ...common,
          intent,
          resource,
          quantity: min === undefined ? q : { ...q, min },
          price: { min: cents(rng, 60, 200, step) },
        });
        break;
      }
      case 'defer': {
        const perHour = rng.chance(0.6);
        parties.push({
          ...common,
          intent,
          resource,
          quantity: { current: quantity(rng, 1, 300) },
          compensation: perHour
            ? { min: cents(rng, 5, 40, step), per: 'hour_deferred' }
            : rng.chance(0.5)
              ? { min: cents(rng, 20, 150, step), per: 'unit' }
              : { min: cents(rng, 20, 150, step) },
        });
        break;
      }
      default: {
        const [give, get] = rng.sample(resources, 2);
        if (give === undefined || get === undefined) throw new Error('a swap needs two resources');
        const getMax = quantity(rng, 1, 200);
        const getMin = lot(0.3) ? Math.min(getMax, quantity(rng, 1, 150)) : undefined;
        parties.push({
          ...common,
          intent: 'swap',
          give: { resource: give, quantity: { max: quantity(rng, 1, 200) }, price: { min: cents(rng, 50, 300, step) } },
          get: {
            resource: get,
            quantity: getMin === undefined ? { max: getMax } : { min: getMin, max: getMax },
            price: { max: cents(rng, 80, 400, step) },
          },
          ...(rng.chance(0.5) ? { ratio: { give_per_get_max: rng.pick([0.25, 0.5, 1, 1.5, 2]) } } : {}),
        });
      }
    }
  }

  const [first, ...rest] = parties;
  if (first === undefined) throw new Error('at least two parties are generated');
  return {
    seed,
    challenge: {
      challenge_id: `0x${(seed >>> 0).toString(16).padStart(16, '0')}`,
      ...(rng.chance(0.9) ? { network: { latency_ms: network(rng) } } : {}),
      parties: [first, ...rest],
    },
  };
}
