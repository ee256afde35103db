import { defineConfig } from 'vitest/config';
import SlowestFilesReporter from './packages/server/test/support/slowest-files-reporter.ts';

// The repository runs Lift from its TypeScript sources: `lift-source` is the export condition of @lift/server and
// @lift/client that points at src/ instead of the build. NODE_OPTIONS carries it to the `lift` processes tests start.
const SOURCE_CONDITION = 'lift-source';
const PACKAGE_TEST = process.env.LIFT_TEST_PACKAGE === 'run';
if (!process.env.NODE_OPTIONS?.includes(`--conditions=${SOURCE_CONDITION}`)) {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --conditions=${SOURCE_CONDITION}`.trim();
}

export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION, 'node', 'development|production'] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, 'node', 'development|production'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    // The package test (npm pack, installs into fresh projects outside the repository, ~1.5 min) is its own
    // command, `npm run test:package`, which .ci/run runs after `npm test`.
    exclude: PACKAGE_TEST ? [] : ['**/node_modules/**', 'packages/server/test/package/tarball.test.ts'],
    // Test files share a worker's module cache instead of each importing Lift afresh: importing was half of the
    // suite's CPU. Files must not leave global state behind (they do not mock modules or stub globals).
    isolate: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Storage conformance suites share one PostgreSQL database and one Redis; each suite uses its own
    // schema/key prefix, so files may run in parallel.
    pool: 'forks',
    // Most test time is waiting (PostgreSQL, Redis, child processes, sockets), so more files than cores run at
    // once: vitest's default on a 2-core machine is one. LIFT_TEST_WORKERS overrides.
    maxWorkers: Number(process.env.LIFT_TEST_WORKERS ?? 3),
    // The default reporter first, then the slowest files of the run under its summary.
    reporters: ['default', new SlowestFilesReporter()],
    // `npm run coverage`: V8 coverage of the server's sources; the json summary feeds the per-module table
    // (packages/server/test/support/coverage-table.ts). Conformance suites and fixtures are test code kept in src/.
    coverage: {
      provider: 'v8',
      include: ['packages/server/src/**/*.ts'],
      exclude: ['**/*.test.ts', '**/*.conformance.ts', '**/*.fixture.ts', '**/fixtures/**', 'bench/**'],
      reporter: ['text-summary', 'json-summary', 'html'],
      reportsDirectory: 'coverage',
      // A failing test still leaves a summary behind, so the table can be printed and the failure read apart.
      reportOnFailure: true,
    },
  },
});
