import { defineConfig } from 'vitest/config';

/**
 * `npm run fuzz`: the fuzz suite's long run (test/fuzz), with many more requests per route than
 * `npm test`'s bounded one. DEVKIT_FUZZ_RUNS and DEVKIT_FUZZ_SEED in the environment override.
 */
export default defineConfig({
  test: {
    include: ['test/fuzz/**/*.test.ts'],
    env: { DEVKIT_FUZZ_RUNS: process.env.DEVKIT_FUZZ_RUNS ?? '250' },
    testTimeout: 6 * 3_600_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
