import { generateChallenge } from '../src/generator';
import { loadHighs, solveLp, solveSparse, toSparseModel } from '../src/highs';
import { buildLemonHarness, parseLemonOutput, runLemon, toLemonText } from '../src/lemon';
import { toLpText } from '../src/lp';
import { buildWelfareProblem, type WelfareProblem } from '../src/welfare';

const tiny: WelfareProblem = {
  legs: [
    { party: 's0', side: 'supply', resource: 'r', capacity: 10, min: 0 },
    { party: 's1', side: 'supply', resource: 'r', capacity: 5, min: 0 },
    { party: 'd0', side: 'demand', resource: 'r', capacity: 8, min: 0 },
    { party: 'd1', side: 'demand', resource: 'r', capacity: 8, min: 0 },
  ],
  edges: [
    { supply: 0, demand: 2, surplus: 0.5 },
    { supply: 0, demand: 3, surplus: 0.3 },
    { supply: 1, demand: 3, surplus: 0.7 },
  ],
  ratios: [],
};
// x02 = 8, x13 = 5, x03 = 2: 4 + 3.5 + 0.6.
const TINY_W = 8.1;

describe('LP text writer', () => {
  it('writes the transportation LP exactly', () => {
    const lp = toLpText(tiny);
    expect(lp.text).toBe(
      [
        'Maximize',
        ' obj: 0.5 x0 + 0.3 x1 + 0.7 x2',
        'Subject To',
        ' c0: x0 + x1 <= 10',
        ' c1: x2 <= 5',
        ' c2: x0 <= 8',
        ' c3: x1 + x2 <= 8',
        'End',
        '',
      ].join('\n'),
    );
    expect(lp).toMatchObject({ variables: 3, rows: 4, binaries: 0 });
  });

  it('writes minimums as binaries and ratios as rows, and HiGHS solves them', async () => {
    const { highs } = await loadHighs();
    expect(solveLp(highs, toLpText(tiny).text)).toBeCloseTo(TINY_W, 9);
    // d0 takes all 8 or nothing; s1 can only fill 5, so d0 must be served by s0.
    const lots: WelfareProblem = { ...tiny, legs: tiny.legs.map((l, k) => (k === 3 ? { ...l, min: 8 } : l)) };
    const lotsLp = toLpText(lots);
    expect(lotsLp.text).toContain(' u3: x1 + x2 - 8 y3 <= 0');
    expect(lotsLp.text).toContain(' l3: x1 + x2 - 8 y3 >= 0');
    expect(lotsLp.text).toContain('Binary\n y3\n');
    // Either d1 gets 8 (x13 = 5, x03 = 3, x02 = 7: 3.5 + 0.9 + 3.5 = 7.9) or nothing (x02 = 8: 4).
    expect(solveLp(highs, lotsLp.text)).toBeCloseTo(7.9, 9);
    // A ratio row couples the supply leg 1 with demand leg 2: Σ given by leg 1 ≤ 0.5 · Σ got by leg 2.
    const ratio: WelfareProblem = { ...tiny, ratios: [{ give: 1, get: 2, ratio: 0.5 }] };
    const ratioLp = toLpText(ratio);
    expect(ratioLp.text).toContain(' r0: x2 - 0.5 x0 <= 0');
    // x02 = 8 allows x13 ≤ 4: 4 + 2.8 + 0.3·2 = 7.4.
    expect(solveLp(highs, ratioLp.text)).toBeCloseTo(7.4, 9);
  });

  it('wraps long expressions over several lines', () => {
    const wide: WelfareProblem = {
      legs: [
        { party: 's', side: 'supply', resource: 'r', capacity: 100, min: 0 },
        ...Array.from({ length: 20 }, (_, i) => ({
          party: `d${i}`,
          side: 'demand' as const,
          resource: 'r',
          capacity: 1,
          min: 0,
        })),
      ],
      edges: Array.from({ length: 20 }, (_, i) => ({ supply: 0, demand: i + 1, surplus: 1 + i })),
      ratios: [],
    };
    const text = toLpText(wide).text;
    expect(text.split('\n').every((l) => l.length < 200)).toBe(true);
    expect(text).toContain('\n   + ');
  });
});

describe('HiGHS sparse model path', () => {
  it('solves the same LPs as the text path, ratios included, and refuses minimums', async () => {
    const { highs } = await loadHighs();
    const cases: [WelfareProblem, number][] = [
      [tiny, TINY_W],
      [{ ...tiny, ratios: [{ give: 1, get: 2, ratio: 0.5 }] }, 7.4],
    ];
    for (const [problem, w] of cases) {
      const model = toSparseModel(highs, problem);
      expect(solveSparse(highs, model)).toBeCloseTo(w, 9);
      // A second solve from scratch gives the same optimum (clearSolver, no stale state).
      expect(solveSparse(highs, model)).toBeCloseTo(w, 9);
      model.dispose();
    }
    expect(() => toSparseModel(highs, { ...tiny, legs: tiny.legs.map((l) => ({ ...l, min: 1 })) })).toThrow(/minimums/);
  });
});

describe('LEMON instance writer and harness', () => {
  it('writes the instance format exactly, surpluses scaled to integers', () => {
    expect(toLemonText(tiny, 100)).toBe(
      'nash-lemon 1\nscale 100\nsupply 2\n10\n5\ndemand 2\n8\n8\nedges 3\n0 0 50\n0 1 30\n1 1 70\n',
    );
  });

  it('refuses what it cannot represent exactly', () => {
    expect(() => toLemonText({ ...tiny, edges: [{ supply: 0, demand: 2, surplus: 0.12345 }] }, 100)).toThrow(
      /multiple/,
    );
    expect(() => toLemonText({ ...tiny, ratios: [{ give: 1, get: 2, ratio: 1 }] })).toThrow(/transportation/);
    expect(() => toLemonText({ ...tiny, legs: tiny.legs.map((l) => ({ ...l, capacity: l.capacity + 0.5 })) })).toThrow(
      /integer/,
    );
  });

  it('parses the harness output and refuses garbage', () => {
    expect(parseLemonOutput('welfare_scaled 810\nrun_ns 2000\nrun_ns 1000\n', 100)).toEqual({
      welfare: 8.1,
      samplesMs: [0.002, 0.001],
    });
    expect(() => parseLemonOutput('nothing here')).toThrow();
  });

  it('agrees with HiGHS on a generated plain 20x20 instance', async () => {
    const problem = buildWelfareProblem(generateChallenge('plain', { sellers: 20, buyers: 20 }, 5));
    const bin = buildLemonHarness();
    const run = runLemon(bin, toLemonText(problem), 'jest-plain-20', 3);
    const { highs } = await loadHighs();
    const w = solveLp(highs, toLpText(problem).text);
    expect(run.samplesMs).toHaveLength(3);
    expect(Math.abs(run.welfare - w) / Math.max(1, w)).toBeLessThan(1e-9);
    // The first run compiles the C++ harness with g++ (several seconds on a busy 2-core
    // machine; a CI run timed out at jest's default 5 s): a build, not a speed claim.
  }, 120_000);
});
