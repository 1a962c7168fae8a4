import type { Challenge, Party } from '../src/challenge';
import { CLASSES, FULL_SIZES, generateChallenge, sizeLabel } from '../src/generator';
import { buildWelfareProblem, parseConstraint } from '../src/welfare';

// Spec limits (settlement.md §1, §6; crates/solver-core/src/limits.rs MAX_PARTIES,
// MAX_CONSTRAINT_STRINGS, MAX_JSON_BYTES, PARTY_ID_MAX_LEN, CHALLENGE_ID_HEX_*): the test
// checks generated documents against them independently of the engine.
const MAX_PARTIES = 1024;
const MAX_CONSTRAINT_STRINGS = 4096;
const MAX_JSON_BYTES = 1 << 20;
const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const CHALLENGE_ID = /^0x[0-9a-f]{8,128}$/;

function nonNeg(x: unknown): boolean {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}

/** Spec-shape problems of one party (§1.1), as strings. */
function partyProblems(p: Party): string[] {
  const errs: string[] = [];
  if (!ID.test(p.id)) errs.push('id');
  if (p.weight !== undefined && !(p.weight > 0)) errs.push('weight');
  for (const v of Object.values(p.attributes ?? {}))
    if (typeof v !== 'string' && !Number.isFinite(v)) errs.push('attribute');
  for (const c of p.constraints ?? []) {
    try {
      parseConstraint(c);
    } catch {
      errs.push(`constraint ${c}`);
    }
  }
  for (const pref of p.preferences ?? []) {
    if (!nonNeg(pref.bonus)) errs.push('bonus');
    try {
      parseConstraint(pref.when);
    } catch {
      errs.push(`preference ${pref.when}`);
    }
  }
  switch (p.intent) {
    case 'buy':
      if (!(p.quantity.max > 0) || !nonNeg(p.price.max)) errs.push('buy');
      if (p.quantity.min !== undefined && !(nonNeg(p.quantity.min) && p.quantity.min <= p.quantity.max))
        errs.push('buy.min');
      break;
    case 'sell':
      if (!nonNeg(p.quantity.available) || !nonNeg(p.price.min)) errs.push('sell');
      if (p.quantity.min !== undefined && !(nonNeg(p.quantity.min) && p.quantity.min <= p.quantity.available))
        errs.push('sell.min');
      break;
    case 'defer':
      if (!(p.quantity.current > 0) || !nonNeg(p.compensation.min)) errs.push('defer');
      if (p.compensation.per !== 'unit' && p.compensation.per !== 'hour_deferred') errs.push('defer.per');
      break;
    case 'swap':
      if (p.give.resource === p.get.resource) errs.push('swap same resource');
      if (
        !nonNeg(p.give.quantity.max) ||
        !(p.get.quantity.max > 0) ||
        !nonNeg(p.give.price.min) ||
        !nonNeg(p.get.price.max)
      )
        errs.push('swap');
      if (p.ratio && !(p.ratio.give_per_get_max > 0)) errs.push('swap.ratio');
      break;
    default:
      errs.push('intent');
  }
  return errs;
}

function challengeProblems(ch: Challenge): string[] {
  const errs: string[] = [];
  if (ch.version !== 1) errs.push('version');
  if (!CHALLENGE_ID.test(ch.challenge_id)) errs.push('challenge_id');
  if (!(Number.isInteger(ch.response_window_ms) && ch.response_window_ms >= 1 && ch.response_window_ms <= 10_000))
    errs.push('window');
  if (ch.parties.length < 1 || ch.parties.length > MAX_PARTIES) errs.push('parties');
  if (new Set(ch.parties.map((p) => p.id)).size !== ch.parties.length) errs.push('duplicate id');
  const strings = ch.parties.reduce((n, p) => n + (p.constraints?.length ?? 0) + (p.preferences?.length ?? 0), 0);
  if (strings > MAX_CONSTRAINT_STRINGS) errs.push('constraint strings');
  if (Buffer.byteLength(JSON.stringify(ch)) > MAX_JSON_BYTES) errs.push('size');
  for (const row of Object.values(ch.network.latency_ms))
    for (const v of Object.values(row)) if (!nonNeg(v)) errs.push('latency');
  ch.parties.forEach((p, i) => {
    for (const e of partyProblems(p)) errs.push(`parties[${i}]: ${e}`);
  });
  return errs;
}

describe('generator', () => {
  it('is deterministic: same class, size and seed give the same document', () => {
    for (const cls of CLASSES) {
      const a = JSON.stringify(generateChallenge(cls, { sellers: 20, buyers: 20 }, 7));
      const b = JSON.stringify(generateChallenge(cls, { sellers: 20, buyers: 20 }, 7));
      expect(a).toBe(b);
      expect(JSON.stringify(generateChallenge(cls, { sellers: 20, buyers: 20 }, 8))).not.toBe(a);
    }
  });

  it.each(CLASSES.flatMap((cls) => FULL_SIZES.map((size) => [cls, sizeLabel(size), size] as const)))(
    '%s %s follows the spec shapes',
    (cls, _label, size) => {
      const ch = generateChallenge(cls, size, 1);
      expect(challengeProblems(ch)).toEqual([]);
      expect(ch.parties).toHaveLength(size.sellers + size.buyers);
    },
  );

  it('plain is a transportation problem; the others carry their features', () => {
    const size = { sellers: 50, buyers: 50 };
    const plain = generateChallenge('plain', size, 1).parties;
    expect(plain.every((p) => !p.constraints && !p.preferences && (p.intent === 'buy' || p.intent === 'sell'))).toBe(
      true,
    );
    expect(plain.every((p) => !('quantity' in p) || !('min' in p.quantity))).toBe(true);
    expect(new Set(plain.map((p) => ('resource' in p ? p.resource : '')))).toEqual(
      new Set(['gpu_hours_h100', 'gpu_hours_a100', 'gpu_hours_l40s']),
    );

    const constrained = generateChallenge('constrained', size, 1).parties;
    expect(constrained.some((p) => p.constraints?.some((c) => c.startsWith('latency_ms')))).toBe(true);
    expect(constrained.some((p) => (p.preferences?.length ?? 0) > 0)).toBe(true);

    const lots = generateChallenge('lots', size, 1).parties;
    expect(lots.some((p) => p.intent === 'buy' && p.quantity.min === p.quantity.max)).toBe(true);
    expect(lots.some((p) => p.intent === 'sell' && (p.quantity.min ?? 0) > 0)).toBe(true);

    const ds = generateChallenge('defer-swap', size, 1).parties;
    expect(ds.some((p) => p.intent === 'defer' && p.compensation.per === 'hour_deferred')).toBe(true);
    expect(ds.some((p) => p.intent === 'swap' && (p.ratio?.give_per_get_max ?? 0) > 0)).toBe(true);
  });

  it('keeps plain edge counts near the anchors (±15%)', () => {
    const anchors: [number, number][] = [
      [20, 140],
      [100, 3150],
      [300, 29000],
    ];
    for (const [n, edges] of anchors) {
      const got = buildWelfareProblem(generateChallenge('plain', { sellers: n, buyers: n }, 1)).edges.length;
      expect(Math.abs(got - edges) / edges).toBeLessThan(0.15);
    }
  });

  it('prices stay within the issue ranges of the rental rates', () => {
    const rates: Record<string, number> = { gpu_hours_h100: 1.79, gpu_hours_a100: 1.2, gpu_hours_l40s: 0.85 };
    for (const p of generateChallenge('plain', { sellers: 300, buyers: 300 }, 3).parties) {
      if (p.intent === 'sell') {
        const f = p.price.min / (rates[p.resource] as number);
        expect(f).toBeGreaterThanOrEqual(0.6 - 1e-3);
        expect(f).toBeLessThanOrEqual(1.05 + 1e-3);
      } else if (p.intent === 'buy') {
        const f = p.price.max / (rates[p.resource] as number);
        expect(f).toBeGreaterThanOrEqual(0.95 - 1e-3);
        expect(f).toBeLessThanOrEqual(1.6 + 1e-3);
      }
    }
  });
});
