import fc from 'fast-check';
import { canonicalize, validateChallenge, validateResponse } from '../src';

/** JSON has no -0: it reads back as 0, so compare with -0 folded. */
function foldNegativeZero(value: unknown): unknown {
  if (typeof value === 'number') return Object.is(value, -0) ? 0 : value;
  if (Array.isArray(value)) return value.map(foldNegativeZero);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, foldNegativeZero(v)]));
  }
  return value;
}

/** The same value with every object's keys in a shuffled order (seeded by fast-check). */
function shuffleKeys(value: unknown, rand: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, rand));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [entries[i], entries[j]] = [entries[j] as [string, unknown], entries[i] as [string, unknown]];
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, rand)]));
  }
  return value;
}

// Well-formed strings only: JCS refuses lone surrogates (tested in jcs.test.ts).
const json = fc.jsonValue({ maxDepth: 4, stringUnit: 'grapheme' });

describe('canonicalize properties', () => {
  test('JSON.parse(canonicalize(x)) deep-equals x', () => {
    fc.assert(
      fc.property(json, (x) => {
        expect(JSON.parse(canonicalize(x))).toEqual(foldNegativeZero(x));
      }),
    );
  });

  test('canonical text is independent of key order', () => {
    fc.assert(
      fc.property(json, fc.integer(), (x, seed) => {
        let s = seed >>> 0;
        const rand = () => {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          return s / 2 ** 32;
        };
        expect(canonicalize(shuffleKeys(x, rand))).toBe(canonicalize(x));
      }),
    );
  });

  test('canonicalize is idempotent through JSON.parse', () => {
    fc.assert(
      fc.property(json, (x) => {
        const once = canonicalize(x);
        expect(canonicalize(JSON.parse(once))).toBe(once);
      }),
    );
  });
});

describe('validation never throws', () => {
  test('on arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        const r = validateChallenge(x);
        expect(typeof r.ok).toBe('boolean');
        expect(validateResponse(x).ok).toBe(false);
      }),
    );
  });

  test('on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const r = validateChallenge(text);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.errors.every((e) => e.code !== 'INTERNAL')).toBe(true);
      }),
    );
  });

  // Mutations of a real challenge reach deep into the schema: every refusal is a stable code
  // with a path, and never INTERNAL.
  test('on mutated challenges', () => {
    const base = {
      challenge_id: '0x0123abcd',
      network: { latency_ms: { US: { EU: 40 } } },
      parties: [
        {
          id: 'b',
          intent: 'buy',
          resource: 'r',
          quantity: { min: 1, max: 5 },
          price: { max: 2 },
          attributes: { region: 'US' },
          constraints: ['latency_ms < 50'],
          preferences: [{ when: 'region = EU', bonus: 0.1 }],
        },
        { id: 's', intent: 'sell', resource: 'r', quantity: { available: 5 }, price: { min: 1 } },
        {
          id: 'w',
          intent: 'swap',
          give: { resource: 'x', quantity: { max: 1 }, price: { min: 1 } },
          get: { resource: 'r', quantity: { max: 1 }, price: { max: 3 } },
          ratio: { give_per_get_max: 2 },
        },
        { id: 'd', intent: 'defer', resource: 'r', quantity: { current: 3 }, compensation: { min: 0.2, per: 'unit' } },
      ],
    };
    expect(validateChallenge(base).ok).toBe(true);
    const replacement = fc.oneof(
      fc.jsonValue({ maxDepth: 1 }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 0),
    );
    fc.assert(
      fc.property(fc.nat(), replacement, (pick, value) => {
        const doc = structuredClone(base) as Record<string, unknown>;
        // Collect every (container, key) of the document, then replace one.
        const slots: [Record<string, unknown> | unknown[], string | number][] = [];
        const walk = (node: unknown) => {
          if (Array.isArray(node))
            node.forEach((v, i) => {
              slots.push([node, i]);
              walk(v);
            });
          else if (node !== null && typeof node === 'object') {
            for (const [k, v] of Object.entries(node)) {
              slots.push([node as Record<string, unknown>, k]);
              walk(v);
            }
          }
        };
        walk(doc);
        const slot = slots[pick % slots.length];
        if (slot === undefined) return;
        const [container, key] = slot;
        (container as Record<string | number, unknown>)[key] = value;
        const r = validateChallenge(doc);
        if (!r.ok) {
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) {
            expect(e.code).not.toBe('INTERNAL');
            expect(e.path).toMatch(/^(\$|[A-Za-z_])/);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
