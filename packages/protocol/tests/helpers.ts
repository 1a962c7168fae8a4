import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root, from this package (packages/protocol/tests). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
/** The project's shared folder sits beside the repository (spec, fixtures, notes). */
export const SHARED = resolve(REPO_ROOT, '..', 'shared');
export const FIXTURES = join(SHARED, 'fixtures');
export const CONFORMANCE = join(REPO_ROOT, 'conformance');

export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function jsonFiles(dir: string, suffix = '.json'): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .sort();
}
