/**
 * Health benchmark (issue 13): `GET /health/ready` of Lift on the embedded default (SQLite, in-process broker,
 * production mode, every default) at a fixed 1,000 requests/s for 10 s, from a constant-rate generator
 * (`health-load.ts`) in another process; p50/p99/max latency, target p99 ≤ 5 ms. In the same run and at the
 * same rate: Lift's `/health/live` (the pipeline without any check) and raw node:http `GET /hello` (the
 * floor); the table prints ready's p99 as a ratio to both. Writes bench/results/health.md.
 *
 *   node --import tsx bench/health.ts [--rate 1000] [--duration 10] [--warmup 2]
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Child, startChild } from './harness/children.ts';
import { findFreePort } from './harness/free-port.ts';
import { withoutLiftVariables } from './harness/lift-environment.ts';
import { pinned } from './harness/pinning.ts';
import { waitForFirstResponse } from './harness/probe.ts';
import { formatRatio, machineLines, markdownTable, verdict } from './harness/report.ts';
import { recordReport, runBenchmark } from './harness/run-benchmark.ts';
import { withTimeout } from './harness/timeout.ts';
import type { RateRequest, RateResult } from './health-load.ts';

const ROOT = resolve(import.meta.dirname, '..');
const RESULTS_FILE = join(ROOT, 'bench/results/health.md');
const LIFT_BIN = join(ROOT, 'packages/server/bin/lift.js');
/** This checkout's sources through tsx, so the bench needs no build; tsx costs load time, not request time. */
const LIFT_NODE_ARGS = ['--conditions=lift-source', LIFT_BIN];
const TARGET_P99_MS = 5;
/** Both answer 200; a loaded machine may make the (non-critical) event-loop component report degraded. */
const READY = ['ready', 'degraded'];

interface Settings {
  rate: number;
  durationSeconds: number;
  warmupSeconds: number;
}

function readSettings(): Settings {
  const { values } = parseArgs({
    options: { rate: { type: 'string' }, duration: { type: 'string' }, warmup: { type: 'string' } },
  });
  const number = (flag: string | undefined, env: string, fallback: number) => {
    const raw = flag ?? process.env[env];
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${env} must be an integer ≥ 0, got ${raw}`);
    return value;
  };
  const durationSeconds = Math.max(1, number(values.duration, 'BENCH_DURATION', 10));
  return {
    rate: Math.max(1, number(values.rate, 'BENCH_RATE', 1_000)),
    durationSeconds,
    warmupSeconds: Math.min(durationSeconds, number(values.warmup, 'BENCH_WARMUP', 2)),
  };
}

async function load(url: string, expectStatus: string[], settings: Settings): Promise<RateResult> {
  const input: RateRequest = {
    url,
    ratePerSecond: settings.rate,
    warmupSeconds: settings.warmupSeconds,
    durationSeconds: settings.durationSeconds,
    expectStatus,
  };
  const child = startChild({
    name: `constant-rate load (${url})`,
    ...pinned(1, process.execPath, [
      '--import',
      'tsx',
      join(ROOT, 'bench/health-load.ts'),
      JSON.stringify(input),
    ]),
    cwd: ROOT,
  });
  try {
    const budgetMs = (settings.warmupSeconds + settings.durationSeconds + 30) * 1000;
    const exit = await withTimeout(child.exited, budgetMs, child.name);
    if (exit !== 0) throw new Error(`${child.name} failed (exit ${exit}):\n${child.stderrTail()}`);
    return JSON.parse(child.stdout().trim().split('\n').at(-1) ?? '') as RateResult;
  } finally {
    await child.stop();
  }
}

async function withServer<T>(
  name: string,
  command: { args: string[]; env: NodeJS.ProcessEnv },
  firstUrl: string,
  use: () => Promise<T>,
): Promise<T> {
  let server: Child | undefined;
  try {
    server = startChild({ name, ...pinned(0, process.execPath, command.args), env: command.env, cwd: ROOT });
    await waitForFirstResponse(firstUrl, server, 60_000);
    return await use();
  } finally {
    await server?.stop();
  }
}

/** Production mode on the embedded default, in a temp data directory, migrated first (production requires it). */
function liftEnvironment(dataDir: string): NodeJS.ProcessEnv {
  return {
    ...withoutLiftVariables(),
    LIFT_ENV: 'production',
    LIFT_SECRET: randomBytes(48).toString('base64url'),
    LIFT_DATA_DIR: dataDir,
    LIFT_AUTH__PUBLIC_URL: 'https://lift.example',
    LIFT_MAIL__URL: `file:${join(dataDir, 'mail')}`,
  };
}

async function main(): Promise<void> {
  const settings = readSettings();
  // Latency at a fixed rate suffers from whatever else runs; the report says how busy the machine was.
  const loadBefore = loadavg()[0]!;
  console.log(`# /health/ready at ${settings.rate} req/s for ${settings.durationSeconds} s\n`);
  const rows: Array<{ label: string; result: RateResult }> = [];

  const nodePort = await findFreePort();
  const helloUrl = `http://127.0.0.1:${nodePort}/hello`;
  rows.push({
    label: 'raw node:http GET /hello',
    result: await withServer(
      'raw node:http',
      {
        args: ['--import', 'tsx', join(ROOT, 'bench/servers/node-http.ts')],
        env: { ...process.env, BENCH_PORT: String(nodePort), BENCH_HOST: '127.0.0.1' },
      },
      helloUrl,
      () => load(helloUrl, [JSON.stringify({ hello: 'world' })], settings),
    ),
  });

  const dataDir = mkdtempSync(join(tmpdir(), 'lift-bench-health-'));
  try {
    const env = liftEnvironment(dataDir);
    execFileSync(process.execPath, [...LIFT_NODE_ARGS, 'migrate'], { cwd: ROOT, env, stdio: 'ignore' });
    const port = await findFreePort();
    const base = `http://127.0.0.1:${port}`;
    const args = [...LIFT_NODE_ARGS, 'serve', '--port', String(port), '--host', '127.0.0.1'];
    await withServer('Lift', { args, env }, `${base}/health/ready`, async () => {
      rows.push({
        label: 'Lift GET /health/live',
        result: await load(`${base}/health/live`, ['live'], settings),
      });
      rows.push({
        label: 'Lift GET /health/ready',
        result: await load(`${base}/health/ready`, READY, settings),
      });
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }

  const ready = rows.at(-1)!.result;
  const [node, live] = [rows[0]!.result, rows[1]!.result];
  const ms = (value: number) => value.toFixed(2);
  const table = markdownTable(
    ['target', 'rate (req/s)', 'p50 ms', 'p99 ms', 'max ms', 'ready p99 ÷ this p99'],
    rows.map(({ label, result }) => [
      label,
      result.achievedRate.toFixed(0),
      ms(result.p50Ms),
      ms(result.p99Ms),
      ms(result.maxMs),
      formatRatio(ready.p99Ms / result.p99Ms),
    ]),
  );
  const report = [
    `## /health/ready at a constant ${settings.rate} req/s`,
    '',
    ...machineLines(),
    `- Load average (1 min) at start / end: ${loadBefore.toFixed(1)} / ${loadavg()[0]!.toFixed(1)}`,
    `- Load: ${settings.rate} req/s for ${settings.durationSeconds} s after ${settings.warmupSeconds} s warm-up, keep-alive, latency from each request's due time`,
    '',
    table,
    '',
    verdict(`/health/ready p99 ≤ ${TARGET_P99_MS} ms`, ready.p99Ms <= TARGET_P99_MS, `${ms(ready.p99Ms)} ms`),
    `(peers in the same run: /health/live p99 ${ms(live.p99Ms)} ms, raw node:http p99 ${ms(node.p99Ms)} ms)`,
    '',
  ].join('\n');
  console.log(report);
  recordReport(report, RESULTS_FILE, settings.durationSeconds);
}

await runBenchmark('health', main);
