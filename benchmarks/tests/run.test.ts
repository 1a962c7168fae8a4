import { join } from 'node:path';
import { validateReport } from '../src/report';
import { runBench, solvePlan } from '../src/run';

describe('runBench (smoke, one small case)', () => {
  it('fails the run when NASH disagrees with HiGHS and LEMON on W*, and still writes a valid report', async () => {
    // The stand-in claims W* = 12.5 for every challenge: the cross-check must catch it.
    const report = await runBench({
      mode: 'smoke',
      seed: 1,
      classes: ['plain'],
      sizes: [{ sellers: 5, buyers: 5 }],
      bindingModule: join(__dirname, 'fake', 'binding-ms.js'),
    });
    expect(validateReport(report)).toEqual([]);
    expect(report.ok).toBe(false);
    expect(report.agreement).toHaveLength(1);
    const a = report.agreement[0];
    expect(a?.ok).toBe(false);
    expect(a?.welfare.nash).toBe(12.5);
    // HiGHS (both paths) and LEMON agree with each other.
    expect(Math.abs((a?.welfare.highs ?? 0) - (a?.welfare.lemon ?? -1))).toBeLessThan(1e-6);
    expect(report.errors.some((e) => e.includes('W* not agreed'))).toBe(true);
    const stages = new Set(report.cases.map((c) => `${c.engine}:${c.stage}`));
    for (const s of [
      'nash:solve',
      'nash:solve-object',
      'nash:welfare',
      'nash:napi-overhead',
      'nash:verify',
      'nash:verify-no-cert',
      'nash:napi-noop',
    ]) {
      expect(stages).toContain(s);
    }
    for (const s of ['highs:welfare', 'highs:welfare-sparse', 'lemon:welfare']) expect(stages).toContain(s);
    // The stand-in accepts its own response with and without the certificate; smoke has no budgets.
    expect(report.errors.some((e) => e.includes('fails verify'))).toBe(false);
    expect(report.budgets).toEqual([]);
  }, 60_000);
});

describe('solve runs', () => {
  it('take at least 100 runs where a p99 budget judges the case, so its p99 is not one maximum', () => {
    for (const size of ['20x20', '100x100', '300x300']) expect(solvePlan('full', 'plain', size).minRuns).toBe(100);
    expect(solvePlan('full', 'plain', '50x50').minRuns).toBeLessThan(100);
    expect(solvePlan('full', 'constrained', '300x300').minRuns).toBeLessThan(100);
    // The budget still ends a fast case's runs; only the floor moves.
    expect(solvePlan('full', 'plain', '300x300').budgetMs).toBe(solvePlan('full', 'plain', '50x50').budgetMs);
  });
});
