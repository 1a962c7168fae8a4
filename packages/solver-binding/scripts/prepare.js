// `npm install` in the repository builds the addon for this machine (release), so that the
// CLI and the daemons work right after it. Registry installs never run `prepare`: miners get
// the prebuilt per-platform package instead. Without a Rust toolchain the build is skipped
// with a note rather than failing the whole install (the JS packages stay usable).
const { execFileSync, spawnSync } = require('node:child_process');
const path = require('node:path');

const cargo = spawnSync('cargo', ['--version'], { stdio: 'ignore' });
if (cargo.status !== 0) {
  console.warn('@nash/solver-binding: cargo not found, native addon not built (see packages/solver-binding/README.md)');
} else {
  const packageDir = path.resolve(__dirname, '..');
  const cliPackage = require.resolve('@napi-rs/cli/package.json', { paths: [packageDir] });
  const napi = path.join(path.dirname(cliPackage), require(cliPackage).bin.napi);
  execFileSync(process.execPath, [napi, 'build', '--platform', '--release'], { cwd: packageDir, stdio: 'inherit' });
}
