import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as constants from '../src/constants';
import { loadSchema } from '../src/schemas';
import { REPO_ROOT } from './helpers';

/** `pub const NAME: T = value;` from a Rust source, values evaluated as numbers or strings. */
function rustConsts(file: string): Map<string, unknown> {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const out = new Map<string, unknown>();
  for (const m of text.matchAll(/(?:pub\s+)?const\s+([A-Z_][A-Z0-9_]*)\s*:\s*([^=]+?)\s*=\s*([^;]+);/g)) {
    const [, name, , raw] = m as unknown as [string, string, string, string];
    out.set(name, evalRust(raw.trim()));
  }
  return out;
}

function evalRust(raw: string): unknown {
  if (raw.startsWith('"')) return JSON.parse(raw);
  const shift = raw.match(/^(\d+)\s*<<\s*(\d+)$/);
  if (shift !== null) return Number(shift[1]) * 2 ** Number(shift[2]);
  if (raw.startsWith('[')) {
    // [(1e-6, 1.00), (1e-3, 0.90)] → [[1e-6, 1], [1e-3, 0.9]]
    return JSON.parse(raw.replace(/\(/g, '[').replace(/\)/g, ']').replace(/_/g, ''));
  }
  return Number(raw.replace(/_/g, ''));
}

const limits = rustConsts('crates/solver-core/src/limits.rs');

describe('constants.ts mirrors crates/solver-core/src/limits.rs', () => {
  test('limits.rs parsed', () => expect(limits.size).toBeGreaterThanOrEqual(20));

  test.each([...limits.keys()])('%s', (name) => {
    expect(constants).toHaveProperty(name);
    expect((constants as Record<string, unknown>)[name]).toEqual(limits.get(name));
  });

  test('MAX_JSON_DEPTH matches the Rust reader', () => {
    const reader = rustConsts('crates/solver-core/src/challenge.rs');
    expect(constants.MAX_JSON_DEPTH).toBe(reader.get('MAX_JSON_DEPTH'));
  });

  test('gapFactor and qualityScore follow §5', () => {
    expect(constants.gapFactor(0)).toBe(1);
    expect(constants.gapFactor(1e-6)).toBe(1);
    expect(constants.gapFactor(2e-6)).toBe(0.9);
    expect(constants.gapFactor(1e-2)).toBe(0.7);
    expect(constants.gapFactor(0.011)).toBe(0);
    expect(constants.qualityScore(5e-4, false)).toBeCloseTo(0.765, 12);
    expect(constants.absTol(1e9)).toBe(1e3);
    expect(constants.absTol(0.5)).toBe(1e-6);
  });
});

describe('the schemas repeat the constants correctly', () => {
  const challenge = loadSchema('challenge');
  const response = loadSchema('response');
  /** A value inside schema JSON, which is untyped. */
  const at = (node: unknown, ...keys: string[]): unknown =>
    keys.reduce<unknown>(
      (n, k) => (n !== null && typeof n === 'object' ? (n as Record<string, unknown>)[k] : undefined),
      node,
    );

  test('challenge_id pattern', () => {
    const p = `^0x[0-9a-f]{${constants.CHALLENGE_ID_HEX_MIN},${constants.CHALLENGE_ID_HEX_MAX}}$`;
    expect(at(challenge, 'properties', 'challenge_id', 'pattern')).toBe(p);
    expect(at(response, 'properties', 'challenge_id', 'pattern')).toBe(p);
  });

  test('party id pattern', () => {
    expect(at(challenge, '$defs', 'PartyId', 'pattern')).toBe(`^[A-Za-z0-9_.:-]{1,${constants.PARTY_ID_MAX_LEN}}$`);
  });

  test('response window and version', () => {
    expect(at(challenge, 'properties', 'response_window_ms', 'minimum')).toBe(constants.RESPONSE_WINDOW_MIN_MS);
    expect(at(challenge, 'properties', 'response_window_ms', 'maximum')).toBe(constants.RESPONSE_WINDOW_MAX_MS);
    expect(at(challenge, 'properties', 'version', 'const')).toBe(constants.SPEC_VERSION);
  });
});
