// Challenges that break the spec are refused through every entry point with the same stable
// code and JSON path, as JS errors (never a crash, never a partial answer).
import * as binding from '../lib';
import { conformanceInvalid, INVALID_EXPECTATIONS, invalidFixtures } from './helpers';

const cases = invalidFixtures();

/** The `{ code, path }` of what `run` throws, or a marker when it does not throw. */
function thrown(run: () => unknown): { code: unknown; path: unknown; message: unknown } {
  try {
    run();
  } catch (error) {
    const e = error as { code?: unknown; path?: unknown; message?: unknown };
    return { code: e.code, path: e.path, message: e.message };
  }
  return { code: 'did not throw', path: undefined, message: undefined };
}

async function rejected(run: () => Promise<unknown>): Promise<{ code: unknown; path: unknown }> {
  try {
    await run();
  } catch (error) {
    const e = error as { code?: unknown; path?: unknown };
    return { code: e.code, path: e.path };
  }
  return { code: 'did not reject', path: undefined };
}

test('every invalid fixture has an expectation', () => {
  expect(cases.length).toBeGreaterThanOrEqual(12);
  expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(INVALID_EXPECTATIONS).sort());
});

test('the expectations agree with conformance/shared-invalid.json when the corpus has it', () => {
  const corpus = conformanceInvalid();
  if (corpus === undefined) return;
  for (const [name, expectation] of Object.entries(INVALID_EXPECTATIONS)) {
    const key = Object.keys(corpus).find((k) => k.replace(/\.challenge\.json$|\.json$/, '') === name);
    if (key !== undefined) expect({ name, ...corpus[key] }).toEqual({ name, ...expectation });
  }
});

describe.each(cases.map((c) => [c.name, c] as const))('%s', (name, fixture) => {
  const expected = INVALID_EXPECTATIONS[name];

  test('validate throws the stable code and the JSON path', () => {
    const got = thrown(() => binding.validate(fixture.text));
    expect({ code: got.code, path: got.path }).toEqual(expected);
    expect(String(got.message)).toMatch(new RegExp(`^${expected?.code} at `));
  });

  test('solveSync, solve, verifySync, verify and profile refuse it the same way', async () => {
    expect(thrown(() => binding.solveSync(fixture.text))).toMatchObject(expected ?? {});
    expect(thrown(() => binding.verifySync(fixture.text, ['{}']))).toMatchObject(expected ?? {});
    expect(thrown(() => binding.profile(fixture.text))).toMatchObject(expected ?? {});
    expect(await rejected(() => binding.solve(fixture.text))).toEqual(expected);
    expect(await rejected(() => binding.verify(fixture.text, ['{}']))).toEqual(expected);
  });
});
