// Runs the challenges (JSON array of texts on stdin) through a tinypool pool — the pool the
// daemons use — `rounds` times each, concurrently, and prints the responses as JSON in input
// order. A separate process because tinypool is an ES module, which jest's CommonJS runtime
// cannot load.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Tinypool from 'tinypool';

const texts = JSON.parse(readFileSync(0, 'utf8'));
const rounds = Number(process.argv[2] ?? '3');
const pool = new Tinypool({
  filename: fileURLToPath(new URL('./pool-task.js', import.meta.url)),
  minThreads: 4,
  maxThreads: 4,
});
const jobs = [];
for (let round = 0; round < rounds; round++) for (const text of texts) jobs.push(pool.run({ text }));
const responses = await Promise.all(jobs);
await pool.destroy();
process.stdout.write(JSON.stringify(responses));
