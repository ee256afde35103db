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
import { join, resolve } from 'node:path';
import { startChild } from './harness/children.ts';
import { pinned } from './harness/pinning.ts';
import { type Measurement, measureInRounds } from './harness/rounds.ts';
import { recordReport, runBenchmark } from './harness/run-benchmark.ts';
import { type LoadSettings, readLoadSettings } from './harness/settings.ts';
import { selectTargets } from './harness/targets.ts';
import { withTimeout } from './harness/timeout.ts';
import { findVerifyResult, type VerifyResult } from './jwt-protocol.ts';
import { renderReport } from './jwt-report.ts';
import { DEFAULT_TARGETS, startServer, TARGETS, type Target } from './jwt-servers.ts';
import { runLoad } from './session-servers.ts';

const ROOT = resolve(import.meta.dirname, '..');
const RESULTS_FILE = join(ROOT, 'bench/results/jwt.md');
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
    return await runLoad(target.label, server.baseUrl + target.path, settings, {
      expectBody: server.expectBody,
      headers: server.headers,
    });
  } finally {
    await server.stop();
  }
}

function measureThroughput(targets: Target[], settings: LoadSettings): Promise<Measurement<Target>[]> {
  return measureInRounds(targets, {
    rounds: settings.rounds,
    name: (target) => `${target.label} ${target.path}`,
    nameWidth: 62,
    measure: (target) => measureTarget(target, settings),
  });
}

/** jwt-verify.ts in its own process, pinned where the servers ran, with nothing else running. */
async function measureVerification(): Promise<VerifyResult> {
  const child = startChild({
    name: 'verification (jwt-verify.ts)',
    ...pinned(0, process.execPath, ['--import', 'tsx', join(ROOT, 'bench/jwt-verify.ts')]),
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

async function main(): Promise<void> {
  const settings = loadSettings();
  const targets = selectTargets(TARGETS, DEFAULT_TARGETS);
  const measurements = await measureThroughput(targets, settings);
  console.log('\nverification alone (jwt-verify.ts) …');
  const verify = await measureVerification();
  const report = renderReport(measurements, settings, verify);
  console.log(`\n${report}`);
  recordReport(report, RESULTS_FILE, settings.durationSeconds);
}

await runBenchmark('jwt', main);
