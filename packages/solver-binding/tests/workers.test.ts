// Concurrency: the addon loaded in 8 worker_threads at once, and in a tinypool pool, solving
// the fixtures concurrently, gives exactly the single-threaded answers.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as binding from '../lib';
import { comparable, fixtures } from './helpers';

const texts = fixtures().map((f) => f.challengeText);
const reference = texts.map((text) => comparable(binding.solveSync(text)));

interface WorkerResult {
  response: unknown;
  q: number;
}

function runWorker(rounds: number): Promise<WorkerResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'workers', 'solve-worker.js'), { workerData: { texts, rounds } });
    worker.once('message', (message: WorkerResult[] | { error: string }) => {
      if ('error' in message) reject(new Error(message.error));
      else resolve(message);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with ${code}`));
    });
  });
}

test('8 worker threads solving concurrently agree with the main thread', async () => {
  const rounds = 4;
  const perWorker = await Promise.all(Array.from({ length: 8 }, () => runWorker(rounds)));
  for (const results of perWorker) {
    expect(results).toHaveLength(rounds * texts.length);
    results.forEach((result, i) => {
      expect(result.response).toEqual(reference[i % texts.length]);
      expect(result.q).toBe(1);
    });
  }
}, 120_000);

test('a tinypool pool solving concurrently agrees with the main thread', () => {
  const rounds = 3;
  const script = path.join(__dirname, 'workers', 'tinypool-run.mjs');
  const out = execFileSync(process.execPath, [script, String(rounds)], {
    input: JSON.stringify(texts),
    encoding: 'utf8',
  });
  const responses = JSON.parse(out) as unknown[];
  expect(responses).toHaveLength(rounds * texts.length);
  responses.forEach((response, i) => {
    expect(response).toEqual(reference[i % texts.length]);
  });
}, 120_000);

test('the main thread keeps working while workers load and unload the addon', async () => {
  const [mine] = await Promise.all([Promise.all(texts.map((t) => binding.solve(t))), runWorker(1), runWorker(1)]);
  expect(mine.map((r) => comparable(r))).toEqual(reference);
}, 120_000);
