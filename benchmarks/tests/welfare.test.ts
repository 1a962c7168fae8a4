import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Challenge } from '../src/challenge';
import { loadHighs, solveLp } from '../src/highs';
import { toLpText } from '../src/lp';
import { buildWelfareProblem, evalConstraint, parseConstraint } from '../src/welfare';

describe('constraints (§1.2)', () => {
  it('parses every form', () => {
    expect(parseConstraint('latency_ms < 50')).toEqual({ attr: 'latency_ms', op: '<', values: [50] });
    expect(parseConstraint('region==EU')).toEqual({ attr: 'region', op: '=', values: ['EU'] });
    expect(parseConstraint('gpu in [H100, "A100 80GB"]')).toEqual({
      attr: 'gpu',
      op: 'in',
      values: ['H100', 'A100 80GB'],
    });
    expect(parseConstraint('region not in [US,EU]')).toEqual({ attr: 'region', op: 'not in', values: ['US', 'EU'] });
    expect(parseConstraint('max_defer_hours = 6')).toEqual({ attr: 'hours', op: '<=', values: [6] });
    expect(parseConstraint('score >= -1.5e2')).toEqual({ attr: 'score', op: '>=', values: [-150] });
  });

  it('refuses what does not parse, and orderings on strings', () => {
    for (const bad of ['', 'latency_ms <', '< 5', 'a in [b', 'a in []', 'a = b c', 'a => 3']) {
      expect(() => parseConstraint(bad)).toThrow();
    }
    expect(() => parseConstraint('region < EU')).toThrow(/non-numeric/);
  });

  it('evaluates with the spec semantics', () => {
    const attrs = new Map<string, string | number>([
      ['region', 'EU'],
      ['latency_ms', 40],
      ['code', '5'],
    ]);
    const ev = (s: string) => evalConstraint(parseConstraint(s), attrs);
    expect(ev('latency_ms < 50')).toBe(true);
    expect(ev('latency_ms >= 50')).toBe(false);
    expect(ev('region = EU')).toBe(true);
    expect(ev('region != EU')).toBe(false);
    expect(ev('region in [US, EU]')).toBe(true);
    expect(ev('region not in [US, EU]')).toBe(false);
    // A missing attribute makes every form false, != and not in included.
    expect(ev('tier != secure')).toBe(false);
    expect(ev('tier not in [secure]')).toBe(false);
    // A number never equals a string; ordering on a string attribute is false.
    expect(ev('code = 5')).toBe(false);
    expect(ev('code != 5')).toBe(true);
    expect(ev('region > 3')).toBe(false);
  });
});

const FIXTURES = join(__dirname, '..', '..', '..', 'shared', 'fixtures');

describe('welfare problem against the shared fixtures (HiGHS on the LP text)', () => {
  const names = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.challenge.json'))
    .map((f) => f.replace('.challenge.json', ''));

  it('finds the fixtures', () => {
    expect(names.length).toBeGreaterThanOrEqual(5);
  });

  it.each(names)('%s: W* equals optimal_welfare', async (name) => {
    const ch = JSON.parse(readFileSync(join(FIXTURES, `${name}.challenge.json`), 'utf8')) as Challenge;
    const expected = JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), 'utf8')) as {
      optimal_welfare: number;
    };
    const { highs } = await loadHighs();
    const w = solveLp(highs, toLpText(buildWelfareProblem(ch)).text);
    expect(Math.abs(w - expected.optimal_welfare)).toBeLessThanOrEqual(1e-6 * Math.max(1, expected.optimal_welfare));
  });
});
