import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  canonicalize,
  commitmentHash,
  evaluateConstraint,
  MAX_JSON_BYTES,
  ProtocolValidationError,
  parseChallenge,
  parseConstraint,
  tryParseConstraint,
  validateChallenge,
} from '../src';
import { CONFORMANCE, jsonFiles, readJson } from './helpers';

const VALID = join(CONFORMANCE, 'challenges', 'valid');
const INVALID = join(CONFORMANCE, 'challenges', 'invalid');

interface InvalidCase {
  expect: { code: string; path: string };
  challenge?: unknown;
  challenge_text?: string;
}

describe('conformance: challenges', () => {
  const valid = jsonFiles(VALID);
  const invalid = jsonFiles(INVALID);

  test('the corpus is there', () => {
    expect(valid.length).toBeGreaterThanOrEqual(10);
    expect(invalid.length).toBeGreaterThanOrEqual(50);
  });

  // Valid cases are read as text, as the Rust reader does (one holds an overflowing number in
  // an ignored field, which only text can carry).
  test.each(valid)('valid/%s validates', (file) => {
    const r = validateChallenge(readFileSync(join(VALID, file), 'utf8'));
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  test.each(invalid)('invalid/%s: first error has the expected code and path', (file) => {
    const c = readJson<InvalidCase>(join(INVALID, file));
    const input = c.challenge_text ?? JSON.stringify(c.challenge);
    const r = validateChallenge(input);
    if (r.ok) throw new Error('accepted an invalid challenge');
    expect({ code: r.errors[0]?.code, path: r.errors[0]?.path }).toEqual(c.expect);
  });

  // A parsed document goes through the same rules (JSON text only matters for what JSON.parse
  // cannot represent, which these cases do not hold).
  test.each(invalid.filter((f) => readJson<InvalidCase>(join(INVALID, f)).challenge !== undefined))(
    'invalid/%s: the same verdict from the parsed value',
    (file) => {
      const c = readJson<InvalidCase>(join(INVALID, file));
      const r = validateChallenge(c.challenge);
      if (r.ok) throw new Error('accepted an invalid challenge');
      expect({ code: r.errors[0]?.code, path: r.errors[0]?.path }).toEqual(c.expect);
    },
  );

  test('1 MiB + 1 byte is TOO_LARGE, 1 MiB exactly is read', () => {
    const base = JSON.stringify({
      challenge_id: '0x0123abcd',
      parties: [{ id: 'a', intent: 'buy', resource: 'r', quantity: { max: 1 }, price: { max: 1 } }],
      _pad: '',
    });
    const fill = MAX_JSON_BYTES - Buffer.byteLength(base);
    const exact = base.replace('"_pad":""', `"_pad":"${'x'.repeat(fill)}"`);
    expect(Buffer.byteLength(exact)).toBe(MAX_JSON_BYTES);
    expect(validateChallenge(exact).ok).toBe(true);
    const over = `${exact} `;
    const r = validateChallenge(over);
    expect(r.ok ? undefined : r.errors[0]).toMatchObject({ code: 'TOO_LARGE', path: '$' });
  });

  test('parseChallenge throws ProtocolValidationError with code and path', () => {
    const c = readJson<InvalidCase>(join(INVALID, 'weight-zero.json'));
    let thrown: unknown;
    try {
      parseChallenge(JSON.stringify(c.challenge));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProtocolValidationError);
    expect(thrown).toMatchObject({ code: 'RANGE', path: 'parties[0].weight' });
  });
});

interface ConstraintCase {
  text: string;
  parse?: { attr: string; op: string; values: (string | number)[] };
  error?: string;
}

describe('conformance: constraints', () => {
  const { cases } = readJson<{ cases: ConstraintCase[] }>(join(CONFORMANCE, 'constraints.json'));
  test('the corpus is there', () => expect(cases.length).toBeGreaterThanOrEqual(50));

  test.each(cases.map((c) => [JSON.stringify(c.text), c] as const))('%s', (_name, c) => {
    const outcome = tryParseConstraint(c.text);
    if (c.parse !== undefined) {
      expect(outcome).toEqual({ ok: true, constraint: c.parse });
      expect(parseConstraint(c.text)).toEqual(c.parse);
    } else {
      expect(outcome).toMatchObject({ ok: false, code: c.error });
      expect(() => parseConstraint(c.text)).toThrow(ProtocolValidationError);
    }
  });
});

interface EvalCase {
  constraint: string;
  attrs: Record<string, string | number>;
  expect: boolean;
}

describe('conformance: constraint evaluation', () => {
  const { cases } = readJson<{ cases: EvalCase[] }>(join(CONFORMANCE, 'constraint-eval.json'));
  test('the corpus is there', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  test.each(cases.map((c) => [`${c.constraint} on ${JSON.stringify(c.attrs)}`, c] as const))('%s', (_name, c) => {
    expect(evaluateConstraint(parseConstraint(c.constraint), c.attrs)).toBe(c.expect);
  });
});

describe('conformance: JCS', () => {
  const { cases } = readJson<{ cases: { input: string; canonical: string }[] }>(join(CONFORMANCE, 'jcs.json'));
  test('the corpus is there', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  test.each(cases.map((c) => [c.input, c] as const))('%s', (_name, c) => {
    expect(canonicalize(JSON.parse(c.input))).toBe(c.canonical);
  });
});

interface CommitmentCase {
  challenge_id: string;
  miner: string;
  settlement: unknown;
  canonical: string;
  commitment_hash: string;
}

describe('conformance: commitments', () => {
  const { cases } = readJson<{ cases: CommitmentCase[] }>(join(CONFORMANCE, 'commitments.json'));
  test('the corpus is there', () => expect(cases.length).toBeGreaterThanOrEqual(3));

  test.each(cases.map((c, i) => [i, c] as const))('case %d', (_i, c) => {
    const input = { challenge_id: c.challenge_id, miner: c.miner, settlement: c.settlement };
    expect(canonicalize(input)).toBe(c.canonical);
    expect(commitmentHash(input)).toBe(c.commitment_hash);
  });
});
