// Writes ecmascript-numbers.tsv next to this file: doubles (as 16 hex digits of their bits) and
// JavaScript's own `String(x)` for each, the reference for canonical JSON numbers (RFC 8785
// uses ECMAScript Number::toString). Deterministic; run with `node ecmascript-numbers.mjs`.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const view = new DataView(new ArrayBuffer(8));
const bits = (x) => {
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
};
const fromBits = (b) => {
  view.setBigUint64(0, b);
  return view.getFloat64(0);
};

const values = [
  1e21, 1e-7, 1e-6, 9.999999999999999e20, 5e-324, Number.MAX_VALUE, Number.MIN_VALUE, 2.2250738585072014e-308,
  0.1, 0.3, 1 / 3, 2 ** 53, 1e16, 1.79, -1.5e-10, 123, 1658206780088562.25,
];
// xorshift64 over BigInt, fixed seed.
let s = 0x9e3779b97f4a7c15n;
const mask = (1n << 64n) - 1n;
const next = () => {
  s ^= (s << 13n) & mask;
  s ^= s >> 7n;
  s ^= (s << 17n) & mask;
  return s;
};
for (let i = 0; i < 2000; i++) {
  const x = fromBits(next());
  if (Number.isFinite(x) && x !== 0) values.push(x);
  // Prices and quantities: short decimals.
  values.push(Number(next() % 10000000n) / 10000);
  // Halfway cases between two shortest candidates: integers plus a quarter near 2^50..2^53.
  values.push(2 ** (50 + Number(next() % 3n)) + Number(next() % 1000000n) + 0.25);
}
const lines = values.filter((x) => x !== 0).map((x) => `${bits(x)}\t${String(x)}`);
writeFileSync(fileURLToPath(new URL('ecmascript-numbers.tsv', import.meta.url)), `${lines.join('\n')}\n`);
