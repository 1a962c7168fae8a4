// Writes the benchmark's 300×300 constrained, lots and defer-swap markets (seed 1) next to this
// file, as `npx nx bench` generates them: the large markets with constraints and preferences,
// all-or-nothing legs and swap ratios that `side_constraint_markets.rs` solves and verifies.
// Deterministic; run from the repository root after `npx nx build benchmarks` with
// `node crates/solver-core/tests/data/benchmark-markets.mjs`.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { generateChallenge } = require('../../../../benchmarks/dist/generator.js');

for (const cls of ['constrained', 'lots', 'defer-swap']) {
  const challenge = generateChallenge(cls, { sellers: 300, buyers: 300 }, 1);
  const out = fileURLToPath(new URL(`bench-${cls}-300x300.challenge.json`, import.meta.url));
  writeFileSync(out, `${JSON.stringify(challenge)}\n`);
}
