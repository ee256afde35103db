import { relative } from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';

/** One test file's wall time split into what it cost to import and what its tests and hooks took. */
export interface FileTiming {
  readonly file: string;
  readonly totalMs: number;
  readonly importMs: number;
  readonly testsMs: number;
}

/** How many files the summary lists; enough to see where a run's time goes without scrolling. */
const DEFAULT_LIMIT = 10;

/**
 * Prints the slowest test files after vitest's own summary, so every run says where its time went. Import time is
 * shown apart from test time because loading the whole app in every file is one of the costs the suite watches.
 */
export default class SlowestFilesReporter implements Reporter {
  readonly #limit: number;
  #root = process.cwd();

  constructor(options: { limit?: number } = {}) {
    this.#limit = options.limit ?? DEFAULT_LIMIT;
  }

  onInit(vitest: Vitest): void {
    this.#root = vitest.config.root;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const timings = slowestFiles(testModules, this.#root, this.#limit);
    if (timings.length === 0) return;
    process.stdout.write(`${formatSlowestFiles(timings, testModules.length)}\n`);
  }
}

/** The `limit` slowest files of a run, slowest first. */
export function slowestFiles(
  testModules: ReadonlyArray<TestModule>,
  root: string,
  limit: number,
): FileTiming[] {
  return testModules
    .map((testModule) => {
      const diagnostic = testModule.diagnostic();
      const importMs = diagnostic.collectDuration;
      const testsMs = diagnostic.duration;
      const setupMs =
        diagnostic.environmentSetupDuration + diagnostic.prepareDuration + diagnostic.setupDuration;
      return {
        file: relative(root, testModule.moduleId),
        totalMs: setupMs + importMs + testsMs,
        importMs,
        testsMs,
      };
    })
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, limit);
}

/** The table printed at the end of a run: rank, total seconds, import and test seconds, file. */
export function formatSlowestFiles(timings: readonly FileTiming[], fileCount: number): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)}s`.padStart(8);
  const lines = timings.map(
    (timing, index) =>
      `${String(index + 1).padStart(3)}. ${seconds(timing.totalMs)}  (import ${seconds(timing.importMs).trim()}, ` +
      `tests ${seconds(timing.testsMs).trim()})  ${timing.file}`,
  );
  return [``, ` Slowest ${timings.length} of ${fileCount} test files`, ...lines].join('\n');
}
