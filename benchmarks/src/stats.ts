/** Percentiles by nearest rank on the sorted samples (no interpolation: p99 of 100 runs is a real run). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export interface RunPlan {
  /** Unmeasured calls first (JIT, caches, page faults). */
  warmup: number;
  /** Runs taken even past the budget: keep it small, it is what a slow case costs. */
  minRuns: number;
  maxRuns: number;
  /** Stop after this much measured time once `minRuns` are in. */
  budgetMs: number;
}

/** Time `fn` under `plan`; returns the samples in ms. */
export function timeRuns(plan: RunPlan, fn: () => void): number[] {
  for (let i = 0; i < plan.warmup; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    // A call that alone takes a tenth of the budget is warm enough: do not burn minutes warming it.
    if (Number(process.hrtime.bigint() - t0) / 1e6 > plan.budgetMs / 10) break;
  }
  const samples: number[] = [];
  let spent = 0;
  while (samples.length < plan.maxRuns && (samples.length < plan.minRuns || spent < plan.budgetMs)) {
    const t0 = process.hrtime.bigint();
    fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    samples.push(ms);
    spent += ms;
  }
  return samples;
}

/** Relative difference as the spec measures gaps: |a − b| / max(1, |a|, |b|). */
export function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1, Math.abs(a), Math.abs(b));
}
