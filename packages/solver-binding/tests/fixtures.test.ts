// The shared fixtures through the binding: welfare, the unique Nash utilities, the claims,
// determinism, sync/async agreement and a verdict of q = 1 on the binding's own answer.
import { validateChallenge, validateResponse, validateVerdict } from '@nash/protocol';
import * as binding from '../lib';
import { closeTo, comparable, fixtures } from './helpers';

const all = fixtures();

test('the fixture corpus is present', () => {
  expect(all.map((f) => f.name)).toContain('seed-three-party');
  expect(all.length).toBeGreaterThanOrEqual(5);
});

describe.each(all.map((f) => [f.name, f] as const))('%s', (_name, fixture) => {
  test('solveSync reaches W* with the Nash utilities and true claims', () => {
    const response = binding.solveSync(fixture.challengeText);
    expect(response.challenge_id).toBe(fixture.expected.challenge_id);
    expect(closeTo(response.welfare, fixture.expected.optimal_welfare)).toBe(true);
    for (const [party, utility] of Object.entries(fixture.expected.nash_utilities)) {
      const got = response.settlement.parties[party]?.utility ?? 0;
      expect({ party, ok: closeTo(got, utility) }).toEqual({ party, ok: true });
    }
    expect(response.equilibrium_proof.pareto_optimal).toBe(true);
    expect(response.equilibrium_proof.nash_stable).toBe(true);
    expect(response.commitment_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Welfare is the sum of utilities (§3): a check on the response's own consistency.
    const sum = Object.values(response.settlement.parties).reduce((s, p) => s + p.utility, 0);
    expect(closeTo(sum, response.welfare)).toBe(true);
  });

  test('the engine and the TS protocol agree on the one wire schema (challenge, response, verdict)', () => {
    // The Rust engine writes responses and verdicts; @nash/protocol validates them against the
    // JSON Schema the TS types are generated from. A drift on either side fails here.
    expect(validateChallenge(fixture.challengeText).ok).toBe(true);
    const response = binding.solveSync(fixture.challengeText);
    const r = validateResponse(response);
    expect(r.ok ? [] : r.errors).toEqual([]);
    for (const verdict of binding.verifySync(fixture.challengeText, [response])) {
      const v = validateVerdict(verdict);
      expect(v.ok ? [] : v.errors).toEqual([]);
    }
    const broken = binding.verifySync(fixture.challengeText, ['{"not": "a response"}']);
    const b = validateVerdict(broken[0]);
    expect(b.ok ? [] : b.errors).toEqual([]);
  });

  test('object, text and Buffer inputs, sync and async, give the same answer every time', async () => {
    const fromText = comparable(binding.solveSync(fixture.challengeText));
    expect(comparable(binding.solveSync(JSON.parse(fixture.challengeText)))).toEqual(fromText);
    expect(comparable(binding.solveSync(Buffer.from(fixture.challengeText)))).toEqual(fromText);
    expect(comparable(await binding.solve(fixture.challengeText))).toEqual(fromText);
    const raw = binding.native.solveSync(fixture.challengeText);
    expect(typeof raw).toBe('string');
    expect(comparable(JSON.parse(raw))).toEqual(fromText);
  });

  test('the hotkey is bound into the commitment', () => {
    const offline = binding.solveSync(fixture.challengeText);
    const online = binding.solveSync(fixture.challengeText, {
      hotkey: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
    });
    expect(online.settlement).toEqual(offline.settlement);
    expect(online.commitment_hash).not.toBe(offline.commitment_hash);
  });

  test('verify gives q = 1 to the binding’s own response, sync and async', async () => {
    const response = binding.solveSync(fixture.challengeText);
    const [verdict] = binding.verifySync(fixture.challengeText, [response]);
    expect(verdict).toMatchObject({ valid: true, q: 1, pareto_optimal: true, nash_stable: true, dominated: false });
    expect(closeTo(verdict?.optimal_welfare ?? Number.NaN, fixture.expected.optimal_welfare)).toBe(true);
    const verdicts = await binding.verify(fixture.challengeText, [JSON.stringify(response), response]);
    expect(verdicts).toHaveLength(2);
    expect(verdicts.map((v) => v.q)).toEqual([1, 1]);
    // Without the certificate the verifier re-solves, and reaches the same verdict.
    const [resolved] = binding.verifySync(fixture.challengeText, [response], { useCertificate: false });
    expect(resolved).toMatchObject({ valid: true, q: 1, optimum_source: 'solve' });
  });

  test('a response committed to another miner is not valid', () => {
    const response = binding.solveSync(fixture.challengeText, { hotkey: 'someone-else' });
    const [verdict] = binding.verifySync(fixture.challengeText, [response], { hotkey: '' });
    expect(verdict?.valid).toBe(false);
    expect(verdict?.q).toBe(0);
  });

  test('profile reports the stages of one solve', () => {
    const p = binding.profile(fixture.challengeText);
    expect(closeTo(p.welfare, fixture.expected.optimal_welfare)).toBe(true);
    expect(p.parties).toBe(JSON.parse(fixture.challengeText).parties.length);
    for (const stage of [p.parseMs, p.edgesMs, p.welfareMs, p.nashMs, p.responseMs]) {
      expect(stage).toBeGreaterThanOrEqual(0);
    }
    expect(closeTo(p.totalMs, p.parseMs + p.edgesMs + p.welfareMs + p.nashMs + p.responseMs, 1e-9)).toBe(true);
  });
});

test('seed example: welfare 165, three utilities of 55', () => {
  const seed = all.find((f) => f.name === 'seed-three-party');
  if (!seed) throw new Error('seed fixture missing');
  const response = binding.solveSync(seed.challengeText);
  expect(response.welfare).toBeCloseTo(165, 6);
  const utilities = Object.values(response.settlement.parties).map((p) => p.utility);
  expect(utilities).toHaveLength(3);
  for (const u of utilities) expect(u).toBeCloseTo(55, 6);
});
