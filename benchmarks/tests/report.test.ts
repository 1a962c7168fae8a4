import {
  type CaseResult,
  checkAgreement,
  evaluateBudgets,
  markdownTable,
  type Report,
  validateReport,
} from '../src/report';
import { percentile, relDiff, timeRuns } from '../src/stats';

function c(
  cls: string,
  size: string,
  engine: CaseResult['engine'],
  stage: CaseResult['stage'],
  p50: number,
  p99 = p50,
): CaseResult {
  return { class: cls, size, parties: 40, edges: 140, engine, stage, p50_ms: p50, p99_ms: p99, runs: 100, welfare: 10 };
}

const passing: CaseResult[] = [
  c('plain', '20x20', 'nash', 'solve', 0.2, 0.9),
  c('plain', '100x100', 'nash', 'solve', 2, 4.9),
  c('plain', '300x300', 'nash', 'solve', 20, 49),
  c('plain', '100x100', 'nash', 'welfare', 0.5),
  c('plain', '100x100', 'highs', 'welfare', 10),
];

describe('budgets', () => {
  it('hold when every limit is met (strictly below for times, at least for the ratio)', () => {
    const b = evaluateBudgets(passing);
    expect(b).toHaveLength(4);
    expect(b.every((x) => x.ok)).toBe(true);
    expect(b[3]?.actual).toBeCloseTo(20, 12);
  });

  it('break when a p99 reaches its limit or the ratio falls short', () => {
    const slow = passing.map((x) => (x.size === '20x20' ? { ...x, p99_ms: 1 } : x));
    expect(evaluateBudgets(slow).map((b) => b.ok)).toEqual([false, true, true, true]);
    const weak = passing.map((x) => (x.engine === 'highs' ? { ...x, p50_ms: 9.99 } : x));
    expect(evaluateBudgets(weak).map((b) => b.ok)).toEqual([true, true, true, false]);
  });

  it('break, not skip, when a case was not measured', () => {
    const b = evaluateBudgets(passing.filter((x) => x.size !== '300x300'));
    expect(b[2]).toMatchObject({ ok: false, actual: null, note: 'not measured' });
    expect(evaluateBudgets([]).every((x) => !x.ok)).toBe(true);
  });
});

describe('W* agreement', () => {
  it('accepts differences up to 1e-6 relative and refuses more', () => {
    expect(checkAgreement('plain', '5x5', { nash: 1000, highs: 1000 + 9e-4, lemon: 1000 }).ok).toBe(true);
    expect(checkAgreement('plain', '5x5', { nash: 1000, highs: 1000.002 }).ok).toBe(false);
  });

  it('needs two engines and finite values', () => {
    expect(checkAgreement('plain', '5x5', { highs: 5 }).ok).toBe(false);
    expect(checkAgreement('plain', '5x5', { highs: Number.NaN, lemon: 5 }).ok).toBe(false);
  });
});

function report(cases: CaseResult[]): Report {
  return {
    schema: 'nash-bench/1',
    mode: 'full',
    seed: 1,
    generated_at: '2026-01-01T00:00:00.000Z',
    machine: { cpu_model: 'cpu', cores: 2, node: 'v20', rustc: null, platform: 'linux-x64', load_avg_1m: 0.5 },
    highs: { input_path: 'LP text', sparse_path: 'sparse', load_ms: 40 },
    nash_engine: { available: true },
    cases,
    agreement: [checkAgreement('plain', '20x20', { nash: 10, highs: 10 })],
    budgets: evaluateBudgets(cases),
    errors: [],
    ok: true,
  };
}

describe('report', () => {
  it('validates a well-formed report', () => {
    expect(validateReport(report(passing))).toEqual([]);
  });

  it('names what is wrong in a malformed one', () => {
    const r = report(passing) as unknown as Record<string, unknown>;
    expect(validateReport({ ...r, schema: 'x' })).toContain('schema');
    expect(validateReport({ ...r, cases: [{ ...passing[0], p50_ms: Number.NaN }] })).toContain('cases[0] numbers');
    expect(validateReport({ ...r, cases: [{ ...passing[0], engine: 'gurobi' }] })).toContain('cases[0].engine');
    expect(validateReport({ ...r, cases: [{ ...passing[0], p50_ms: 2, p99_ms: 1 }] })).toContain(
      'cases[0] runs/percentiles',
    );
    expect(validateReport(null)).toEqual(['report is not an object']);
  });

  it('prints the table with ratios, anchors and budgets', () => {
    const table = markdownTable(report([...passing, c('plain', '100x100', 'lemon', 'welfare', 0.25)]));
    const row = table.split('\n').find((l) => l.startsWith('| plain | 100x100 '));
    expect(row).toContain('| 20× |'); // HiGHS ÷ NASH welfare
    expect(row).toContain('| 2.0× |'); // NASH welfare ÷ LEMON
    expect(row).toContain('0.167 / 16'); // anchors from solver-ideas.md
    expect(table).toContain('| settlement p99 plain 20x20 | < 1 ms | 0.900 ms | yes |');
    expect(table).toContain('W* agreement: 1/1');
  });
});

describe('stats', () => {
  it('takes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([3], 99)).toBe(3);
    expect(() => percentile([], 50)).toThrow();
  });

  it('runs at least minRuns and at most maxRuns', () => {
    let calls = 0;
    const s = timeRuns({ warmup: 2, minRuns: 5, maxRuns: 7, budgetMs: 1e9 }, () => {
      calls++;
    });
    expect(s).toHaveLength(7);
    expect(calls).toBe(9);
    expect(timeRuns({ warmup: 0, minRuns: 3, maxRuns: 100, budgetMs: 0 }, () => {})).toHaveLength(3);
  });

  it('measures relative differences like the spec tolerances', () => {
    expect(relDiff(1e6, 1e6 + 1)).toBeCloseTo(1 / (1e6 + 1), 15);
    expect(relDiff(0, 1e-7)).toBeCloseTo(1e-7, 15);
  });
});
