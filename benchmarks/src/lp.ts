/**
 * CPLEX LP text of a welfare problem, the input HiGHS reads through `solve(lpString)`.
 * All-or-nothing minimums become a binary per leg (min·y ≤ Σx ≤ cap·y), swap ratios a row.
 */
import type { WelfareProblem } from './welfare';

/** Terms per line: long expressions continue on the next line, which the LP format allows. */
const TERMS_PER_LINE = 8;

/** Shortest round-trip decimal (HiGHS's LP reader also accepts the exponent form JS may print). */
function num(x: number): string {
  return String(x);
}

function expr(terms: [number, string][]): string {
  const parts: string[] = [];
  terms.forEach(([coef, name], i) => {
    const sign = coef < 0 ? '-' : '+';
    const mag = Math.abs(coef);
    const body = mag === 1 ? name : `${num(mag)} ${name}`;
    parts.push(i === 0 ? (coef < 0 ? `- ${body}` : body) : `${sign} ${body}`);
  });
  const lines: string[] = [];
  for (let i = 0; i < parts.length; i += TERMS_PER_LINE) lines.push(parts.slice(i, i + TERMS_PER_LINE).join(' '));
  return lines.join('\n   ');
}

export interface LpModel {
  text: string;
  variables: number;
  rows: number;
  binaries: number;
}

export function toLpText(p: WelfareProblem): LpModel {
  const byLeg: [number, string][][] = p.legs.map(() => []);
  const objective: [number, string][] = [];
  p.edges.forEach((e, i) => {
    const x = `x${i}`;
    if (e.surplus !== 0) objective.push([e.surplus, x]);
    byLeg[e.supply]?.push([1, x]);
    byLeg[e.demand]?.push([1, x]);
  });
  const rows: string[] = [];
  const binaries: string[] = [];
  p.legs.forEach((leg, k) => {
    const terms = byLeg[k] ?? [];
    if (terms.length === 0) return;
    if (leg.min > 0) {
      const y = `y${k}`;
      binaries.push(y);
      rows.push(` u${k}: ${expr([...terms, [-leg.capacity, y]])} <= 0`);
      rows.push(` l${k}: ${expr([...terms, [-leg.min, y]])} >= 0`);
    } else {
      rows.push(` c${k}: ${expr(terms)} <= ${num(leg.capacity)}`);
    }
  });
  p.ratios.forEach((r, k) => {
    const give = byLeg[r.give] ?? [];
    const get = byLeg[r.get] ?? [];
    if (give.length === 0) return;
    const terms: [number, string][] = [...give, ...get.map(([c, x]): [number, string] => [-r.ratio * c, x])];
    rows.push(` r${k}: ${expr(terms)} <= 0`);
  });
  // An objective needs at least one term; with no positive surplus, W* = 0 and any x0 is fine.
  const obj = objective.length > 0 ? expr(objective) : p.edges.length > 0 ? '0 x0' : '0 z';
  const text = [
    'Maximize',
    ` obj: ${obj}`,
    'Subject To',
    ...(rows.length > 0 ? rows : [' c: 0 z <= 0']),
    ...(binaries.length > 0 ? ['Binary', ...binaries.map((b) => ` ${b}`)] : []),
    'End',
    '',
  ].join('\n');
  return { text, variables: p.edges.length + binaries.length, rows: rows.length, binaries: binaries.length };
}
