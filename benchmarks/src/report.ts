/**
 * The benchmark's result document (results/latest.json), its budgets and its markdown table.
 * Pure functions only: budget logic and the schema check are unit-tested without timing.
 */
import { ANCHORS_MS, NAPI_NOOP_ANCHOR_NS } from './anchors';
import { relDiff } from './stats';

export type Engine = 'nash' | 'highs' | 'lemon';
/**
 * `solve`: one full call, the response as the engine's text; `solve-object`: the same call
 * through the package's `solveSync`, parsed into JS objects; `parse`…`response`,
 * `stages-total`: the engine's own stage timings;
 * `napi-overhead`: binding solve minus in-Rust stage total; `verify`, `verify-no-cert`: per
 * response, with throughput.
 */
export type Stage =
  | 'solve'
  | 'solve-object'
  | 'parse'
  | 'edges'
  | 'welfare'
  | 'nash'
  | 'response'
  | 'stages-total'
  | 'napi-overhead'
  | 'verify'
  | 'verify-no-cert'
  /** HiGHS through a persistent sparse model instead of LP text (LP classes only). */
  | 'welfare-sparse'
  /** One empty N-API call (class `-`, size `-`), beside the anchor's 11 ns. */
  | 'napi-noop';

export interface CaseResult {
  class: string;
  size: string;
  parties: number;
  edges: number;
  engine: Engine;
  stage: Stage;
  p50_ms: number;
  p99_ms: number;
  runs: number;
  welfare: number | null;
  throughput_per_s?: number;
}

export interface Agreement {
  class: string;
  size: string;
  welfare: Partial<Record<Engine, number>>;
  max_rel_diff: number;
  ok: boolean;
  /** Why `ok` is false when no comparison was possible. */
  note?: string;
}

export interface Budget {
  name: string;
  /** `<`: actual must be below the limit; `>=`: at least the limit. */
  comparison: '<' | '>=';
  limit: number;
  unit: string;
  actual: number | null;
  ok: boolean;
  note?: string;
}

export interface Machine {
  cpu_model: string;
  cores: number;
  node: string;
  rustc: string | null;
  platform: string;
  /** 1-minute load average when the run started: above `cores`, times include waiting for a CPU. */
  load_avg_1m: number;
}

export interface Report {
  schema: 'nash-bench/1';
  mode: 'full' | 'smoke';
  seed: number;
  generated_at: string;
  machine: Machine;
  highs: { input_path: string; sparse_path: string; load_ms: number };
  nash_engine: { available: boolean; reason?: string };
  cases: CaseResult[];
  agreement: Agreement[];
  budgets: Budget[];
  errors: string[];
  ok: boolean;
}

/** W* must agree across engines to this relative tolerance (the issue's 1e-6). */
export const AGREEMENT_TOL = 1e-6;

export function findCase(cases: readonly CaseResult[], cls: string, size: string, engine: Engine, stage: Stage) {
  return cases.find((c) => c.class === cls && c.size === size && c.engine === engine && c.stage === stage);
}

interface BudgetSpec {
  name: string;
  comparison: '<' | '>=';
  limit: number;
  unit: string;
  actual: (cases: readonly CaseResult[]) => number | null;
}

/** Whole-settlement p99 budgets (ms) of the plain class, by size. */
const SETTLEMENT_BUDGETS = [
  ['20x20', 1],
  ['100x100', 5],
  ['300x300', 50],
] as const;

/** Whether a case's solve p99 is judged against a budget (so it needs a real p99, not a maximum). */
export function isSettlementBudgetCase(cls: string, size: string): boolean {
  return cls === 'plain' && SETTLEMENT_BUDGETS.some(([s]) => s === size);
}

/** The issue's budgets: full settlement p99 (plain class) and the welfare stage against HiGHS. */
export const BUDGETS: readonly BudgetSpec[] = [
  ...SETTLEMENT_BUDGETS.map(
    ([size, limit]): BudgetSpec => ({
      name: `settlement p99 plain ${size}`,
      comparison: '<',
      limit,
      unit: 'ms',
      actual: (cases) => findCase(cases, 'plain', size, 'nash', 'solve')?.p99_ms ?? null,
    }),
  ),
  {
    name: 'welfare stage speed-up over highs plain 100x100 (p50 ratio, faster highs path)',
    comparison: '>=',
    limit: 20,
    unit: '×',
    actual: (cases) => {
      const text = findCase(cases, 'plain', '100x100', 'highs', 'welfare');
      const sparse = findCase(cases, 'plain', '100x100', 'highs', 'welfare-sparse');
      const n = findCase(cases, 'plain', '100x100', 'nash', 'welfare');
      if (!text || !n) return null;
      // Against the faster of HiGHS's two input paths: the stricter reading of "faster than highs".
      const h = Math.min(text.p50_ms, sparse?.p50_ms ?? Number.POSITIVE_INFINITY);
      // A stage below the timer's resolution would divide by zero; it is then at least this fast.
      return h / Math.max(n.p50_ms, 1e-6);
    },
  },
];

/** Evaluate every budget; one that cannot be measured (case missing) is broken, not skipped. */
export function evaluateBudgets(cases: readonly CaseResult[]): Budget[] {
  return BUDGETS.map((b) => {
    const actual = b.actual(cases);
    if (actual === null)
      return {
        name: b.name,
        comparison: b.comparison,
        limit: b.limit,
        unit: b.unit,
        actual,
        ok: false,
        note: 'not measured',
      };
    const ok = b.comparison === '<' ? actual < b.limit : actual >= b.limit;
    return { name: b.name, comparison: b.comparison, limit: b.limit, unit: b.unit, actual, ok };
  });
}

/** Compare the optima of one instance; the first engine listed is the reference. */
export function checkAgreement(cls: string, size: string, welfare: Partial<Record<Engine, number>>): Agreement {
  const values = Object.values(welfare).filter((v): v is number => typeof v === 'number');
  let maxRel = 0;
  for (const a of values) {
    for (const b of values) {
      maxRel = Math.max(maxRel, relDiff(a, b));
    }
  }
  const finite = values.every(Number.isFinite);
  const ok = values.length >= 2 && finite && maxRel <= AGREEMENT_TOL;
  const note =
    values.length < 2 ? 'not cross-checked: fewer than two engines' : finite ? undefined : 'non-finite optimum';
  return { class: cls, size, welfare, max_rel_diff: maxRel, ok, ...(note ? { note } : {}) };
}

/** Structural check of a report (used by the tests and before writing latest.json). */
export function validateReport(r: unknown): string[] {
  const errs: string[] = [];
  const o = r as Partial<Report> | null;
  if (!o || typeof o !== 'object') return ['report is not an object'];
  if (o.schema !== 'nash-bench/1') errs.push('schema');
  if (o.mode !== 'full' && o.mode !== 'smoke') errs.push('mode');
  const m = o.machine;
  if (!m || typeof m.cpu_model !== 'string' || !Number.isInteger(m.cores) || typeof m.node !== 'string')
    errs.push('machine');
  if (m && m.rustc !== null && typeof m.rustc !== 'string') errs.push('machine.rustc');
  if (!Array.isArray(o.cases)) errs.push('cases');
  else
    o.cases.forEach((c, i) => {
      const numbers = [c.p50_ms, c.p99_ms, c.parties, c.edges, c.runs];
      if (typeof c.class !== 'string' || typeof c.size !== 'string') errs.push(`cases[${i}].class/size`);
      if (!['nash', 'highs', 'lemon'].includes(c.engine)) errs.push(`cases[${i}].engine`);
      if (typeof c.stage !== 'string') errs.push(`cases[${i}].stage`);
      if (!numbers.every((x) => typeof x === 'number' && Number.isFinite(x))) errs.push(`cases[${i}] numbers`);
      if (c.welfare !== null && typeof c.welfare !== 'number') errs.push(`cases[${i}].welfare`);
      if (c.runs < 1 || c.p99_ms < c.p50_ms) errs.push(`cases[${i}] runs/percentiles`);
    });
  if (!Array.isArray(o.budgets)) errs.push('budgets');
  else
    o.budgets.forEach((b, i) => {
      if (typeof b.name !== 'string' || typeof b.limit !== 'number' || typeof b.ok !== 'boolean')
        errs.push(`budgets[${i}]`);
      if (b.actual !== null && typeof b.actual !== 'number') errs.push(`budgets[${i}].actual`);
    });
  if (!Array.isArray(o.agreement)) errs.push('agreement');
  if (typeof o.ok !== 'boolean') errs.push('ok');
  return errs;
}

function ms(x: number | undefined): string {
  if (x === undefined) return '–';
  if (x >= 100) return x.toFixed(0);
  if (x >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b <= 0 || !Number.isFinite(a)) return '–';
  const r = a / b;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}×`;
}

/** The terminal table: one row per class and size, times in ms (p50 unless said). */
export function markdownTable(report: Report): string {
  const rows: string[] = [];
  rows.push(
    '| class | size | edges | NASH solve p50 / p99 | as objects p50 / p99 | welfare | Nash | N-API+data | verify/s cert / no cert | HiGHS LP text / sparse | LEMON | HiGHS ÷ NASH welfare | NASH welfare ÷ LEMON | anchors LEMON / HiGHS |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  const keys: [string, string][] = [];
  for (const c of report.cases)
    if (c.stage !== 'napi-noop' && !keys.some(([k, s]) => k === c.class && s === c.size)) keys.push([c.class, c.size]);
  for (const [cls, size] of keys) {
    const get = (engine: Engine, stage: Stage) => findCase(report.cases, cls, size, engine, stage);
    const solve = get('nash', 'solve');
    const asObjects = get('nash', 'solve-object');
    const welfare = get('nash', 'welfare');
    const highs = get('highs', 'welfare');
    const sparse = get('highs', 'welfare-sparse');
    const lemon = get('lemon', 'welfare');
    const edges = (solve ?? highs ?? lemon)?.edges;
    const vc = get('nash', 'verify')?.throughput_per_s;
    const vn = get('nash', 'verify-no-cert')?.throughput_per_s;
    const anchor = cls === 'plain' ? ANCHORS_MS[size] : undefined;
    rows.push(
      `| ${cls} | ${size} | ${edges ?? '–'} | ${solve ? `${ms(solve.p50_ms)} / ${ms(solve.p99_ms)}` : '–'} | ${asObjects ? `${ms(asObjects.p50_ms)} / ${ms(asObjects.p99_ms)}` : '–'} | ${ms(welfare?.p50_ms)} | ${ms(get('nash', 'nash')?.p50_ms)} | ${ms(get('nash', 'napi-overhead')?.p50_ms)} | ${vc !== undefined ? `${vc.toFixed(0)} / ${vn?.toFixed(0) ?? '–'}` : '–'} | ${ms(highs?.p50_ms)} / ${ms(sparse?.p50_ms)} | ${ms(lemon?.p50_ms)} | ${ratio(Math.min(highs?.p50_ms ?? Number.POSITIVE_INFINITY, sparse?.p50_ms ?? Number.POSITIVE_INFINITY), welfare?.p50_ms)} | ${ratio(welfare?.p50_ms, lemon?.p50_ms)} | ${anchor ? `${anchor.lemon} / ${anchor.highs}` : '–'} |`,
    );
  }
  const out = [rows.join('\n')];
  if (report.budgets.length > 0) {
    out.push(
      '',
      '| budget | limit | actual | ok |',
      '|---|---:|---:|---|',
      ...report.budgets.map(
        (b) =>
          `| ${b.name} | ${b.comparison} ${b.limit} ${b.unit} | ${b.actual === null ? (b.note ?? '–') : `${b.actual.toFixed(3)} ${b.unit}`} | ${b.ok ? 'yes' : 'NO'} |`,
      ),
    );
  }
  const noop = report.cases.find((c) => c.stage === 'napi-noop');
  if (noop)
    out.push('', `N-API empty call: ${(noop.p50_ms * 1e6).toFixed(1)} ns p50 (anchor ${NAPI_NOOP_ANCHOR_NS} ns)`);
  const bad = report.agreement.filter((a) => !a.ok);
  out.push(
    '',
    `W* agreement: ${report.agreement.length - bad.length}/${report.agreement.length} instances within ${AGREEMENT_TOL} (relative)`,
  );
  for (const a of bad) {
    const why = a.note ?? `rel ${a.max_rel_diff.toExponential(2)}`;
    out.push(`  NOT AGREED ${a.class} ${a.size}: ${JSON.stringify(a.welfare)} (${why})`);
  }
  return out.join('\n');
}
