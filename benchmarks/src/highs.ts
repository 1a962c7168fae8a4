/**
 * The `highs` npm package (HiGHS compiled to wasm) as a baseline. Input path: CPLEX LP text
 * through the one-shot `solve(lpString)` API — each call parses the text and builds a fresh
 * solver, which is what a JS caller without a persistent model pays. Loading the wasm module
 * happens once and is excluded from every timing.
 */
import highsLoader from 'highs';
import type { WelfareProblem } from './welfare';

export type HighsSolver = Awaited<ReturnType<typeof highsLoader>>;

export const HIGHS_INPUT_PATH = 'CPLEX LP text via solve(lpString), fresh solver per call; wasm load excluded';

export async function loadHighs(): Promise<{ highs: HighsSolver; loadMs: number }> {
  const t0 = process.hrtime.bigint();
  const highs = await highsLoader();
  return { highs, loadMs: Number(process.hrtime.bigint() - t0) / 1e6 };
}

/** Solve once; the optimum, or an error naming the status. */
export function solveLp(highs: HighsSolver, lpText: string): number {
  // No log output: formatting HiGHS's log would be timed too, and the engine writes none.
  const result = highs.solve(lpText, { output_flag: false });
  if (result.Status !== 'Optimal') throw new Error(`HiGHS: status ${result.Status}`);
  return result.ObjectiveValue;
}

export const HIGHS_SPARSE_PATH = 'sparse column-wise model passed once (createModel), clearSolver() + run() per call';

/**
 * The same LP as a sparse column-wise model, for problems without all-or-nothing minimums: one
 * column per edge (a 1 in its supply row and its demand row), one row per leg, one per ratio.
 * This is the path the anchors' "sparse model" figure used; the LP text path above adds parsing.
 */
export function toSparseModel(highs: HighsSolver, p: WelfareProblem): SparseModel {
  if (p.legs.some((l) => l.min > 0)) throw new Error('sparse HiGHS path: LP only (no minimums)');
  const nLegs = p.legs.length;
  const ratioRow = new Map<number, { row: number; coef: number }[]>();
  p.ratios.forEach((r, k) => {
    for (const [leg, coef] of [
      [r.give, 1],
      [r.get, -r.ratio],
    ] as const) {
      const list = ratioRow.get(leg) ?? [];
      list.push({ row: nLegs + k, coef });
      ratioRow.set(leg, list);
    }
  });
  const starts = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const e of p.edges) {
    const entries = new Map<number, number>([
      [e.supply, 1],
      [e.demand, 1],
    ]);
    for (const leg of [e.supply, e.demand]) {
      for (const { row, coef } of ratioRow.get(leg) ?? []) entries.set(row, (entries.get(row) ?? 0) + coef);
    }
    for (const [row, v] of [...entries].sort((a, b) => a[0] - b[0])) {
      indices.push(row);
      values.push(v);
    }
    starts.push(indices.length);
  }
  const numRows = nLegs + p.ratios.length;
  const numCols = p.edges.length;
  const model = highs.createModel({
    numCols,
    numRows,
    sense: highs.constants.objectiveSense.maximize,
    colCost: p.edges.map((e) => e.surplus),
    colLower: new Array<number>(numCols).fill(0),
    colUpper: new Array<number>(numCols).fill(highs.infinity),
    rowLower: new Array<number>(numRows).fill(-highs.infinity),
    rowUpper: [...p.legs.map((l) => l.capacity), ...p.ratios.map(() => 0)],
    matrix: { format: 'csc', numRows, numCols, starts, indices, values },
  });
  model.options.set({ output_flag: false });
  return model;
}

export type SparseModel = ReturnType<HighsSolver['createModel']>;

/** Re-solve the model from scratch (no warm start): the optimum. */
export function solveSparse(highs: HighsSolver, model: SparseModel): number {
  model.clearSolver();
  model.run();
  const status = model.getModelStatus();
  if (status !== highs.constants.modelStatus.optimal) throw new Error(`HiGHS sparse: model status ${status}`);
  return model.getObjectiveValue();
}
