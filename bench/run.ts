/**
 * `npm run bench`: runs every benchmark script `bench/*.ts` (except this one and the files benchmarks start or
 * import) in sequence, each in its own process, and exits non-zero if any failed. Flags and `BENCH_*`
 * variables are passed through.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startChild, stopChildrenOnExit } from './harness/children.ts';

const BENCH_DIR = resolve(import.meta.dirname);
const ROOT = resolve(BENCH_DIR, '..');

/** Not benchmarks: this runner, and children or modules of a benchmark (session.ts's, jwt.ts's and access.ts's fixtures …). */
const NOT_BENCHMARKS = new Set([
  'access-can.ts',
  'access-fixture.ts',
  'access-protocol.ts',
  'access-report.ts',
  'access-server.ts',
  'health-load.ts',
  'http-cpu-targets.ts',
  'jwt-fastify-server.ts',
  'jwt-lift-server.ts',
  'jwt-protocol.ts',
  'jwt-report.ts',
  'jwt-servers.ts',
  'jwt-verify.ts',
  'realtime-client.ts',
  'realtime-protocol.ts',
  'realtime-report.ts',
  'realtime-server.ts',
  'run.ts',
  'session-load.ts',
  'session-protocol.ts',
  'session-redis-scaling.ts',
  'session-report.ts',
  'session-server.ts',
  'session-servers.ts',
]);

const benchmarks = readdirSync(BENCH_DIR)
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !NOT_BENCHMARKS.has(file))
  .sort();

stopChildrenOnExit();
const failed: string[] = [];
for (const file of benchmarks) {
  console.log(`\n=== bench/${file} ===\n`);
  const child = startChild({
    name: file,
    command: process.execPath,
    args: ['--import', 'tsx', join(BENCH_DIR, file), ...process.argv.slice(2)],
    cwd: ROOT,
    output: 'inherit',
  });
  const exit = await child.exited;
  await child.stop();
  if (exit !== 0) failed.push(`${file} (exit ${exit})`);
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
