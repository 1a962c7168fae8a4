// The JS error contract: `code` and `path` on every engine error, the message shape, and the
// line between an invalid challenge (an error) and an invalid response (a verdict).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as binding from '../lib';
import { fixturesDir } from './helpers';

const { generateChallenge } = require('../scripts/gen-challenge.js') as {
  generateChallenge: (o: { buyers: number; sellers: number; seed: number }) => object;
};

const seedText = fs.readFileSync(path.join(fixturesDir, 'seed-three-party.challenge.json'), 'utf8');

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

test('text that is not JSON is INVALID_JSON at $', () => {
  const error = caught(() => binding.solveSync('{"version": 1,'));
  // Built in the addon's realm, so `instanceof` the test realm's Error would be false.
  expect(Object.prototype.toString.call(error)).toBe('[object Error]');
  expect(binding.isNashError(error)).toBe(true);
  expect(error).toMatchObject({ code: 'INVALID_JSON', path: '$' });
  expect((error as Error).message).toMatch(/^INVALID_JSON at \$: /);
});

test('the raw binding throws the same error objects as the wrapper', () => {
  const error = caught(() => binding.native.validate('[]'));
  expect(binding.isNashError(error)).toBe(true);
  expect((error as { code: string }).code).toBe('TYPE');
});

test('a document over 1 MiB is TOO_LARGE', () => {
  const challenge = JSON.parse(seedText);
  challenge.padding = 'x'.repeat(1024 * 1024);
  expect(caught(() => binding.validate(challenge))).toMatchObject({ code: 'TOO_LARGE' });
});

test('a valid challenge validates', () => {
  expect(binding.validate(seedText)).toBeUndefined();
  expect(binding.validate(JSON.parse(seedText))).toBeUndefined();
});

test('a challenge that is not an object, text or Buffer is a TypeError before the engine', () => {
  expect(() => binding.solveSync(42 as unknown as object)).toThrow(TypeError);
  return expect(binding.solve(null as unknown as object)).rejects.toThrow(TypeError);
});

test('bad responses are verdicts, not errors', async () => {
  const good = binding.solveSync(seedText);
  const otherChallenge = { ...good, challenge_id: '0xdeadbeef' };
  const tampered = { ...good, welfare: good.welfare + 1 };
  const verdicts = await binding.verify(seedText, ['not json', '{}', otherChallenge, tampered, good]);
  expect(verdicts.map((v) => v.valid)).toEqual([false, false, false, false, true]);
  expect(verdicts.map((v) => v.q)).toEqual([0, 0, 0, 0, 1]);
  for (const v of verdicts.slice(0, 4)) expect(v.errors.length).toBeGreaterThan(0);
});

test('a timeout shorter than the solve is DEADLINE_EXCEEDED at response_window_ms', () => {
  const big = generateChallenge({ buyers: 200, sellers: 200, seed: 3 });
  const started = performance.now();
  expect(caught(() => binding.solveSync(big, { timeoutMs: 5 }))).toMatchObject({
    code: 'DEADLINE_EXCEEDED',
    path: 'response_window_ms',
  });
  expect(performance.now() - started).toBeLessThan(5_000);
});

test('isNashError is false for other errors', () => {
  expect(binding.isNashError(new Error('x'))).toBe(false);
  expect(binding.isNashError({ code: 'RANGE', path: '$' })).toBe(false);
});
