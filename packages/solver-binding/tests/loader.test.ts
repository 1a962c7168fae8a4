// Distribution: the escape hatch loads a binary from anywhere, and when no binary fits, the
// error is one paragraph naming the platform, what was tried and NAPI_RS_NATIVE_LIBRARY_PATH.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageDir } from './helpers';

const entry = path.join(packageDir, 'lib', 'index.js');
const probe = `const b = require(${JSON.stringify(entry)}); b.native.probeNoop(); process.stdout.write(typeof b.solveSync)`;

function runWith(env: Record<string, string>) {
  return spawnSync(process.execPath, ['-e', probe], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

test('NAPI_RS_NATIVE_LIBRARY_PATH pointing at a built binary loads it', () => {
  const binary = fs.readdirSync(packageDir).find((f) => /^nash-solver\..+\.node$/.test(f));
  if (binary === undefined) throw new Error('no local build: run `npm run build` first');
  const copy = path.join(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'nash-hatch-')), 'elsewhere.node');
  fs.copyFileSync(path.join(packageDir, binary), copy);
  const result = runWith({ NAPI_RS_NATIVE_LIBRARY_PATH: copy });
  expect(result.stderr).toBe('');
  expect(result.stdout).toBe('function');
});

test('no fitting binary gives one paragraph with the platform, the tries and the escape hatch', () => {
  const missing = path.join(packageDir, 'does-not-exist.node');
  const result = runWith({ NAPI_RS_NATIVE_LIBRARY_PATH: missing });
  expect(result.status).not.toBe(0);
  const line = result.stderr.split('\n').find((l) => l.includes('@nash/solver-binding: no native binary'));
  expect(line).toBeDefined();
  expect(line).toContain(`${process.platform}-${process.arch}`);
  expect(line).toContain(`NAPI_RS_NATIVE_LIBRARY_PATH=${missing}`);
  expect(line).toContain('npm run build');
  expect(result.stderr).toContain('ERR_NASH_NATIVE_BINDING');
});

test('the napi field names the binary and the release targets', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  expect(pkg.napi.binaryName).toBe('nash-solver');
  expect(pkg.napi.targets).toEqual(
    expect.arrayContaining([
      'x86_64-unknown-linux-gnu',
      'x86_64-unknown-linux-musl',
      'aarch64-unknown-linux-gnu',
      'aarch64-unknown-linux-musl',
      'x86_64-apple-darwin',
      'aarch64-apple-darwin',
      'x86_64-pc-windows-msvc',
    ]),
  );
  for (const script of ['build', 'prepublishOnly', 'artifacts', 'version'])
    expect(pkg.scripts[script]).toMatch(/napi /);
});
