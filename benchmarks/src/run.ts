/**
 * One benchmark run: every class and size, every engine, on the same generated instances.
 */
import { execFileSync } from 'node:child_process';
import { arch, cpus, loadavg, platform } from 'node:os';
import {
  type BenchClass,
  CLASSES,
  FULL_SIZES,
  generateChallenge,
  type Size,
  SMOKE_SIZES,
  sizeLabel,
} from './generator';
import { HIGHS_INPUT_PATH, HIGHS_SPARSE_PATH, loadHighs, solveLp, solveSparse, toSparseModel } from './highs';
import { buildLemonHarness, runLemon, toLemonText } from './lemon';
import { toLpText } from './lp';
import {
  loadNashEngine,
  type NashEngine,
  responseObject,
  type StageProfile,
  stripCertificate,
  type Verdict,
} from './nash';
import { Progress } from './progress';
import {
  type Agreement,
  type CaseResult,
  checkAgreement,
  type Engine,
  evaluateBudgets,
  isSettlementBudgetCase,
  type Machine,
  type Report,
  type Stage,
} from './report';
import { percentile, type RunPlan, timeRuns } from './stats';
import { buildWelfareProblem, isTransportation } from './welfare';

export interface BenchOptions {
  mode: 'full' | 'smoke';
  seed: number;
  classes?: readonly BenchClass[];
  sizes?: readonly Size[];
  /** The binding to load (tests pass a stand-in). */
  bindingModule?: string;
}

interface Plans {
  nash: RunPlan;
  /** Solve runs at least, on the cases a p99 budget judges: by nearest rank, the p99 of fewer
   * than 100 runs is their maximum, one stall of the host. */
  budgetRuns: number;
  profile: RunPlan;
  verify: RunPlan;
  highs: RunPlan;
  lemonRuns: (edges: number) => number;
}

/** Run counts: p99 needs ≥ 100 runs to be more than the maximum, so fast cases get many. */
const PLANS: Record<'full' | 'smoke', Plans> = {
  full: {
    nash: { warmup: 5, minRuns: 3, maxRuns: 2000, budgetMs: 1500 },
    budgetRuns: 100,
    profile: { warmup: 2, minRuns: 3, maxRuns: 500, budgetMs: 600 },
    verify: { warmup: 2, minRuns: 3, maxRuns: 300, budgetMs: 600 },
    highs: { warmup: 1, minRuns: 3, maxRuns: 200, budgetMs: 2500 },
    lemonRuns: (edges: number) => (edges > 10_000 ? 100 : edges > 1_000 ? 300 : 1000),
  },
  smoke: {
    nash: { warmup: 2, minRuns: 5, maxRuns: 50, budgetMs: 100 },
    budgetRuns: 5,
    profile: { warmup: 1, minRuns: 3, maxRuns: 20, budgetMs: 50 },
    verify: { warmup: 1, minRuns: 3, maxRuns: 20, budgetMs: 50 },
    highs: { warmup: 1, minRuns: 3, maxRuns: 20, budgetMs: 200 },
    lemonRuns: () => 20,
  },
};

/** The solve runs of one case: at least `budgetRuns` where a p99 budget judges it. */
export function solvePlan(mode: BenchOptions['mode'], cls: string, size: string): RunPlan {
  return solvePlanOf(PLANS[mode], cls, size);
}

function solvePlanOf(plans: Plans, cls: string, size: string): RunPlan {
  if (!isSettlementBudgetCase(cls, size)) return plans.nash;
  return { ...plans.nash, minRuns: Math.max(plans.nash.minRuns, plans.budgetRuns) };
}

/** Responses per verify call: amortises the call so throughput is the engine's, not N-API's. */
const VERIFY_BATCH = 4;

export function machineInfo(): Machine {
  let rustc: string | null = null;
  try {
    rustc = execFileSync('rustc', ['-V'], { encoding: 'utf8' }).trim();
  } catch {
    rustc = null;
  }
  const cpu = cpus();
  return {
    cpu_model: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    node: process.version,
    rustc,
    platform: `${platform()}-${arch()}`,
    load_avg_1m: loadavg()[0] ?? 0,
  };
}

interface Instance {
  cls: BenchClass | '-';
  size: string;
  parties: number;
  edges: number;
}

function caseOf(inst: Instance, engine: Engine, stage: Stage, samples: number[], welfare: number | null): CaseResult {
  return {
    class: inst.cls,
    size: inst.size,
    parties: inst.parties,
    edges: inst.edges,
    engine,
    stage,
    p50_ms: percentile(samples, 50),
    p99_ms: percentile(samples, 99),
    runs: samples.length,
    welfare,
  };
}

/** NASH through the binding: full solve, stages, overhead, verification. Returns its W*. */
function benchNash(
  engine: NashEngine,
  json: string,
  inst: Instance,
  plans: Plans,
  cases: CaseResult[],
  errors: string[],
): number | undefined {
  let last: unknown;
  const solveSamples = timeRuns(solvePlanOf(plans, inst.cls, inst.size), () => {
    last = engine.solve(json);
  });
  const response = responseObject(last);
  const welfare = typeof response.welfare === 'number' ? response.welfare : undefined;
  if (welfare === undefined) errors.push(`${inst.cls} ${inst.size}: NASH response has no numeric welfare`);
  cases.push(caseOf(inst, 'nash', 'solve', solveSamples, welfare ?? null));

  // A case slower than the whole solve budget gets one profile and one verification of one
  // response: enough to see where its time goes, without spending minutes on it.
  const slow = percentile(solveSamples, 50) > plans.nash.budgetMs;
  const once: RunPlan = { warmup: 0, minRuns: 1, maxRuns: 1, budgetMs: 0 };
  const solveObject = engine.solveObject;
  if (solveObject) {
    const objectSamples = timeRuns(slow ? once : plans.nash, () => {
      solveObject(json);
    });
    cases.push(caseOf(inst, 'nash', 'solve-object', objectSamples, welfare ?? null));
  }
  const batchSize = slow ? 1 : VERIFY_BATCH;
  const profiles: StageProfile[] = [];
  timeRuns(slow ? once : plans.profile, () => {
    profiles.push(engine.profile(json));
  });
  // timeRuns' own clock is not used here: the stage numbers come from inside the engine.
  const stages: [Stage, (p: StageProfile) => number][] = [
    ['parse', (p) => p.parseMs],
    ['edges', (p) => p.edgesMs],
    ['welfare', (p) => p.welfareMs],
    ['nash', (p) => p.nashMs],
    ['response', (p) => p.responseMs],
    ['stages-total', (p) => p.parseMs + p.edgesMs + p.welfareMs + p.nashMs + p.responseMs],
  ];
  const pw = profiles[profiles.length - 1]?.welfare ?? null;
  for (const [stage, f] of stages)
    cases.push(caseOf(inst, 'nash', stage, profiles.map(f), stage === 'welfare' ? pw : null));
  const total = cases[cases.length - 1] as CaseResult;
  const solve = cases.find(
    (c) => c.class === inst.cls && c.size === inst.size && c.engine === 'nash' && c.stage === 'solve',
  ) as CaseResult;
  cases.push({
    ...total,
    stage: 'napi-overhead',
    p50_ms: Math.max(0, solve.p50_ms - total.p50_ms),
    p99_ms: Math.max(0, solve.p99_ms - total.p99_ms, solve.p50_ms - total.p50_ms),
    runs: Math.min(solve.runs, total.runs),
  });
  if (pw !== null && welfare !== undefined && Math.abs(pw - welfare) > 1e-6 * Math.max(1, Math.abs(welfare))) {
    errors.push(`${inst.cls} ${inst.size}: profile welfare ${pw} differs from solve welfare ${welfare}`);
  }

  for (const [stage, resp] of [
    ['verify', response],
    ['verify-no-cert', stripCertificate(response)],
  ] as const) {
    const text = JSON.stringify(resp);
    const batch = Array.from({ length: batchSize }, () => text);
    let verdicts: Verdict[] = [];
    const samples = timeRuns(slow ? once : plans.verify, () => {
      verdicts = engine.verify(json, batch);
    }).map((t) => t / batchSize);
    const bad = verdicts.find((v) => !v.valid);
    if (verdicts.length !== batchSize || bad) {
      errors.push(
        `${inst.cls} ${inst.size}: NASH's own response fails ${stage}: ${JSON.stringify(bad?.errors ?? verdicts.length)}`,
      );
    }
    const c = caseOf(inst, 'nash', stage, samples, welfare ?? null);
    c.throughput_per_s = 1000 / c.p50_ms;
    cases.push(c);
  }
  return welfare;
}

export async function runBench(opts: BenchOptions): Promise<Report> {
  const plans = PLANS[opts.mode];
  const classes = opts.classes ?? CLASSES;
  const sizes = opts.sizes ?? (opts.mode === 'full' ? FULL_SIZES : SMOKE_SIZES);
  const errors: string[] = [];
  const cases: CaseResult[] = [];
  const agreement: Agreement[] = [];

  const machine = machineInfo();
  const { highs, loadMs } = await loadHighs();
  const lemonBin = buildLemonHarness();
  const nash = loadNashEngine(opts.bindingModule);
  if (!nash.engine) errors.push(`NASH engine unavailable: ${nash.reason}`);

  if (nash.engine?.noop) {
    const noop = nash.engine.noop;
    // Per-call cost from batches: one call is far below the timer's useful resolution.
    const batch = opts.mode === 'full' ? 100_000 : 10_000;
    const samples = timeRuns({ warmup: 1, minRuns: 20, maxRuns: 20, budgetMs: 0 }, () => {
      for (let i = 0; i < batch; i++) noop();
    }).map((t) => t / batch);
    cases.push(caseOf({ cls: '-', size: '-', parties: 0, edges: 0 }, 'nash', 'napi-noop', samples, null));
  }

  const progress = new Progress(classes.length * sizes.length);
  for (const cls of classes) {
    for (const size of sizes) {
      const label = `${cls} ${sizeLabel(size)}`;
      progress.step(`${label}: generating`);
      const challenge = generateChallenge(cls, size, opts.seed);
      const json = JSON.stringify(challenge);
      const problem = buildWelfareProblem(challenge);
      const inst: Instance = {
        cls,
        size: sizeLabel(size),
        parties: challenge.parties.length,
        edges: problem.edges.length,
      };
      const welfare: Partial<Record<Engine, number>> = {};
      if (nash.engine) {
        // NASH failing on one instance (a deadline, an error) must not cost the baselines' numbers.
        try {
          progress.step(`${label}: NASH`);
          const w = benchNash(nash.engine, json, inst, plans, cases, errors);
          if (w !== undefined) welfare.nash = w;
        } catch (e) {
          errors.push(`${label}: NASH: ${(e as Error).message}`);
        }
      }
      try {
        progress.step(`${label}: HiGHS`);
        const lp = toLpText(problem).text;
        let hw = Number.NaN;
        const hs = timeRuns(plans.highs, () => {
          hw = solveLp(highs, lp);
        });
        welfare.highs = hw;
        cases.push(caseOf(inst, 'highs', 'welfare', hs, hw));
        if (problem.legs.every((l) => l.min === 0)) {
          const model = toSparseModel(highs, problem);
          try {
            let sw = Number.NaN;
            const ss = timeRuns(plans.highs, () => {
              sw = solveSparse(highs, model);
            });
            cases.push(caseOf(inst, 'highs', 'welfare-sparse', ss, sw));
            // Both HiGHS paths solve one model: they must agree as any two engines must.
            const pathAgreement = checkAgreement(cls, inst.size, { highs: hw, lemon: sw });
            if (!pathAgreement.ok) errors.push(`${label}: HiGHS LP text ${hw} and sparse model ${sw} disagree`);
          } finally {
            model.dispose();
          }
        }
        if (cls === 'plain' && isTransportation(problem)) {
          progress.step(`${label}: LEMON`);
          const run = runLemon(
            lemonBin,
            toLemonText(problem),
            `${cls}-${inst.size}-${opts.seed}`,
            plans.lemonRuns(inst.edges),
          );
          welfare.lemon = run.welfare;
          cases.push(caseOf(inst, 'lemon', 'welfare', run.samplesMs, run.welfare));
        }
      } catch (e) {
        errors.push(`${label}: ${(e as Error).message}`);
      }
      const a = checkAgreement(cls, inst.size, welfare);
      agreement.push(a);
      if (!a.ok) errors.push(`${label}: W* not agreed (${a.note ?? JSON.stringify(welfare)})`);
      progress.advance(label);
    }
  }
  progress.finish();

  const budgets = opts.mode === 'full' ? evaluateBudgets(cases) : [];
  return {
    schema: 'nash-bench/1',
    mode: opts.mode,
    seed: opts.seed,
    generated_at: new Date().toISOString(),
    machine,
    highs: { input_path: HIGHS_INPUT_PATH, sparse_path: HIGHS_SPARSE_PATH, load_ms: loadMs },
    nash_engine: nash.engine ? { available: true } : { available: false, reason: nash.reason },
    cases,
    agreement,
    budgets,
    errors,
    ok: errors.length === 0 && budgets.every((b) => b.ok),
  };
}
