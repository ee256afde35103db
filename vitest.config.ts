import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Storage conformance suites share one PostgreSQL database and one Redis; each suite uses its own
    // schema/key prefix, so files may run in parallel.
    pool: 'forks',
  },
});
