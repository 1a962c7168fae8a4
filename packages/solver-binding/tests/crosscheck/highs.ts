// HiGHS (the wasm build on npm) as the reference MIP solver for W*.

/** What the `highs` package's `solve` returns, as far as this check reads it. */
interface HighsSolution {
  Status: string;
  ObjectiveValue: number;
  Columns: Record<string, { Primal: number }>;
}

export interface Highs {
  solve(lp: string, options?: Record<string, string | number | boolean>): HighsSolution;
}

type HighsLoader = (settings?: object) => Promise<Highs>;

/** Loads the wasm module once (~40 ms). */
export async function loadHighs(): Promise<Highs> {
  // The package ships no typings; its export is the Emscripten module factory.
  const loader = require('highs') as HighsLoader;
  return loader();
}

// HiGHS's default relative MIP gap (1e-4) would hide exactly the disagreements this check
// looks for (1e-6 relative), so the gap is closed; feasibility tolerances are tightened so
// that a "binary" z = 1e-7 cannot open a sliver of capacity on an all-or-nothing leg.
const OPTIONS = {
  mip_rel_gap: 0,
  mip_abs_gap: 1e-9,
  mip_feasibility_tolerance: 1e-9,
  primal_feasibility_tolerance: 1e-9,
  dual_feasibility_tolerance: 1e-9,
  output_flag: false,
};

export interface Optimum {
  welfare: number;
  /** Primal values by column name (`x<i>` per edge, `z<l>` per all-or-nothing leg). */
  columns: Record<string, number>;
}

/** Solves the LP text; throws unless HiGHS proves optimality. */
export function solveWelfare(highs: Highs, lp: string): Optimum {
  const solution = highs.solve(lp, OPTIONS);
  if (solution.Status !== 'Optimal') throw new Error(`HiGHS status ${solution.Status} on\n${lp}`);
  const columns: Record<string, number> = {};
  for (const [name, column] of Object.entries(solution.Columns)) columns[name] = column.Primal;
  return { welfare: solution.ObjectiveValue, columns };
}
