import { commitmentHash, type Response, type Verdict, validateResponse, validateVerdict } from '../src';
import type { Segment } from '../src/path';

/** The §4 example, with a real commitment hash and a well-formed challenge id. */
function exampleResponse(): Response {
  const challenge_id = '0x7a3f9c00';
  const settlement = {
    trades: [
      { seller: 'sn27_nodexo', buyer: 'sn64_chutes', resource: 'gpu_hours', quantity: 200, price_per_unit: 1.55 },
    ],
    parties: {
      sn64_chutes: { action: 'buy' as const, quantity: 200, price_per_unit: 1.55, total: 310.0, utility: 50.0 },
    },
  };
  return {
    challenge_id,
    settlement,
    welfare: 100.0,
    equilibrium_proof: {
      pareto_optimal: true,
      nash_stable: true,
      utility_scores: { sn64_chutes: 0.5, sn27_nodexo: 0.5 },
      certificate: {},
    },
    commitment_hash: commitmentHash({ challenge_id, miner: '', settlement }),
    response_time_ms: 3,
  };
}

describe('response schema', () => {
  test('the §4 example validates, as a value and as text', () => {
    const r = exampleResponse();
    expect(validateResponse(r)).toEqual({ ok: true, response: r });
    expect(validateResponse(JSON.stringify(r)).ok).toBe(true);
  });

  // Each case: a path into the example, the value to put there (DELETE removes the field).
  const DELETE = Symbol('delete');
  test.each<[string, Segment[], unknown, string, string]>([
    ['a short commitment_hash', ['commitment_hash'], 'sha256:9f3c', 'FORMAT', 'commitment_hash'],
    ['no settlement', ['settlement'], DELETE, 'MISSING', 'settlement'],
    ['a zero quantity', ['settlement', 'trades', 0, 'quantity'], 0, 'RANGE', 'settlement.trades[0].quantity'],
    [
      'a price as string',
      ['settlement', 'trades', 0, 'price_per_unit'],
      '1.55',
      'TYPE',
      'settlement.trades[0].price_per_unit',
    ],
    ['an infinite welfare', ['welfare'], Number.POSITIVE_INFINITY, 'NOT_FINITE', 'welfare'],
    ['a claim not boolean', ['equilibrium_proof', 'nash_stable'], 'yes', 'TYPE', 'equilibrium_proof.nash_stable'],
    [
      'an unknown action',
      ['settlement', 'parties', 'sn64_chutes', 'action'],
      'lend',
      'FORMAT',
      'settlement.parties.sn64_chutes.action',
    ],
    [
      'a null score',
      ['equilibrium_proof', 'utility_scores', 'sn27_nodexo'],
      null,
      'TYPE',
      'equilibrium_proof.utility_scores.sn27_nodexo',
    ],
    [
      'a second trade of one pair',
      ['settlement', 'trades', 1],
      exampleResponse().settlement.trades[0],
      'DUPLICATE_ID',
      'settlement.trades[1]',
    ],
  ])('%s is refused', (_name, at, value, code, path) => {
    const doc = structuredClone(exampleResponse()) as unknown as Record<string, unknown>;
    const parent = at
      .slice(0, -1)
      .reduce<Record<string | number, unknown>>((node, seg) => node[seg] as Record<string | number, unknown>, doc);
    const last = at[at.length - 1] as Segment;
    if (value === DELETE) delete parent[last];
    else parent[last] = value;
    const v = validateResponse(doc);
    expect(v.ok ? undefined : v.errors[0]).toMatchObject({ code, path });
  });

  test('errors come in check order, all of them', () => {
    const { challenge_id: _dropped, ...rest } = exampleResponse();
    const v = validateResponse({ ...rest, response_time_ms: -1, welfare: 'high' });
    expect(v.ok ? [] : v.errors.map((e) => e.path)).toEqual(['challenge_id', 'welfare', 'response_time_ms']);
  });
});

describe('verdict schema', () => {
  test('a verdict on the §4 example validates', () => {
    const verdict: Verdict = {
      valid: true,
      errors: [],
      welfare: 100,
      optimal_welfare: 100,
      gap: 0,
      pareto_optimal: true,
      nash_stable: true,
      dominated: false,
      q: 1,
    };
    expect(validateVerdict(verdict).ok).toBe(true);
  });

  test('an invalid verdict needs only valid, errors and q', () => {
    expect(validateVerdict({ valid: false, errors: ['commitment_hash does not match'], q: 0 }).ok).toBe(true);
    const v = validateVerdict({ valid: false, errors: [], q: 1.5 });
    expect(v.ok ? undefined : v.errors[0]).toMatchObject({ code: 'RANGE', path: 'q' });
  });
});
