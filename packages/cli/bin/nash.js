#!/usr/bin/env node
// The `nash` command. The implementation is TypeScript compiled to dist/ (`npm run build`).
let cli;
try {
  cli = require('../dist/index.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('dist')) {
    process.stderr.write(
      'nash: packages/cli is not built; run `npm run build` in packages/cli (or `npm install` at the repo root)\n',
    );
    process.exit(1);
  }
  throw error;
}
cli.main();
