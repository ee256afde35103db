/** The Markdown report of `bench/session.ts`: one section per measurement, with the issue's targets. */
import { PIN } from './harness/pinning.ts';
import { formatInteger, formatRatio, machineLines, markdownTable, verdict } from './harness/report.ts';
import { best, type Measurement, throughputRow } from './harness/rounds.ts';
import type { LoadSettings } from './harness/settings.ts';
import type { ScalingResult } from './session-redis-scaling.ts';
import { TARGETS, type Target, type TargetId } from './session-servers.ts';

/** Lift's cookie-authenticated GET /me must reach at least this fraction of raw node:http's requests/s (issue 12). */
const ME_TARGET_RATIO = 0.5;
/** … and at least this multiple of Better Auth's `getSession` with its defaults (issue 12). */
const BETTER_AUTH_TARGET_RATIO = 15;
/** Validating with 1,000,000 sessions in Redis may take at most this multiple of validating with 1,000. */
const SCALING_TARGET_RATIO = 1.2;

export interface LoginResult {
  /** Logins made before the measured ones. */
  warmup: number;
  loginsMs: number[];
  argon2VerifyMs: number[];
}

function quantile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * fraction) - 1)] ?? Number.NaN;
}

function throughputSection(
  measurements: Measurement<Target>[],
  settings: LoadSettings,
  skipped: string[],
): string[] {
  const baseline = best(measurements.find((m) => m.target.id === 'node-http')!).requestsPerSecond;
  const ratioOf = (id: TargetId) => {
    const measurement = measurements.find((m) => m.target.id === id);
    return measurement ? best(measurement).requestsPerSecond / baseline : null;
  };
  const rows = measurements.map((measurement) => throughputRow(measurement, baseline));
  const verdicts: string[] = [];
  for (const id of ['me-sql', 'me-redis', 'me-redis-uncached'] as const) {
    const ratio = ratioOf(id);
    const label = TARGETS.find((target) => target.id === id)!.label;
    if (ratio !== null) {
      verdicts.push(
        `- ${verdict(`GET /me ≥ ${ME_TARGET_RATIO}× raw node:http, ${label}`, ratio >= ME_TARGET_RATIO, formatRatio(ratio))}`,
      );
    }
  }
  const betterAuth = ratioOf('better-auth');
  const meDefault = ratioOf('me-sql');
  if (betterAuth !== null && meDefault !== null) {
    const multiple = meDefault / betterAuth;
    verdicts.push(
      `- ${verdict(`GET /me (default) ≥ ${BETTER_AUTH_TARGET_RATIO}× Better Auth getSession`, multiple >= BETTER_AUTH_TARGET_RATIO, `${multiple.toFixed(1)}×`)}`,
    );
  }
  const hello = ratioOf('lift-hello');
  const me = ratioOf('me-sql');
  if (hello !== null && me !== null) {
    verdicts.push(
      `- What the session costs: Lift GET /me (default) ÷ Lift GET /hello = ${formatRatio(me / hello)} (same app, same pipeline)`,
    );
  }
  return [
    '## Throughput: cookie-authenticated GET /me',
    '',
    `${settings.durationSeconds} s measured after ${settings.warmupSeconds} s warm-up per target, ` +
      `${settings.connections} connections, pipelining ${settings.pipelining}, best of ${settings.rounds} ` +
      `round(s) (highest requests/s; p99 from that round); ${PIN ? 'server on CPU 0, load generator on CPU 1' : 'not pinned'}. ` +
      'Every request carries the same cookie and user-agent header, raw node:http included.',
    '',
    markdownTable(
      ['target', 'request', 'requests/s', 'p99 (ms)', 'ratio to raw node:http', 'requests/s per round'],
      rows,
    ),
    '',
    ...verdicts,
    ...skipped.map((reason) => `- Skipped: ${reason}`),
    '',
  ];
}

function loginSection(login: LoginResult): string[] {
  const row = (what: string, values: number[]) => [
    what,
    String(values.length),
    quantile(values, 0.5).toFixed(1),
    quantile(values, 0.95).toFixed(1),
    Math.min(...values).toFixed(1),
    Math.max(...values).toFixed(1),
  ];
  const share = quantile(login.argon2VerifyMs, 0.5) / quantile(login.loginsMs, 0.5);
  return [
    '## Login latency: POST /auth/login',
    '',
    `Sequential logins of one verified user over one keep-alive connection (after ${login.warmup} discarded), ` +
      'default argon2id parameters (m=19456 KiB, t=2, p=1), SQL store; the server is pinned like above. ' +
      'argon2id verification alone is timed in the same server process before it starts listening.',
    '',
    markdownTable(
      ['what', 'samples', 'p50 (ms)', 'p95 (ms)', 'min (ms)', 'max (ms)'],
      [row('POST /auth/login', login.loginsMs), row('argon2id verify alone', login.argon2VerifyMs)],
    ),
    '',
    `- argon2id is ${(share * 100).toFixed(0)} % of the median login.`,
    '',
  ];
}

function scalingSection(scaling: ScalingResult): string[] {
  const [smallBefore, large, smallAfter] = scaling.timings;
  const rows = scaling.timings.map((timing) => [
    timing.label,
    formatInteger(timing.lookups),
    timing.meanUs.toFixed(1),
    timing.p50Us.toFixed(1),
    timing.p99Us.toFixed(1),
    timing.roundMeansUs.map((mean) => mean.toFixed(1)).join(' / '),
  ]);
  const lines = [
    '## Session validation from Redis: 1,000 vs 1,000,000 stored sessions',
    '',
    '`RedisSessionStore.findByTokenHash` (one GET; what the session manager calls when its node cache has no ' +
      'fresh entry, i.e. on every request with `cacheTtlMs: 1`) on uniformly random stored sessions, one call ' +
      "at a time, after 1,000 discarded calls, in 4 rounds; µs/op is the best round's mean, percentiles are " +
      'over all calls. The small size is measured before and after the large one.',
    '',
    markdownTable(
      ['sessions in Redis', 'lookups', 'µs/op (best round)', 'p50 (µs)', 'p99 (µs)', 'µs/op per round'],
      rows,
    ),
    '',
  ];
  if (smallBefore && large && smallAfter) {
    const small = (smallBefore.meanUs + smallAfter.meanUs) / 2;
    const ratio = large.meanUs / small;
    const p50Ratio = large.p50Us / ((smallBefore.p50Us + smallAfter.p50Us) / 2);
    lines.push(
      `- ${verdict(`${formatInteger(large.sessions)} ÷ ${formatInteger(smallBefore.sessions)} sessions ≤ ${SCALING_TARGET_RATIO}× (µs/op; the small size counts as the mean of its two runs)`, ratio <= SCALING_TARGET_RATIO, formatRatio(ratio))}; the same ratio of p50s: ${formatRatio(p50Ratio)}`,
    );
  }
  lines.push(
    `- Filling Redis from ${formatInteger(smallBefore?.sessions ?? 0)} to ${formatInteger(large?.sessions ?? 0)} ` +
      `sessions took ${scaling.fillSeconds.toFixed(1)} s and ${(scaling.fillMemoryBytes / 2 ** 20).toFixed(0)} MiB ` +
      `of Redis memory; the cleanup removed the remaining ${formatInteger(scaling.cleanedKeys)} keys.`,
    "- What is filled where: Redis gets, under a key prefix of the benchmark's own, exactly the keys the " +
      "store's cache script writes per session (`sess:t:<tokenHash>` → record JSON, `sess:i:<id>` → token " +
      'hash, `sess:u:<userId>` → set of ids, four sessions per user), with a 10-minute expiry, written by a ' +
      "script that runs those SET/SADD/PEXPIRE commands for 1,000 sessions per call. SQL (a temp SQLite file, the store's source of truth) gets rows only for the sessions that are " +
      'looked up. Every sampled key is checked to be in Redis before timing, so no timed call reads SQL. ' +
      'Everything under the prefix is removed with SCAN + UNLINK at the end.',
    '',
  );
  return lines;
}

export interface SessionReport {
  /** null when Redis did not answer. */
  redisUrl: string | null;
  settings: LoadSettings;
  measurements: Measurement<Target>[];
  /** Why targets were left out. */
  skipped: string[];
  login: LoginResult;
  scaling: ScalingResult | null;
}

export function renderReport(report: SessionReport): string {
  return [
    '# Session benchmark',
    '',
    ...machineLines(),
    `- Redis: ${report.redisUrl ?? 'not reachable'}`,
    '',
    ...throughputSection(report.measurements, report.settings, report.skipped),
    ...loginSection(report.login),
    ...(report.scaling
      ? scalingSection(report.scaling)
      : ['## Session validation from Redis', '', 'Skipped: Redis did not answer.', '']),
  ].join('\n');
}
