// Measures how data crosses the N-API boundary, for the README's table:
//   node scripts/data-path.js [buyers] [sellers]
// Needs a built addon (`npm run build`). Each figure is the median of 15 batches after warm-up.
const binding = require('../lib');
const { generateChallenge } = require('./gen-challenge.js');

const native = binding.native;
const buyers = Number(process.argv[2] ?? 100);
const sellers = Number(process.argv[3] ?? 100);

function measure(fn, minMs = 40) {
  for (let i = 0; i < 50; i++) fn();
  let n = 1;
  for (;;) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    if (Number(process.hrtime.bigint() - t) / 1e6 >= minMs) break;
    n *= 2;
  }
  const samples = [];
  for (let b = 0; b < 15; b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[7]; // ns per call
}

const fmt = (ns) =>
  ns < 1e3 ? `${ns.toFixed(0)} ns` : ns < 1e6 ? `${(ns / 1e3).toFixed(1)} µs` : `${(ns / 1e6).toFixed(2)} ms`;

const challenge = generateChallenge({ buyers, sellers, seed: 1 });
const challengeText = JSON.stringify(challenge);
let responseText;
try {
  responseText = native.solveSync(challengeText);
} catch (error) {
  console.error(`solve failed (${error.message}); using the challenge as the payload`);
  responseText = challengeText;
}
const response = JSON.parse(responseText);
const jsNoop = () => undefined;

const rows = [
  ['empty call: JS function', measure(jsNoop)],
  ['empty call: N-API `probeNoop()`', measure(() => native.probeNoop())],
  [
    `challenge in (${(challengeText.length / 1024).toFixed(1)} KiB): string`,
    measure(() => native.probeParseOnly(challengeText)),
  ],
  ['challenge in: object → serde (`probeObjectToJson`)', measure(() => native.probeObjectToJson(challenge))],
  ['challenge in: JSON.stringify + string', measure(() => native.probeParseOnly(JSON.stringify(challenge)))],
  [
    `response out (${(responseText.length / 1024).toFixed(1)} KiB): string + JSON.parse`,
    measure(() => JSON.parse(native.probeEchoString(responseText))),
  ],
  ['response out: string only (no parse)', measure(() => native.probeEchoString(responseText))],
  ['response out: serde → JS object (`probeJsonToObject`)', measure(() => native.probeJsonToObject(responseText))],
  ['  of which Rust-side parse (`probeParseOnly`)', measure(() => native.probeParseOnly(responseText))],
  ['JSON.parse alone', measure(() => JSON.parse(responseText))],
];
if (responseText !== challengeText) {
  rows.push([`whole solveSync (${buyers}×${sellers})`, measure(() => native.solveSync(challengeText), 200)]);
}

/** ns per awaited call, median of 15 batches of `n` sequential calls. */
async function measureAsync(fn, n = 200) {
  for (let i = 0; i < 50; i++) await fn();
  const samples = [];
  for (let b = 0; b < 15; b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    samples.push(Number(process.hrtime.bigint() - t) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[7];
}

async function main() {
  const tiny = JSON.stringify(generateChallenge({ buyers: 2, sellers: 2, seed: 1 }));
  rows.push(['tiny solve (2×2): `solveSync`', measure(() => native.solveSync(tiny))]);
  rows.push([
    'tiny solve (2×2): `await solve` (AsyncTask on the libuv pool)',
    await measureAsync(() => native.solve(tiny)),
  ]);
  print();
}

function print() {
  console.log(
    `node ${process.versions.node}, ${process.platform}-${process.arch}; trades in response: ${response.settlement?.trades?.length ?? 'n/a'}`,
  );
  console.log('| path | time per call |');
  console.log('|---|---|');
  for (const [name, ns] of rows) console.log(`| ${name} | ${fmt(ns)} |`);
}

main();
