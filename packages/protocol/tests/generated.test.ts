import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PKG = join(__dirname, '..');
const GENERATOR = join(PKG, 'scripts', 'generate.js');

function check(): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [GENERATOR, '--check'], { encoding: 'utf8', cwd: PKG });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('generated types', () => {
  test('src/generated/*.ts are what the schemas generate (run `npm run generate` if not)', () => {
    const r = check();
    expect(r.output).toContain('up to date');
    expect(r.status).toBe(0);
  }, 60_000);

  test('the check fails when a generated file is edited by hand', () => {
    const file = join(PKG, 'src', 'generated', 'verdict.ts');
    const backup = join(mkdtempSync(join(tmpdir(), 'nash-gen-')), 'verdict.ts');
    copyFileSync(file, backup);
    try {
      writeFileSync(file, `${readFileSync(file, 'utf8')}\n// hand edit\n`);
      const r = check();
      expect(r.status).toBe(1);
      expect(r.output).toContain('verdict.ts');
    } finally {
      copyFileSync(backup, file);
    }
  }, 60_000);
});
