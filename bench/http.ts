/**
 * HTTP benchmark: `GET /hello` → `{"hello":"world"}` served by raw node:http, bare Hono, Fastify and Lift (the
 * reference app with all default middleware), one at a time, each in its own process, loaded by autocannon from
 * another process. Prints a Markdown table with requests/s, p99 latency and the ratio to raw node:http, and
 * writes it to bench/results/http.md.
 *
 *   node --import tsx bench/http.ts [--duration 10] [--connections 50] [--pipelining 1] [--warmup 2] [--rounds 2]
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { withoutLiftVariables } from './harness/lift-environment.ts';
import { type MeasureOptions, measureServer, type ServerTarget } from './harness/measure.ts';
import type { ProbeResponse } from './harness/probe.ts';
import { formatInteger, formatRatio, machineLines, markdownTable } from './harness/report.ts';
import { best, type Measurement, measureInRounds } from './harness/rounds.ts';
import { recordReport, runBenchmark } from './harness/run-benchmark.ts';
import { type LoadSettings, readLoadSettings } from './harness/settings.ts';

const ROOT = resolve(import.meta.dirname, '..');
const RESULTS_FILE = join(ROOT, 'bench/results/http.md');
const LIFT_BIN = join(ROOT, 'packages/server/bin/lift.js');
const LIFT_APP = 'examples/notes/src/app.ts';
/** Issue 12: every default on ≥ 0.65× raw node:http and ≥ 2× Fastify's production setup; access log off ≥ 0.85×. */
const LIFT_TARGET_RATIO = 0.65;
const LIFT_FASTIFY_PRODUCTION_RATIO = 2;
const LIFT_QUIET_TARGET_RATIO = 0.85;

const PEER_STARTUP_MS = 20_000;
const LIFT_STARTUP_MS = 60_000;

type TargetId =
  | 'node-http'
  | 'node-http-headers'
  | 'hono'
  | 'hono-secure'
  | 'fastify'
  | 'fastify-production'
  | 'lift'
  | 'lift-quiet';
type LiftId = 'lift' | 'lift-quiet';

interface HttpTarget extends ServerTarget {
  id: TargetId;
}

function peer(id: Exclude<TargetId, LiftId>, label: string): HttpTarget {
  return {
    id,
    label,
    startupTimeoutMs: PEER_STARTUP_MS,
    launch: (port) => ({
      command: process.execPath,
      args: ['--import', 'tsx', join(ROOT, `bench/servers/${id}.ts`)],
      env: { ...process.env, BENCH_PORT: String(port), BENCH_HOST: '127.0.0.1' },
    }),
  };
}

/**
 * Lift's own environment without inherited `LIFT_*` settings, so the run measures the defaults — in production
 * mode (a generated strong secret), at the default log level: an access line per request, to stdout.
 */
function liftEnvironment(dataDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...withoutLiftVariables(),
    LIFT_ENV: 'production',
    LIFT_SECRET: randomBytes(48).toString('base64url'),
    LIFT_DATA_DIR: dataDir,
    LIFT_AUTH__PUBLIC_URL: 'https://notes.example',
    LIFT_MAIL__URL: `file:${join(dataDir, 'mail')}`,
    ...extra,
  };
}

function liftTarget(id: LiftId, label: string, extra: Record<string, string>): HttpTarget {
  return {
    id,
    label,
    startupTimeoutMs: LIFT_STARTUP_MS,
    launch(port) {
      const dataDir = mkdtempSync(join(tmpdir(), 'lift-bench-'));
      const env = liftEnvironment(dataDir, extra);
      // Production refuses to start on an unmigrated database.
      execFileSync(process.execPath, [LIFT_BIN, 'migrate', '--app', LIFT_APP], {
        cwd: ROOT,
        env,
        stdio: 'ignore',
      });
      return {
        command: process.execPath,
        args: [LIFT_BIN, 'serve', '--app', LIFT_APP, '--port', String(port), '--host', '127.0.0.1'],
        env,
        cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
      };
    },
  };
}

const lift = liftTarget('lift', 'Lift (examples/notes, every default)', {});
const liftQuiet = liftTarget('lift-quiet', 'Lift (examples/notes, access log off)', {
  LIFT_HTTP__ACCESS_LOG__ENABLED: 'false',
});

const HELLO = { hello: 'world' };

function checkHello(response: ProbeResponse, target: ServerTarget): string {
  const problem = (detail: string) =>
    new Error(
      `${target.label}: GET /hello ${detail} (status ${response.status}, body ${response.body.slice(0, 300)})`,
    );
  if (response.status !== 200) throw problem('did not return 200');
  if (!response.contentType.startsWith('application/json')) {
    throw problem(`returned content-type "${response.contentType}", expected application/json`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    throw problem('did not return JSON');
  }
  if (!isDeepStrictEqual(parsed, HELLO)) throw problem('did not return {"hello":"world"}');
  return response.body;
}

type HttpMeasurement = Measurement<HttpTarget>;

function measureAll(targets: HttpTarget[], settings: LoadSettings): Promise<HttpMeasurement[]> {
  const options: MeasureOptions = { root: ROOT, path: '/hello', settings, checkResponse: checkHello };
  return measureInRounds(targets, {
    rounds: settings.rounds,
    name: (target) => target.label,
    nameWidth: 42,
    measure: (target) => measureServer(target, options),
  });
}

function verdicts(measurements: HttpMeasurement[], baseline: number, skipped: string | null): string[] {
  const rate = (id: TargetId) => {
    const found = measurements.find((m) => m.target.id === id);
    return found === undefined ? undefined : best(found).requestsPerSecond;
  };
  const check = (name: string, value: number | undefined, over: number | undefined, target: number) => {
    if (value === undefined || over === undefined) return `${name}: SKIPPED (${skipped ?? 'not measured'})`;
    const ratio = value / over;
    return `${name}: ${ratio >= target ? 'PASS' : 'FAIL'} (${formatRatio(ratio)})`;
  };
  return [
    check(`Lift ≥ ${LIFT_TARGET_RATIO}× raw node:http`, rate('lift'), baseline, LIFT_TARGET_RATIO),
    check(
      `Lift ≥ ${LIFT_FASTIFY_PRODUCTION_RATIO}× Fastify (logger, helmet, CORS)`,
      rate('lift'),
      rate('fastify-production'),
      LIFT_FASTIFY_PRODUCTION_RATIO,
    ),
    check(
      `Lift, access log off ≥ ${LIFT_QUIET_TARGET_RATIO}× raw node:http`,
      rate('lift-quiet'),
      baseline,
      LIFT_QUIET_TARGET_RATIO,
    ),
    ...informative(rate('lift'), rate('lift-quiet'), rate('node-http-headers')),
  ];
}

/** Lift against the floor for a server sending its headers: what the pipeline costs apart from the bytes. */
function informative(lift?: number, quiet?: number, withHeaders?: number): string[] {
  if (withHeaders === undefined) return [];
  return [
    lift === undefined
      ? ''
      : `Lift ÷ raw node:http sending Lift's headers (information): ${formatRatio(lift / withHeaders)}`,
    quiet === undefined
      ? ''
      : `Lift, access log off ÷ raw node:http sending Lift's headers (information): ${formatRatio(quiet / withHeaders)}`,
  ].filter((line) => line !== '');
}

function renderReport(
  measurements: HttpMeasurement[],
  settings: LoadSettings,
  liftSkipReason: string | null,
): string {
  const baselineMeasurement = measurements.find((m) => m.target.id === 'node-http');
  if (baselineMeasurement === undefined) throw new Error('raw node:http baseline missing');
  const baseline = best(baselineMeasurement).requestsPerSecond;
  const rows = measurements.map((measurement) => {
    const result = best(measurement);
    return [
      measurement.target.label,
      formatInteger(result.requestsPerSecond),
      result.latencyP99Ms.toFixed(1),
      formatRatio(result.requestsPerSecond / baseline),
      measurement.rounds.map((r) => formatInteger(r.requestsPerSecond)).join(' / '),
    ];
  });
  if (liftSkipReason !== null) rows.push([lift.label, 'pending', '–', '–', liftSkipReason]);
  const table = markdownTable(
    ['target', 'requests/s', 'p99 latency (ms)', 'ratio to raw node:http', 'requests/s per round'],
    rows,
  );

  const verdict = verdicts(measurements, baseline, liftSkipReason);

  const method =
    `${settings.durationSeconds} s measured after ${settings.warmupSeconds} s warm-up per target, ` +
    `${settings.connections} connections, pipelining ${settings.pipelining}, ` +
    `best of ${settings.rounds} round(s) (highest requests/s; p99 from that round).`;
  return [
    '# HTTP benchmark: GET /hello',
    '',
    ...machineLines(),
    `- Method: ${method}`,
    '',
    table,
    '',
    ...verdict.map((line) => (line.endsWith('(information)') ? `- ${line}` : `**Target:** ${line}`)),
    '',
  ].join('\n');
}

/** `BENCH_TARGETS=node-http,hono,…` limits the run; raw node:http always runs because ratios need it. */
function selectedTargets(): Set<TargetId> | null {
  const raw = process.env.BENCH_TARGETS;
  if (raw === undefined || raw.trim() === '') return null;
  const known: TargetId[] = [
    'node-http',
    'node-http-headers',
    'hono',
    'hono-secure',
    'fastify',
    'fastify-production',
    'lift',
    'lift-quiet',
  ];
  const selected = new Set<TargetId>(['node-http']);
  for (const name of raw.split(',').map((part) => part.trim())) {
    const id = known.find((candidate) => candidate === name);
    if (id === undefined)
      throw new Error(`BENCH_TARGETS: unknown target "${name}" (known: ${known.join(', ')})`);
    selected.add(id);
  }
  return selected;
}

async function main(): Promise<void> {
  const settings = readLoadSettings();
  const selected = selectedTargets();
  const wanted = (id: TargetId) => selected === null || selected.has(id);
  const targets: HttpTarget[] = [
    peer('node-http', 'raw node:http'),
    peer('node-http-headers', "raw node:http sending Lift's default headers"),
    peer('hono', 'Hono (@hono/node-server)'),
    peer('hono-secure', 'Hono + requestId + secureHeaders'),
    peer('fastify', 'Fastify'),
    peer('fastify-production', 'Fastify + logger + @fastify/helmet + @fastify/cors'),
  ].filter((target) => wanted(target.id));
  let liftSkipReason: string | null = null;
  if (!wanted('lift') && !wanted('lift-quiet')) {
    liftSkipReason = 'not selected in BENCH_TARGETS';
  } else if (!existsSync(LIFT_BIN)) {
    liftSkipReason = 'packages/server/bin/lift.js does not exist yet';
  } else {
    targets.push(...[lift, liftQuiet].filter((target) => wanted(target.id)));
  }
  if (liftSkipReason !== null) console.log(`note: skipping Lift: ${liftSkipReason}`);

  const measurements = await measureAll(targets, settings);
  const report = renderReport(measurements, settings, liftSkipReason);
  console.log(`\n${report}`);
  recordReport(report, RESULTS_FILE, settings.durationSeconds);
}

await runBenchmark('http', main, 'message');
