/**
 * The LEMON harness's instance format (see lemon/harness.cpp) and how the benchmark builds and
 * runs the harness. LEMON's NetworkSimplex is exact on integers, so surpluses are scaled to
 * integers; the writer refuses data that would not scale exactly rather than round it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRICE_DECIMALS } from './generator';
import { isTransportation, type WelfareProblem } from './welfare';

export const LEMON_SCALE = 10 ** PRICE_DECIMALS;

export function toLemonText(p: WelfareProblem, scale: number = LEMON_SCALE): string {
  if (!isTransportation(p)) throw new Error('LEMON baseline: only transportation problems (no minimums, no ratios)');
  const supplyIndex = new Map<number, number>();
  const demandIndex = new Map<number, number>();
  const supply: number[] = [];
  const demand: number[] = [];
  p.legs.forEach((leg, k) => {
    if (!Number.isInteger(leg.capacity)) throw new Error(`LEMON baseline: capacity of ${leg.party} is not an integer`);
    if (leg.side === 'supply') {
      supplyIndex.set(k, supply.length);
      supply.push(leg.capacity);
    } else {
      demandIndex.set(k, demand.length);
      demand.push(leg.capacity);
    }
  });
  const lines = ['nash-lemon 1', `scale ${scale}`, `supply ${supply.length}`, ...supply.map(String)];
  lines.push(`demand ${demand.length}`, ...demand.map(String), `edges ${p.edges.length}`);
  for (const e of p.edges) {
    const scaled = Math.round(e.surplus * scale);
    if (Math.abs(scaled - e.surplus * scale) > 1e-6 * Math.max(1, Math.abs(scaled))) {
      throw new Error(`LEMON baseline: surplus ${e.surplus} is not a multiple of 1/${scale}`);
    }
    lines.push(`${supplyIndex.get(e.supply)} ${demandIndex.get(e.demand)} ${scaled}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface LemonRun {
  welfare: number;
  samplesMs: number[];
}

/** Parse the harness output (`welfare_scaled N`, then `run_ns T` per run). */
export function parseLemonOutput(out: string, scale: number = LEMON_SCALE): LemonRun {
  let welfare: number | undefined;
  const samplesMs: number[] = [];
  for (const line of out.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key === 'welfare_scaled') welfare = Number(value) / scale;
    else if (key === 'run_ns') samplesMs.push(Number(value) / 1e6);
  }
  if (welfare === undefined || !Number.isFinite(welfare) || samplesMs.length === 0) {
    throw new Error(`LEMON harness: unexpected output: ${out.slice(0, 200)}`);
  }
  return { welfare, samplesMs };
}

const HARNESS_SRC = join(__dirname, '..', 'lemon', 'harness.cpp');
export const BUILD_DIR = join(__dirname, '..', 'build');

const LEMON_HEADER = '/usr/include/lemon/network_simplex.h';

/**
 * LEMON is a Debian package, not an npm one: install it when missing (the machines run as root),
 * refreshing the package lists once if the first attempt cannot find it.
 */
function installLemon(): void {
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '-q', 'liblemon-dev'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    install();
  } catch {
    try {
      execFileSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'] });
      install();
    } catch (e) {
      throw new Error(`LEMON missing and \`apt-get install -y liblemon-dev\` failed: ${(e as Error).message}`);
    }
  }
  if (!existsSync(LEMON_HEADER)) throw new Error('liblemon-dev installed but network_simplex.h not found');
}

/** Build the harness into benchmarks/build/ with g++ (rebuilt when the source is newer). */
export function buildLemonHarness(): string {
  mkdirSync(BUILD_DIR, { recursive: true });
  const bin = join(BUILD_DIR, 'lemon-harness');
  if (existsSync(bin) && statSync(bin).mtimeMs >= statSync(HARNESS_SRC).mtimeMs) return bin;
  if (!existsSync(LEMON_HEADER)) installLemon();
  execFileSync('g++', ['-O2', '-std=c++17', '-Wall', '-Wextra', HARNESS_SRC, '-o', bin, '-llemon'], {
    stdio: 'inherit',
  });
  return bin;
}

export function runLemon(bin: string, instanceText: string, name: string, runs: number): LemonRun {
  const dir = join(BUILD_DIR, 'instances');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.txt`);
  writeFileSync(file, instanceText);
  const out = execFileSync(bin, [file, String(runs)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return parseLemonOutput(out);
}
