/**
 * What emitting events costs the login path (issue 11, item 5). In one process, through `app.fetch` (no
 * network), sequential `POST /auth/login` of the reference app with the default argon2id parameters; every
 * call to `app.events.emit` is timed from the call until what it returns has settled — the time the request's
 * await chain spends in it. Targets, all in the same run, rounds alternating their order:
 *
 * - `session`: a login for a session cookie (SQLite, in-process broker: the embedded shape's defaults);
 * - `tokens`: a login answered with an access and a refresh token (`response: 'tokens'`);
 * - `session-audit`: `session` with one more local event handler that writes every event to the key-value
 *   table (`storage.kv`, SQL), what an audit subscriber does;
 * - `session-redis`: `session` with the broker on Redis (`BENCH_REDIS_URL`, own key prefix; skipped when
 *   Redis does not answer).
 *
 * Peer: argon2id verification of the same password alone, timed in the same process (`login ÷ argon2id`).
 * Between two logins the app's event queue is left to settle (outside the timing) when the app has one, so
 * each login is measured alone. Report: `results/login-events.md` when `BENCH_LOGINS` ≥ 50.
 *
 * Environment: `BENCH_LOGINS` (100 per target per round), `BENCH_ROUNDS` (3, after one discarded warm-up
 * round), `BENCH_REDIS_URL` (`redis://127.0.0.1:6379`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LiftConfigInput } from '@lift/server';
import { Redis } from 'ioredis';
import buildNotesApp from '../examples/notes/src/app.ts';
import { machineLines, markdownTable } from './harness/report.ts';

type NotesApp = ReturnType<typeof buildNotesApp>;
type TargetId = 'session' | 'tokens' | 'session-audit' | 'session-redis';

interface Target {
  id: TargetId;
  label: string;
  app: NotesApp;
  body: string;
  dataDir: string;
}

interface Sample {
  loginMs: number;
  emitMs: number;
  emits: number;
}

const EMAIL = 'bench@example.com';
const PASSWORD = 'correct horse battery staple 42';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

function envCount(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

async function redisAnswers(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Every emit call, timed until what it returns has settled; sums kept per login. */
function timeEmits(app: NotesApp): { take(): { ms: number; count: number } } {
  const events = app.events as unknown as { emit: (...args: unknown[]) => unknown };
  const original = events.emit.bind(events);
  let ms = 0;
  let count = 0;
  events.emit = (...args: unknown[]) => {
    const start = performance.now();
    count += 1;
    const result = original(...args);
    if (result instanceof Promise) {
      return result.finally(() => {
        ms += performance.now() - start;
      });
    }
    ms += performance.now() - start;
    return result;
  };
  return {
    take() {
      const taken = { ms, count };
      ms = 0;
      count = 0;
      return taken;
    },
  };
}

async function buildTarget(id: TargetId, label: string, redisPrefix: string): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), `lift-bench-login-${id}-`));
  const config: LiftConfigInput = {
    env: 'test',
    dataDir,
    log: { level: 'warn' },
    mail: { url: 'memory:' },
    auth: { throttle: { login: 1_000_000 } },
    ...(id === 'session-redis' ? { storage: { broker: REDIS_URL, redisPrefix } } : {}),
  };
  const app = buildNotesApp(config);
  await app.start({ bootstrapAdmin: false });
  const { deps } = app.module('identity');
  const user = await deps.users.create({ email: EMAIL });
  await deps.users.markEmailVerified(user.id);
  await deps.users.setPasswordHash(user.id, await deps.hasher.hash(PASSWORD));
  if (id === 'session-audit') {
    let sequence = 0;
    app.events.onLocal(async (event) => {
      sequence += 1;
      await app.storage.kv.set(`bench-audit:${sequence}`, JSON.stringify(event), { ttlMs: 600_000 });
    });
  }
  const body = JSON.stringify({
    email: EMAIL,
    password: PASSWORD,
    ...(id === 'tokens' ? { response: 'tokens' } : {}),
  });
  return { id, label, app, body, dataDir };
}

async function login(target: Target, emits: ReturnType<typeof timeEmits>): Promise<Sample> {
  const settled = (target.app.events as { settled?: () => Promise<void> }).settled;
  await settled?.call(target.app.events);
  emits.take();
  const request = new Request('http://lift.test/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'bench/login-events' },
    body: target.body,
  });
  const start = performance.now();
  const response = await target.app.fetch(request, { remoteAddress: '127.0.0.1' });
  const text = await response.text();
  const loginMs = performance.now() - start;
  if (response.status !== 200) throw new Error(`${target.id}: login answered ${response.status}: ${text}`);
  const { ms, count } = emits.take();
  return { loginMs, emitMs: ms, emits: count };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function argon2Median(app: NotesApp, count: number): Promise<number> {
  const { hasher } = app.module('identity').deps;
  const hash = await hasher.hash(PASSWORD);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    if (!(await hasher.verify(hash, PASSWORD))) throw new Error('argon2id did not verify the password');
    times.push(performance.now() - start);
  }
  return median(times);
}

interface RoundResult {
  loginMs: number;
  emitUs: number;
  emits: number;
}

const logins = envCount('BENCH_LOGINS', 100);
const rounds = envCount('BENCH_ROUNDS', 3);
const redisPrefix = `bench-login:${process.pid}:`;
const targets: Target[] = [
  await buildTarget('session', 'session login (SQLite, in-process broker)', redisPrefix),
  await buildTarget('tokens', 'token login (response: tokens)', redisPrefix),
  await buildTarget('session-audit', 'session login + audit-like handler (SQL write per event)', redisPrefix),
];
if (await redisAnswers())
  targets.push(await buildTarget('session-redis', 'session login, broker on Redis', redisPrefix));
else console.log(`Redis at ${REDIS_URL} does not answer: session-redis skipped`);

const emitTimers = new Map(targets.map((target) => [target.id, timeEmits(target.app)]));
const perRound = new Map<TargetId, RoundResult[]>(targets.map((target) => [target.id, []]));
const argon2PerRound: number[] = [];
for (let round = 0; round <= rounds; round++) {
  const order = round % 2 === 0 ? targets : [...targets].reverse();
  for (const target of order) {
    const samples: Sample[] = [];
    for (let i = 0; i < logins; i++) samples.push(await login(target, emitTimers.get(target.id)!));
    if (round === 0) continue;
    perRound.get(target.id)!.push({
      loginMs: median(samples.map((s) => s.loginMs)),
      emitUs: median(samples.map((s) => s.emitMs)) * 1000,
      emits: median(samples.map((s) => s.emits)),
    });
  }
  if (round > 0) argon2PerRound.push(await argon2Median(targets[0]!.app, Math.min(logins, 50)));
}

const argon2Ms = Math.min(...argon2PerRound);
const rows = targets.map((target) => {
  const results = perRound.get(target.id)!;
  const best = results.reduce((a, b) => (b.loginMs < a.loginMs ? b : a));
  return [
    target.label,
    best.loginMs.toFixed(2),
    String(best.emits),
    best.emitUs.toFixed(1),
    `${((best.emitUs / 1000 / best.loginMs) * 100).toFixed(2)} %`,
    `${(best.loginMs / argon2Ms).toFixed(2)}×`,
    results.map((r) => `${r.loginMs.toFixed(1)} ms / ${r.emitUs.toFixed(0)} µs`).join(', '),
  ];
});
const report = [
  '# Login path: the cost of emitting events',
  '',
  ...machineLines(),
  `- ${logins} sequential logins per target per round through \`app.fetch\`, best of ${rounds} rounds (by median login time)`,
  '',
  markdownTable(
    [
      'target',
      'login p50 (ms)',
      'emit calls per login',
      'time in emit per login, p50 (µs)',
      'share of the login',
      'login ÷ argon2id verify',
      'per round (login / emit)',
    ],
    rows,
  ),
  '',
  `Peer: argon2id verify alone (same hash, same process): ${argon2Ms.toFixed(2)} ms (best round median).`,
  '',
].join('\n');
console.log(report);
if (logins >= 50) writeFileSync(resolve(import.meta.dirname, 'results', 'login-events.md'), report);

for (const target of targets) {
  await target.app.close();
  rmSync(target.dataDir, { recursive: true, force: true });
}
if (targets.some((target) => target.id === 'session-redis')) {
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
}
