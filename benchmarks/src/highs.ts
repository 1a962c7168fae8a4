/**
 * The `highs` npm package (HiGHS compiled to wasm) as a baseline. Input path: CPLEX LP text
 * through the one-shot `solve(lpString)` API — each call parses the text and builds a fresh
 * solver, which is what a JS caller without a persistent model pays. Loading the wasm module
 * happens once and is excluded from every timing.
 */
import highsLoader from 'highs';

export type HighsSolver = Awaited<ReturnType<typeof highsLoader>>;

export const HIGHS_INPUT_PATH = 'CPLEX LP text via solve(lpString), fresh solver per call; wasm load excluded';

export async function loadHighs(): Promise<{ highs: HighsSolver; loadMs: number }> {
  const t0 = process.hrtime.bigint();
  const highs = await highsLoader();
  return { highs, loadMs: Number(process.hrtime.bigint() - t0) / 1e6 };
}

/** Solve once; the optimum, or an error naming the status. */
export function solveLp(highs: HighsSolver, lpText: string): number {
  const result = highs.solve(lpText);
  if (result.Status !== 'Optimal') throw new Error(`HiGHS: status ${result.Status}`);
  return result.ObjectiveValue;
}
