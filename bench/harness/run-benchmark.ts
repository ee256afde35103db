/** How every benchmark script starts, records its report and ends. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stopAllChildren, stopChildrenOnExit } from './children.ts';

/** Runs shorter than this are harness smoke tests; they do not overwrite the recorded results. */
const MIN_RECORDED_DURATION_SECONDS = 5;

/** Writes `report` to `resultsFile` unless the run was a smoke test (measured duration under 5 s). */
export function recordReport(report: string, resultsFile: string, durationSeconds: number): void {
  if (durationSeconds >= MIN_RECORDED_DURATION_SECONDS) {
    mkdirSync(dirname(resultsFile), { recursive: true });
    writeFileSync(resultsFile, report);
    console.log(`written to ${resultsFile}`);
  } else {
    console.log(`smoke run (< ${MIN_RECORDED_DURATION_SECONDS} s): ${resultsFile} left unchanged`);
  }
}

/**
 * Runs `main` with every child process stopped at the end, on failure and on SIGINT/SIGTERM; a failure is
 * printed (its message, or with `detail: 'stack'` its stack) and sets exit code 1.
 */
export async function runBenchmark(
  name: string,
  main: () => Promise<void>,
  detail: 'message' | 'stack' = 'stack',
): Promise<void> {
  stopChildrenOnExit();
  try {
    await main();
  } catch (error) {
    const text = error instanceof Error ? (detail === 'stack' ? error.stack : error.message) : String(error);
    console.error(`\n${name} benchmark failed: ${text}`);
    process.exitCode = 1;
  } finally {
    await stopAllChildren();
  }
}
