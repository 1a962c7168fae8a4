// Where the shared fixtures are and what they must give. `shared/` is the repository's
// sibling (`<repo>/../shared`); NASH_SHARED_DIR overrides it for unusual checkouts.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const packageDir = path.resolve(__dirname, '..');
export const repoRoot = path.resolve(packageDir, '..', '..');
export const sharedDir = process.env.NASH_SHARED_DIR ?? path.resolve(repoRoot, '..', 'shared');
export const fixturesDir = path.join(sharedDir, 'fixtures');
export const invalidDir = path.join(fixturesDir, 'invalid');

export interface Expected {
  challenge_id: string;
  optimal_welfare: number;
  nash_utilities: Record<string, number>;
}

export interface Fixture {
  name: string;
  challengeText: string;
  expected: Expected;
}

/** Every `*.challenge.json` with its `*.expected.json`. */
export function fixtures(): Fixture[] {
  return fs
    .readdirSync(fixturesDir)
    .filter((f) => f.endsWith('.challenge.json'))
    .sort()
    .map((f) => {
      const name = f.replace(/\.challenge\.json$/, '');
      return {
        name,
        challengeText: fs.readFileSync(path.join(fixturesDir, f), 'utf8'),
        expected: JSON.parse(fs.readFileSync(path.join(fixturesDir, `${name}.expected.json`), 'utf8')) as Expected,
      };
    });
}

/**
 * The `{ code, path }` each shared invalid fixture must be refused with, by the rules of
 * `conformance/README.md` (one broken rule per file; its `_why` names it).
 */
export const INVALID_EXPECTATIONS: Record<string, { code: string; path: string }> = {
  'bad-challenge-id': { code: 'FORMAT', path: 'challenge_id' },
  'bad-constraint': { code: 'CONSTRAINT_SYNTAX', path: 'parties[0].constraints[0]' },
  'duplicate-id': { code: 'DUPLICATE_ID', path: 'parties[1].id' },
  'huge-number': { code: 'NOT_FINITE', path: 'parties[0].quantity.max' },
  'min-above-max': { code: 'RANGE', path: 'parties[0].quantity.min' },
  'missing-price': { code: 'MISSING', path: 'parties[0].price' },
  'negative-price': { code: 'RANGE', path: 'parties[1].price.min' },
  'no-parties': { code: 'RANGE', path: 'parties' },
  'string-ordering': { code: 'CONSTRAINT_ORDERING', path: 'parties[0].constraints[0]' },
  'swap-same-resource': { code: 'SWAP_SAME_RESOURCE', path: 'parties[0].get.resource' },
  'unknown-intent': { code: 'UNKNOWN_INTENT', path: 'parties[0].intent' },
  'version-2': { code: 'VERSION', path: 'version' },
};

export interface InvalidFixture {
  name: string;
  text: string;
}

export function invalidFixtures(): InvalidFixture[] {
  return fs
    .readdirSync(invalidDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      name: f.replace(/\.challenge\.json$|\.json$/, ''),
      text: fs.readFileSync(path.join(invalidDir, f), 'utf8'),
    }));
}

/** `conformance/shared-invalid.json` when the corpus has it (the lead's source of truth). */
export function conformanceInvalid(): Record<string, { code: string; path: string }> | undefined {
  const file = path.join(repoRoot, 'conformance', 'shared-invalid.json');
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, { code: string; path: string }>;
}

/** A response minus its self-reported time, which legitimately differs between runs. */
export function comparable<T extends { response_time_ms?: number }>(response: T): Omit<T, 'response_time_ms'> {
  const { response_time_ms: _ignored, ...rest } = response;
  return rest;
}

export const closeTo = (actual: number, expected: number, rel = 1e-6): boolean =>
  Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected));
