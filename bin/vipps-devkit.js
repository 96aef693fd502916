#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build`, which `npm install` runs (prepare);
// starting never compiles. A checkout installed with --ignore-scripts is told what to run.
import('../dist/src/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/main.js')) {
    console.error('vipps-devkit is not built yet: run `npm run build` in its folder (npm install does it too).');
  } else console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
