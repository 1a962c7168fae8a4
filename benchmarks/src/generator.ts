/**
 * Seeded generator of realistic NASH challenges: GPU-hour markets priced from public rental
 * rates, four regions with a latency matrix, and four classes of difficulty.
 *
 * Edge counts are steered towards the anchors of shared/notes/solver-ideas.md (20×20 ≈ 140,
 * 100×100 ≈ 3,150, 300×300 ≈ 29,000, i.e. about a third of all seller×buyer pairs) by the mix
 * of GPU types — only legs of the same resource form edges — and, in the constrained class, by
 * latency and reliability constraints.
 */
import type { BuyParty, Challenge, DeferParty, Party, SellParty, SwapParty } from './challenge';
import { Rng, roundTo } from './rng';

export const CLASSES = ['plain', 'constrained', 'lots', 'defer-swap'] as const;
export type BenchClass = (typeof CLASSES)[number];

export interface Size {
  sellers: number;
  buyers: number;
}

export const FULL_SIZES: readonly Size[] = [5, 20, 50, 100, 300].map((n) => ({ sellers: n, buyers: n }));
export const SMOKE_SIZES: readonly Size[] = [5, 20].map((n) => ({ sellers: n, buyers: n }));

export function sizeLabel(size: Size): string {
  return `${size.sellers}x${size.buyers}`;
}

/** Public on-demand rental rates, USD per GPU-hour (the figures). */
export const GPUS = [
  { gpu: 'H100', resource: 'gpu_hours_h100', rate: 1.79 },
  { gpu: 'A100', resource: 'gpu_hours_a100', rate: 1.2 },
  { gpu: 'L40S', resource: 'gpu_hours_l40s', rate: 0.85 },
] as const;
type Gpu = (typeof GPUS)[number];

/**
 * Share of each GPU type among sellers and among buyers. With shares p_k the fraction of
 * seller×buyer pairs on the same resource is Σ p_k² (0.34 here), near the anchors' third.
 */
const PLAIN_MIX = [0.4, 0.3, 0.3];
/** Constraints remove about half of the pairs, so the constrained class uses fewer types. */
const CONSTRAINED_MIX = [0.7, 0.3, 0];

/** Seller cost and buyer value as multiples of the rental rate (the ranges). */
const COST_FACTOR = [0.6, 1.05] as const;
const VALUE_FACTOR = [0.95, 1.6] as const;

export const REGIONS = ['US', 'EU', 'ASIA', 'SA'] as const;
const REGION_WEIGHTS = [0.4, 0.3, 0.2, 0.1];

/**
 * Round-trip latencies in ms. Only one direction of each pair is written: the spec's lookup
 * tries [a][b] and then [b][a], and the benchmark should exercise that.
 */
export const LATENCY_MS: Record<string, Record<string, number>> = {
  US: { US: 15, EU: 85, ASIA: 160, SA: 120 },
  EU: { EU: 12, ASIA: 180, SA: 200 },
  ASIA: { ASIA: 20, SA: 300 },
  SA: { SA: 18 },
};

/**
 * The longest response window the spec allows (limits.rs RESPONSE_WINDOW_MAX_MS): benchmarks
 * measure how long a solve takes, so the engine must not give up at the default window.
 */
const BENCH_RESPONSE_WINDOW_MS = 10_000;
/** A fixed timestamp keeps generated documents byte-identical across runs. */
const BENCH_TIMESTAMP = 1_767_225_600_000;

/** Prices carry 4 decimals and bonuses 2, so every surplus is a multiple of 1e-4. */
export const PRICE_DECIMALS = 4;

function quotaAssign(rng: Rng, n: number, mix: readonly number[]): Gpu[] {
  // Largest-remainder quotas: exact shares, so edge counts do not drift with the draw.
  const counts = GPUS.map((_, k) => Math.floor((mix[k] ?? 0) * n));
  const order = GPUS.map((_, k) => k)
    .filter((k) => (mix[k] ?? 0) > 0)
    .sort((a, b) => {
      const fa = (mix[a] ?? 0) * n - (counts[a] ?? 0);
      const fb = (mix[b] ?? 0) * n - (counts[b] ?? 0);
      return fb - fa || a - b;
    });
  let rest = n - counts.reduce((x, y) => x + y, 0);
  for (let j = 0; rest > 0 && order.length > 0; j = (j + 1) % order.length, rest--) {
    const k = order[j] as number;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  const out: Gpu[] = [];
  GPUS.forEach((gpu, k) => {
    for (let i = 0; i < (counts[k] ?? 0); i++) out.push(gpu);
  });
  return rng.shuffle(out);
}

function weightedRegion(rng: Rng): string {
  let u = rng.next();
  for (let i = 0; i < REGIONS.length; i++) {
    u -= REGION_WEIGHTS[i] ?? 0;
    if (u < 0) return REGIONS[i] as string;
  }
  return REGIONS[0];
}

function pad(i: number): string {
  return String(i).padStart(3, '0');
}

function hexId(rng: Rng, digits: number): string {
  let s = '0x';
  for (let i = 0; i < digits; i++) s += Math.floor(rng.next() * 16).toString(16);
  return s;
}

function seller(rng: Rng, i: number, gpu: Gpu, cls: BenchClass): SellParty | DeferParty {
  const region = weightedRegion(rng);
  const attributes: Record<string, string | number> = { region, gpu: gpu.gpu };
  if (cls === 'defer-swap' && rng.chance(0.3)) {
    // A validator or service that can postpone its own jobs: releases capacity it holds now.
    const perHour = rng.chance(0.5);
    const party: DeferParty = {
      id: `defer-${pad(i)}`,
      intent: 'defer',
      resource: gpu.resource,
      quantity: { current: rng.int(20, 400) },
      compensation: perHour
        ? { min: roundTo(gpu.rate * rng.uniform(0.02, 0.08), PRICE_DECIMALS), per: 'hour_deferred' }
        : { min: roundTo(gpu.rate * rng.uniform(0.5, 1.0), PRICE_DECIMALS), per: 'unit' },
      attributes,
    };
    if (rng.chance(0.5)) party.constraints = [`max_defer_hours = ${rng.pick([6, 12, 18])}`];
    return party;
  }
  const available = rng.int(20, 400);
  const party: SellParty = {
    id: `sell-${pad(i)}`,
    intent: 'sell',
    resource: gpu.resource,
    quantity: { available },
    price: { min: roundTo(gpu.rate * rng.uniform(COST_FACTOR[0], COST_FACTOR[1]), PRICE_DECIMALS) },
    attributes,
  };
  if (cls === 'constrained') {
    attributes.tier = rng.chance(0.5) ? 'secure' : 'community';
    attributes.reliability = roundTo(rng.uniform(0.9, 0.999), 3);
    if (rng.chance(0.25)) party.constraints = [`hours <= ${rng.pick([8, 12, 24])}`];
    else if (rng.chance(0.2)) party.constraints = ['buyer_region in [US, EU]'];
    if (rng.chance(0.4)) party.preferences = [{ when: 'hours >= 8', bonus: roundTo(rng.uniform(0.01, 0.05), 2) }];
  }
  if (cls === 'lots' && rng.chance(0.15)) {
    // A minimum commitment: the seller only rents out at least half of its block.
    party.quantity.min = Math.ceil(available / 2);
  }
  return party;
}

function buyer(rng: Rng, i: number, gpu: Gpu, cls: BenchClass): BuyParty | SwapParty {
  const region = weightedRegion(rng);
  const attributes: Record<string, string | number> = { region, duration_hours: rng.int(1, 24) };
  const value = roundTo(gpu.rate * rng.uniform(VALUE_FACTOR[0], VALUE_FACTOR[1]), PRICE_DECIMALS);
  const max = rng.int(10, 300);
  if (cls === 'defer-swap' && rng.chance(0.15)) {
    // Holds hours of another GPU type and trades them for this one, within an exchange ratio.
    const other = rng.pick(GPUS.filter((g) => g !== gpu));
    const party: SwapParty = {
      id: `swap-${pad(i)}`,
      intent: 'swap',
      give: {
        resource: other.resource,
        quantity: { max: rng.int(20, 400) },
        price: { min: roundTo(other.rate * rng.uniform(COST_FACTOR[0], COST_FACTOR[1]), PRICE_DECIMALS) },
      },
      get: { resource: gpu.resource, quantity: { max }, price: { max: value } },
      ratio: { give_per_get_max: roundTo((gpu.rate / other.rate) * rng.uniform(1.0, 1.3), 3) },
      attributes: { region, gpu: other.gpu, duration_hours: attributes.duration_hours as number },
    };
    return party;
  }
  const party: BuyParty = {
    id: `buy-${pad(i)}`,
    intent: 'buy',
    resource: gpu.resource,
    quantity: { max },
    price: { max: value },
    attributes,
  };
  if (cls === 'constrained') {
    const constraints: string[] = [];
    if (rng.chance(0.75)) constraints.push(`latency_ms <= ${rng.pick([40, 100, 200])}`);
    if (rng.chance(0.3)) constraints.push('reliability >= 0.95');
    if (constraints.length > 0) party.constraints = constraints;
    const preferences = [];
    if (rng.chance(0.5)) preferences.push({ when: `region = ${region}`, bonus: roundTo(rng.uniform(0.01, 0.1), 2) });
    if (rng.chance(0.3)) preferences.push({ when: 'tier in [secure]', bonus: roundTo(rng.uniform(0.01, 0.05), 2) });
    if (preferences.length > 0) party.preferences = preferences;
  }
  if (cls === 'lots' && rng.chance(0.2)) {
    // A whole training run: all of it or nothing.
    party.quantity.min = max;
  }
  return party;
}

/** Stable 32-bit hash of a string (FNV-1a), to derive a per-case seed. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One challenge of `cls` and `size`; the same arguments always give the same document. */
export function generateChallenge(cls: BenchClass, size: Size, seed: number): Challenge {
  const rng = new Rng((seed ^ fnv1a(`${cls}/${sizeLabel(size)}`)) >>> 0);
  const mix = cls === 'constrained' ? CONSTRAINED_MIX : PLAIN_MIX;
  const sellerGpus = quotaAssign(rng, size.sellers, mix);
  const buyerGpus = quotaAssign(rng, size.buyers, mix);
  // Sellers are drawn before buyers so that each draw sequence stays put when the other changes.
  const sellers: Party[] = sellerGpus.map((gpu, i) => seller(rng, i, gpu, cls));
  const parties: Party[] = [...sellers, ...buyerGpus.map((gpu, i) => buyer(rng, i, gpu, cls))];
  return {
    version: 1,
    challenge_id: hexId(rng, 16),
    timestamp: BENCH_TIMESTAMP,
    response_window_ms: BENCH_RESPONSE_WINDOW_MS,
    currency: 'USD',
    network: { latency_ms: LATENCY_MS },
    parties,
  };
}
