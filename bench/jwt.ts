/**
 * JWT benchmark: a bearer-authenticated `GET /me`, in one run:
 *
 * 1. Throughput, like bench/http.ts (one server at a time on CPU 0, autocannon in another process on CPU 1,
 *    best of several rounds): the Lift reference app with HS256 and with its default EdDSA (verified-token
 *    cache on, as by default, and off), Fastify + @fastify/jwt with HS256 and EdDSA, and raw node:http's
 *    `GET /hello` as the floor. Targets: Lift HS256 ≥ 1.0× Fastify + @fastify/jwt; Lift EdDSA with the cache
 *    ≥ 0.7× raw node:http.
 * 2. Verification alone (jwt-verify.ts): Lift's uncached `AccessTokens.verify` against the bare node:crypto
 *    signature check of the same token. Target: ≤ 2×.
 *
 *   node --import tsx bench/jwt.ts [--duration 8] [--connections 50] [--pipelining 1] [--warmup 2] [--rounds 2]
 *
 * More settings are environment variables: BENCH_TARGETS, BENCH_VERIFY_ROUNDS, BENCH_VERIFY_SCALE, BENCH_PIN
 * (see bench/README.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startChild, stopAllChildren, stopChildrenOnExit } from './harness/children.ts';
import { formatInteger } from './harness/report.ts';
import { type LoadSettings, readLoadSettings } from './harness/settings.ts';
import { withTimeout } from './harness/timeout.ts';
import { findVerifyResult, type VerifyResult } from './jwt-protocol.ts';
import { type Measurement, renderReport } from './jwt-report.ts';
import { DEFAULT_TARGETS, pinned, startServer, TARGETS, type Target, type TargetId } from './jwt-servers.ts';
import { runLoad } from './session-servers.ts';

const ROOT = resolve(import.meta.dirname, '..');
const RESULTS_FILE = join(ROOT, 'bench/results/jwt.md');
/** Runs shorter than this are harness smoke tests; they do not overwrite the recorded results. */
const MIN_RECORDED_DURATION_SECONDS = 5;
const VERIFY_TIMEOUT_MS = 180_000;
/**
 * Measured seconds per target when neither `--duration` nor `BENCH_DURATION` says otherwise: 8 rather than
 * the harness's 10, so seven targets × two rounds plus the verification child stay within about 3 minutes.
 */
const DEFAULT_DURATION_SECONDS = 8;

function loadSettings(): LoadSettings {
  const argv = process.argv.slice(2);
  const durationGiven =
    (process.env.BENCH_DURATION ?? '') !== '' ||
    argv.some((arg) => arg === '--duration' || arg.startsWith('--duration='));
  return readLoadSettings(durationGiven ? argv : ['--duration', String(DEFAULT_DURATION_SECONDS), ...argv]);
}

async function measureTarget(target: Target, settings: LoadSettings) {
  const server = await startServer(target);
  try {
    return await runLoad(
      {
        url: server.baseUrl + target.path,
        warmupSeconds: settings.warmupSeconds,
        durationSeconds: settings.durationSeconds,
        connections: settings.connections,
        pipelining: settings.pipelining,
        expectBody: server.expectBody,
        headers: server.headers,
      },
      target.label,
    );
  } finally {
    await server.stop();
  }
}

async function measureThroughput(targets: Target[], settings: LoadSettings): Promise<Measurement[]> {
  const measurements = targets.map((target): Measurement => ({ target, rounds: [] }));
  for (let round = 1; round <= settings.rounds; round++) {
    // Alternate the order so slow drift on a shared machine does not always favour the same target.
    const order = round % 2 === 1 ? measurements : [...measurements].reverse();
    for (const measurement of order) {
      const result = await measureTarget(measurement.target, settings);
      measurement.rounds.push(result);
      console.log(
        `round ${round}/${settings.rounds}  ${`${measurement.target.label} ${measurement.target.path}`.padEnd(62)} ` +
          `${formatInteger(result.requestsPerSecond).padStart(8)} req/s  p99 ${result.latencyP99Ms.toFixed(1)} ms`,
      );
    }
  }
  return measurements;
}

/** jwt-verify.ts in its own process, pinned where the servers ran, with nothing else running. */
async function measureVerification(): Promise<VerifyResult> {
  const child = startChild({
    name: 'verification (jwt-verify.ts)',
    ...pinned(0, ['--import', 'tsx', join(ROOT, 'bench/jwt-verify.ts')]),
    cwd: ROOT,
  });
  try {
    const exit = await withTimeout(child.exited, VERIFY_TIMEOUT_MS, child.name);
    const result = findVerifyResult(child.stdout());
    if (exit !== 0 || result === null) {
      throw new Error(`${child.name} failed (exit ${exit}):\n${child.stderrTail()}`);
    }
    return result;
  } finally {
    await child.stop();
  }
}

function selectedTargets(): Target[] {
  const raw = process.env.BENCH_TARGETS;
  const ids = new Set<TargetId>(['node-http']);
  if (raw === undefined || raw.trim() === '') {
    for (const id of DEFAULT_TARGETS) ids.add(id);
  } else {
    for (const name of raw.split(',').map((part) => part.trim())) {
      const target = TARGETS.find((candidate) => candidate.id === name);
      if (target === undefined) {
        throw new Error(
          `BENCH_TARGETS: unknown target "${name}" (known: ${TARGETS.map((t) => t.id).join(', ')})`,
        );
      }
      ids.add(target.id);
    }
  }
  return TARGETS.filter((target) => ids.has(target.id));
}

async function main(): Promise<void> {
  stopChildrenOnExit();
  const settings = loadSettings();
  const targets = selectedTargets();
  const measurements = await measureThroughput(targets, settings);
  console.log('\nverification alone (jwt-verify.ts) …');
  const verify = await measureVerification();
  const report = renderReport(measurements, settings, verify);
  console.log(`\n${report}`);
  if (settings.durationSeconds >= MIN_RECORDED_DURATION_SECONDS) {
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(RESULTS_FILE, report);
    console.log(`written to ${RESULTS_FILE}`);
  } else {
    console.log(`smoke run (< ${MIN_RECORDED_DURATION_SECONDS} s): ${RESULTS_FILE} left unchanged`);
  }
}

try {
  await main();
} catch (error) {
  console.error(`\njwt benchmark failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
} finally {
  await stopAllChildren();
}
