// End to end: `node bin/nash.js` spawned on every fixture, the exit codes 0/2/1, stdin (`-`),
// help, and the bundled example.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const cliDir = path.resolve(__dirname, '..');
const repoRoot = path.resolve(cliDir, '..', '..');
const sharedDir = process.env.NASH_SHARED_DIR ?? path.resolve(repoRoot, '..', 'shared');
const fixturesDir = path.join(sharedDir, 'fixtures');
const bin = path.join(cliDir, 'bin', 'nash.js');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function nash(args: string[], input?: string, env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: repoRoot,
    input,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const fixtures = fs
  .readdirSync(fixturesDir)
  .filter((f) => f.endsWith('.challenge.json'))
  .sort()
  .map((f) => ({
    name: f.replace(/\.challenge\.json$/, ''),
    file: path.join(fixturesDir, f),
    expected: JSON.parse(fs.readFileSync(path.join(fixturesDir, f.replace('.challenge.', '.expected.')), 'utf8')) as {
      optimal_welfare: number;
      nash_utilities: Record<string, number>;
    },
  }));
const invalid = fs
  .readdirSync(path.join(fixturesDir, 'invalid'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => path.join(fixturesDir, 'invalid', f));

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nash-cli-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

beforeAll(() => {
  if (!fs.existsSync(path.join(cliDir, 'dist', 'index.js')))
    throw new Error('packages/cli is not built: npm run build');
});

const near = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));

describe.each(fixtures.map((f) => [f.name, f] as const))('%s', (name, fixture) => {
  test('solve prints the optimal response; verify gives q = 1; validate prints ok', () => {
    const solved = nash(['solve', fixture.file]);
    expect(solved.stderr).toBe('');
    expect(solved.status).toBe(0);
    const response = JSON.parse(solved.stdout);
    expect(near(response.welfare, fixture.expected.optimal_welfare)).toBe(true);
    for (const [party, u] of Object.entries(fixture.expected.nash_utilities)) {
      expect({ party, ok: near(response.settlement.parties[party]?.utility ?? 0, u) }).toEqual({ party, ok: true });
    }
    const responseFile = path.join(scratch, `${name}.response.json`);
    fs.writeFileSync(responseFile, solved.stdout);
    const verified = nash(['verify', fixture.file, responseFile]);
    expect(verified.status).toBe(0);
    const verdicts = JSON.parse(verified.stdout);
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]).toMatchObject({ valid: true, q: 1 });
    const resolved = nash(['verify', fixture.file, responseFile, '--no-certificate']);
    expect(JSON.parse(resolved.stdout)[0]).toMatchObject({ valid: true, q: 1, optimum_source: 'solve' });

    const validated = nash(['validate', fixture.file]);
    expect(validated).toEqual({ status: 0, stdout: 'ok\n', stderr: '' });
  });
});

test('the README example: welfare 165, three utilities of 55, and q = 1', () => {
  const seed = path.join('..', 'shared', 'fixtures', 'seed-three-party.challenge.json');
  const solved = nash(['solve', seed, '--hotkey', '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY']);
  expect(solved.status).toBe(0);
  const response = JSON.parse(solved.stdout);
  expect(response.welfare).toBeCloseTo(165, 6);
  const utilities = Object.values(response.settlement.parties as Record<string, { utility: number }>).map(
    (p) => p.utility,
  );
  expect(utilities).toHaveLength(3);
  for (const u of utilities) expect(u).toBeCloseTo(55, 6);
  // The commitment binds the hotkey: verifying with it passes, without it fails (still exit 0).
  const file = path.join(scratch, 'seed-hotkey.json');
  fs.writeFileSync(file, solved.stdout);
  const good = nash(['verify', seed, file, '--hotkey', '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY']);
  expect(JSON.parse(good.stdout)[0].q).toBe(1);
  const wrong = nash(['verify', seed, file]);
  expect(wrong.status).toBe(0);
  expect(JSON.parse(wrong.stdout)[0]).toMatchObject({ valid: false, q: 0 });
});

test('stdin: solve -, then verify with the response on stdin', () => {
  const seed = path.join(fixturesDir, 'seed-three-party.challenge.json');
  const solved = nash(['solve', '-', '--pretty'], fs.readFileSync(seed, 'utf8'));
  expect(solved.status).toBe(0);
  expect(solved.stdout).toContain('\n  "challenge_id"');
  const verified = nash(['verify', seed, '-'], solved.stdout);
  expect(verified.status).toBe(0);
  expect(JSON.parse(verified.stdout)[0].q).toBe(1);
  const validated = nash(['validate', '-'], fs.readFileSync(seed, 'utf8'));
  expect(validated.stdout).toBe('ok\n');
});

test('--example solves the bundled seed example, which is the shared fixture', () => {
  const bundled = path.join(cliDir, 'examples', 'seed-three-party.challenge.json');
  expect(JSON.parse(fs.readFileSync(bundled, 'utf8'))).toEqual(
    JSON.parse(fs.readFileSync(path.join(fixturesDir, 'seed-three-party.challenge.json'), 'utf8')),
  );
  const r = nash(['solve', '--example', '--pretty']);
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout).welfare).toBeCloseTo(165, 6);
});

test('responses that are not valid are verdicts with exit 0, in order', () => {
  const seed = path.join(fixturesDir, 'seed-three-party.challenge.json');
  const garbage = path.join(scratch, 'garbage.json');
  fs.writeFileSync(garbage, '{ not json');
  const good = path.join(scratch, 'good.json');
  fs.writeFileSync(good, nash(['solve', seed]).stdout);
  const r = nash(['verify', seed, garbage, good, garbage]);
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout).map((v: { q: number }) => v.q)).toEqual([0, 1, 0]);
});

describe('exit code 2: invalid input, one line naming the path, no stack', () => {
  const oneLine = (r: Run) => {
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toMatch(/^nash: /);
  };

  test.each(invalid.map((f) => [path.basename(f), f]))('%s', (_name, file) => {
    for (const command of ['solve', 'validate']) {
      const r = nash([command, file]);
      oneLine(r);
      expect(r.stderr).toMatch(/^nash: [A-Z_]+ at [^:]+: /);
    }
    const v = nash(['verify', file, file]);
    oneLine(v);
  });

  test('bad JSON names $', () => {
    const r = nash(['solve', '-'], '{"version": ');
    oneLine(r);
    expect(r.stderr).toMatch(/^nash: INVALID_JSON at \$: /);
  });

  test('an unreadable file', () => {
    const r = nash(['solve', path.join(scratch, 'missing.json')]);
    oneLine(r);
    expect(r.stderr).toContain('ENOENT');
    oneLine(
      nash(['verify', path.join(fixturesDir, 'seed-three-party.challenge.json'), path.join(scratch, 'nope.json')]),
    );
  });

  test('bad usage', () => {
    oneLine(nash(['solve']));
    oneLine(nash(['solve', '--example', path.join(fixturesDir, 'seed-three-party.challenge.json')]));
    expect(nash(['verify', 'only-one.json']).status).toBe(2);
    expect(nash(['frobnicate']).status).toBe(2);
    expect(nash(['solve', '--example', '--timeout', 'soon']).status).toBe(2);
    oneLine(nash(['verify', '-', '-'], '{}'));
  });
});

test('exit code 1: an internal error (the addon cannot load), one line', () => {
  const r = nash(['solve', '--example'], undefined, { NAPI_RS_NATIVE_LIBRARY_PATH: path.join(scratch, 'no.node') });
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain('NAPI_RS_NATIVE_LIBRARY_PATH');
});

test('--help on every command, with examples', () => {
  for (const args of [['--help'], ['solve', '--help'], ['verify', '--help'], ['validate', '--help']]) {
    const r = nash(args);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: nash');
    expect(r.stdout).toContain('Examples:');
  }
});
