// Fails when the committed loader (`index.js`) or typings (`index.d.ts`) differ from what a
// fresh `napi build` generates, so a Rust API change cannot ship with a stale loader.
// Builds in debug into a scratch directory: the generated files do not depend on the profile,
// and the committed files are never touched.

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const packageDir = path.resolve(__dirname, '..');
const generated = ['index.js', 'index.d.ts'];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nash-binding-generated-'));

try {
  const cliPackage = require.resolve('@napi-rs/cli/package.json', { paths: [packageDir] });
  const napi = path.join(path.dirname(cliPackage), require(cliPackage).bin.napi);
  execFileSync(process.execPath, [napi, 'build', '--platform', '--output-dir', scratch], {
    cwd: packageDir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stale = generated.filter(
    (name) =>
      fs.readFileSync(path.join(packageDir, name), 'utf8') !== fs.readFileSync(path.join(scratch, name), 'utf8'),
  );
  if (stale.length > 0) {
    console.error(
      `solver-binding: committed ${stale.join(' and ')} differ from a fresh \`napi build\`; ` +
        'run `npm run build` in packages/solver-binding and commit the result.',
    );
    process.exitCode = 1;
  } else {
    console.log(`solver-binding: ${generated.join(', ')} are up to date`);
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
