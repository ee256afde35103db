/**
 * Access benchmark: what `requirePermission('notes:read')` costs the reference app's
 * `GET /tenants/:tenantId/notes` with a bearer access token, in one run:
 *
 * 1. Throughput, like bench/jwt.ts (one server at a time on CPU 0, autocannon in another process on CPU 1,
 *    best of several rounds, the pair measured back to back): the app's route (requireAuth() +
 *    requirePermission + the SQL query) against its twin without the permission guard (same server fixture,
 *    same handler and query), and the same pair with an in-memory handler, where the guard's share is not
 *    hidden behind the query. Target: guarded ≥ 0.95× unguarded.
 * 2. `can()` alone, no HTTP (access-can.ts): the cached decision the guard makes, in ns per call.
 *
 *   node --import tsx bench/access.ts [--duration 10] [--connections 50] [--pipelining 1] [--warmup 2] [--rounds 3]
 *
 * More settings are environment variables: BENCH_TARGETS, BENCH_CAN_CALLS, BENCH_CAN_ROUNDS, BENCH_PIN (see
 * bench/README.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type AccessServerReady,
  type CanResult,
  findCanResult,
  findReadyLine,
  ROUTES,
} from './access-protocol.ts';
import { renderReport } from './access-report.ts';
import { startChild } from './harness/children.ts';
import { findFreePort } from './harness/free-port.ts';
import { withoutLiftVariables } from './harness/lift-environment.ts';
import { pinned } from './harness/pinning.ts';
import { assertJsonAnswer, waitUntil } from './harness/probe.ts';
import { type Measurement, measureInRounds } from './harness/rounds.ts';
import { recordReport, runBenchmark } from './harness/run-benchmark.ts';
import { type LoadSettings, readLoadSettings } from './harness/settings.ts';
import { selectTargets } from './harness/targets.ts';
import { withTimeout } from './harness/timeout.ts';
import { runLoad, send } from './session-servers.ts';

const ROOT = resolve(import.meta.dirname, '..');
const RESULTS_FILE = join(ROOT, 'bench/results/access.md');
const STARTUP_MS = 60_000;
const CAN_TIMEOUT_MS = 180_000;
/** Three rounds unless told otherwise: a 5 % target needs more than two samples per target. */
const DEFAULT_ROUNDS = 3;

export type TargetId = 'db-guarded' | 'db-auth-only' | 'memory-guarded' | 'memory-auth-only';

export interface Target {
  id: TargetId;
  label: string;
  route: keyof typeof ROUTES;
  /** Behind requirePermission('notes:read'). */
  guarded: boolean;
  /** The path with `:tenantId`, for the report. */
  path: string;
}

export const TARGETS: Target[] = [
  {
    id: 'db-guarded',
    label: 'requirePermission + SQL query (the app’s route)',
    route: 'dbGuarded',
    guarded: true,
    path: ROUTES.dbGuarded(':tenantId'),
  },
  {
    id: 'db-auth-only',
    label: 'requireAuth only + SQL query',
    route: 'dbAuthOnly',
    guarded: false,
    path: ROUTES.dbAuthOnly(':tenantId'),
  },
  {
    id: 'memory-guarded',
    label: 'requirePermission + in-memory page',
    route: 'memoryGuarded',
    guarded: true,
    path: ROUTES.memoryGuarded(':tenantId'),
  },
  {
    id: 'memory-auth-only',
    label: 'requireAuth only + in-memory page',
    route: 'memoryAuthOnly',
    guarded: false,
    path: ROUTES.memoryAuthOnly(':tenantId'),
  },
];

function loadSettings(): LoadSettings {
  const argv = process.argv.slice(2);
  const roundsGiven =
    (process.env.BENCH_ROUNDS ?? '') !== '' ||
    argv.some((arg) => arg === '--rounds' || arg.startsWith('--rounds='));
  return readLoadSettings(roundsGiven ? argv : ['--rounds', String(DEFAULT_ROUNDS), ...argv]);
}

/**
 * Throws unless the viewer gets exactly the expected page, an anonymous caller 401, and a user of no tenant 403
 * from a guarded route and the page from an unguarded one (so the guard is on exactly where it should be).
 */
async function checkServer(target: Target, url: string, ready: AccessServerReady): Promise<string> {
  const response = await send(url, { headers: { authorization: ready.authorization } });
  assertJsonAnswer(`${target.label}: GET ${target.path}`, response, ready.body);
  const anonymous = await send(url);
  const outsider = await send(url, { headers: { authorization: ready.outsiderAuthorization } });
  const outsiderExpected = target.guarded ? 403 : 200;
  if (anonymous.status !== 401 || outsider.status !== outsiderExpected) {
    throw new Error(
      `${target.label}: answered ${anonymous.status} without a token (expected 401) and ${outsider.status} to ` +
        `a user of no tenant (expected ${outsiderExpected})`,
    );
  }
  return response.body;
}

async function measureTarget(target: Target, settings: LoadSettings) {
  const port = await findFreePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'lift-bench-access-'));
  const child = startChild({
    name: target.label,
    ...pinned(0, process.execPath, ['--import', 'tsx', join(ROOT, 'bench/access-server.ts')]),
    env: {
      ...withoutLiftVariables(),
      BENCH_PORT: String(port),
      BENCH_HOST: '127.0.0.1',
      BENCH_DATA_DIR: dataDir,
    },
    cwd: ROOT,
  });
  try {
    const ready = await waitUntil(child, 'ready line', STARTUP_MS, async () => findReadyLine(child.stdout()));
    const url = `http://127.0.0.1:${port}${ROUTES[target.route](ready.tenantId)}`;
    const expectBody = await checkServer(target, url, ready);
    return await runLoad(target.label, url, settings, {
      expectBody,
      headers: { authorization: ready.authorization },
    });
  } finally {
    await child.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** access-can.ts in its own process, pinned where the servers ran, with nothing else running. */
async function measureCan(): Promise<CanResult> {
  const child = startChild({
    name: 'can() timing (access-can.ts)',
    ...pinned(0, process.execPath, ['--import', 'tsx', join(ROOT, 'bench/access-can.ts')]),
    env: withoutLiftVariables(),
    cwd: ROOT,
  });
  try {
    const exit = await withTimeout(child.exited, CAN_TIMEOUT_MS, child.name);
    const result = findCanResult(child.stdout());
    if (exit !== 0 || result === null)
      throw new Error(`${child.name} failed (exit ${exit}):\n${child.stderrTail()}`);
    return result;
  } finally {
    await child.stop();
  }
}

async function main(): Promise<void> {
  const settings = loadSettings();
  const targets = selectTargets(
    TARGETS,
    TARGETS.map((target) => target.id),
  );
  const measurements: Measurement<Target>[] = await measureInRounds(targets, {
    rounds: settings.rounds,
    name: (target) => target.label,
    nameWidth: 50,
    measure: (target) => measureTarget(target, settings),
  });
  console.log('\ncan() alone (access-can.ts) …');
  const can = await measureCan();
  const report = renderReport(measurements, settings, can);
  console.log(`\n${report}`);
  recordReport(report, RESULTS_FILE, settings.durationSeconds);
}

await runBenchmark('access', main);
