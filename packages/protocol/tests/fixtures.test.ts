import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateChallenge } from '../src';
import { CONFORMANCE, FIXTURES, jsonFiles, readJson } from './helpers';

interface Expect {
  code: string;
  path: string;
}

const valid = jsonFiles(FIXTURES, '.challenge.json');
const invalid = jsonFiles(join(FIXTURES, 'invalid'), '.challenge.json');
const expected = readJson<Record<string, Expect>>(join(CONFORMANCE, 'shared-invalid.json'));

describe('shared fixtures', () => {
  test('there are fixtures to check', () => {
    expect(valid.length).toBeGreaterThanOrEqual(5);
    expect(invalid.length).toBeGreaterThanOrEqual(12);
  });

  test.each(valid)('%s validates', (file) => {
    const r = validateChallenge(readFileSync(join(FIXTURES, file), 'utf8'));
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  test('shared-invalid.json covers exactly the invalid fixtures', () => {
    expect(Object.keys(expected).sort()).toEqual(invalid);
  });

  test.each(invalid)('invalid/%s is refused with the code and path of shared-invalid.json', (file) => {
    const text = readFileSync(join(FIXTURES, 'invalid', file), 'utf8');
    const r = validateChallenge(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const want = expected[file];
    expect(r.errors[0]).toMatchObject({ code: want?.code, path: want?.path });
  });

  // The `_why` of each fixture is prose; where it names a path (`parties[0].quantity.max`) it
  // must be the reported one, and otherwise the reported path's last field must be in the prose
  // (`parties is empty`, `version 2`, `challenge_id is not ...`, `swaps a resource`).
  test.each(invalid)('invalid/%s: the reported path is consistent with its _why', (file) => {
    const doc = readJson<{ _why: string }>(join(FIXTURES, 'invalid', file));
    const r = validateChallenge(doc);
    if (r.ok) throw new Error('expected a refusal');
    const path = r.errors[0]?.path ?? '';
    const why = doc._why;
    const named = why.match(/parties\[\d+\](?:\.[a-z_]+)*/);
    if (named !== null) {
      expect(path.startsWith(named[0]) || named[0].startsWith(path)).toBe(true);
    } else {
      const last =
        path
          .split(/[.[\]]/)
          .filter((s) => s !== '' && !/^\d+$/.test(s))
          .pop() ?? '';
      const hint = { id: 'id', resource: 'resource' } as Record<string, string>;
      expect(why).toContain(hint[last] ?? last);
    }
  });
});
