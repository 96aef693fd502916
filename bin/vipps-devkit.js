#!/usr/bin/env node
// Thin launcher: the CLI is compiled and bundled to dist/cli/ by `npm run build`, which `npm install`
// runs (prepare); starting never compiles. A checkout installed with --ignore-scripts is told what to run.
import module from 'node:module';
// Node 22.1+ keeps V8's compiled code of our modules and dependencies between runs (a faster start); Node 20 has no such cache.
module.enableCompileCache?.();
// One bundle, not ~900 module files: most of a start was finding and reading them (docs/decisions.md 235).
import('../dist/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    console.error('vipps-devkit is not built yet: run `npm run build` in its folder (npm install does it too).');
  } else console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
