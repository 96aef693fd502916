import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The examples in examples/ run too: docs/testing.md shows them.
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    // Integration tests start real servers and databases: give them room, run files in parallel
    // processes but keep each file's tests in order.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Every emulator a test starts (in process or as a CLI child) checks that no response schema drops
    // or changes a field (src/server/verify-serialization.ts).
    env: { VIPPS_DEVKIT_VERIFY_SERIALIZATION: '1' },
  },
});
