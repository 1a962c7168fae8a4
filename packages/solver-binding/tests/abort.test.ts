// AbortSignal: aborted before the call, right after it (queued work is cancelled), and while
// the engine runs (the result is discarded); an untouched signal changes nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as binding from '../lib';
import { fixturesDir } from './helpers';

const { generateChallenge } = require('../scripts/gen-challenge.js') as {
  generateChallenge: (o: { buyers: number; sellers: number; seed: number; lotShare?: number }) => object;
};

const seedText = fs.readFileSync(path.join(fixturesDir, 'seed-three-party.challenge.json'), 'utf8');
// Big enough that a solve is still running a few milliseconds after it started.
const bigText = JSON.stringify(generateChallenge({ buyers: 100, sellers: 100, seed: 7, lotShare: 0.05 }));

async function rejection(promise: Promise<unknown>): Promise<{ name?: string; code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { name?: string; code?: string };
  }
  throw new Error('expected a rejection');
}

test('a signal aborted before the call rejects without running the engine', async () => {
  const controller = new AbortController();
  controller.abort();
  const started = performance.now();
  expect(await rejection(binding.solve(bigText, { signal: controller.signal }))).toMatchObject({
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
  expect(await rejection(binding.verify(seedText, ['{}'], { signal: controller.signal }))).toMatchObject({
    name: 'AbortError',
  });
  expect(performance.now() - started).toBeLessThan(50);
});

test('the raw binding rejects with AbortError when aborted right after the call', async () => {
  const controller = new AbortController();
  const promise = binding.native.solve(seedText, undefined, controller.signal);
  controller.abort();
  expect((await rejection(promise)).name).toBe('AbortError');
});

test('the raw binding rejects with AbortError when aborted while the engine runs', async () => {
  const times = [0, 1].map(() => {
    const started = performance.now();
    binding.native.solveSync(bigText);
    return performance.now() - started;
  });
  const solveMs = Math.min(...times);
  const controller = new AbortController();
  const started = performance.now();
  const promise = binding.native.solve(bigText, undefined, controller.signal);
  // Past the queue and into the engine, but well before it finishes.
  setTimeout(() => controller.abort(), Math.max(1, solveMs / 4));
  expect(await rejection(promise)).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
  // The rejection came when the engine finished (its result discarded), not at the abort:
  // the work was running, so napi-rs could not cancel it.
  expect(performance.now() - started).toBeGreaterThan(solveMs / 2);
});

test('the wrapper rejects as soon as the signal fires, not when the engine finishes', async () => {
  const controller = new AbortController();
  const promise = binding.solve(bigText, { signal: controller.signal });
  const firedAt = performance.now();
  controller.abort(new Error('shutting down'));
  const error = (await rejection(promise)) as { name?: string; cause?: unknown };
  expect(error.name).toBe('AbortError');
  expect(error.cause).toEqual(new Error('shutting down'));
  expect(performance.now() - firedAt).toBeLessThan(50);
});

test('an untouched signal changes nothing, and one signal can serve several calls', async () => {
  const controller = new AbortController();
  const response = binding.solveSync(seedText);
  const [a, b] = await Promise.all([
    binding.solve(seedText, { signal: controller.signal }),
    binding.verify(seedText, [response], { signal: controller.signal }),
  ]);
  expect(a.welfare).toBeCloseTo(165, 6);
  expect(b[0]?.q).toBe(1);
});
