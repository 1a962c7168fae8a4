/**
 * `node dist/cli.js [--smoke] [--seed N] [--out FILE] [--classes a,b] [--sizes 5,20] [--binding MODULE]`
 * (`--binding`: another build of the binding, e.g. a raw `.node` file, instead of `@nash/solver-binding`.)
 * Writes the JSON report, prints the markdown table to stdout, and exits non-zero when a
 * budget is broken, engines disagree on W*, or anything failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type BenchClass, CLASSES } from './generator';
import { markdownTable, validateReport } from './report';
import { runBench } from './run';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const mode = process.argv.includes('--smoke') ? 'smoke' : 'full';
  const seed = Number(arg('--seed') ?? '1');
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  const classes = arg('--classes')?.split(',') as BenchClass[] | undefined;
  if (classes?.some((c) => !CLASSES.includes(c))) throw new Error(`--classes: one of ${CLASSES.join(', ')}`);
  const sizes = arg('--sizes')
    ?.split(',')
    .map((n) => ({ sellers: Number(n), buyers: Number(n) }));
  const out = arg('--out') ?? join(__dirname, '..', 'results', mode === 'full' ? 'latest.json' : 'smoke.json');

  const binding = arg('--binding');
  const report = await runBench({
    mode,
    seed,
    ...(classes ? { classes } : {}),
    ...(sizes ? { sizes } : {}),
    ...(binding ? { bindingModule: binding } : {}),
  });
  const schemaErrors = validateReport(report);
  if (schemaErrors.length > 0) report.errors.push(`report schema: ${schemaErrors.join(', ')}`);
  report.ok = report.ok && schemaErrors.length === 0;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);

  const m = report.machine;
  console.log(
    `NASH benchmarks (${mode}, seed ${seed}) — ${m.cpu_model}, ${m.cores} cores, node ${m.node}, ${m.rustc ?? 'rustc n/a'}, load ${m.load_avg_1m.toFixed(1)}`,
  );
  console.log(`times in ms (p50 unless said); HiGHS (wasm load ${report.highs.load_ms.toFixed(0)} ms, excluded):`);
  console.log(`  LP text: ${report.highs.input_path}; sparse: ${report.highs.sparse_path}\n`);
  console.log(markdownTable(report));
  for (const e of report.errors) console.log(`ERROR ${e}`);
  console.log(`\n${report.ok ? 'OK' : 'FAILED'} — report: ${out}`);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
