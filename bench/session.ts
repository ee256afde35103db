/**
 * Session benchmark, three measurements in one run:
 *
 * 1. Throughput of a cookie-authenticated `GET /me` (the reference app, default middleware) against raw
 *    node:http's `GET /hello`, with the session store in SQL (the default: a per-node cache answers from
 *    memory) and in Redis, like bench/http.ts: one server at a time pinned to CPU 0, autocannon in another
 *    process on CPU 1, best of several rounds, ratio to raw node:http.
 * 2. Login latency: sequential `POST /auth/login` with the default argon2id parameters, next to the time of
 *    argon2id verification alone in the same server process.
 * 3. Session validation from Redis with 1,000 and with 1,000,000 sessions stored (session-redis-scaling.ts).
 *
 *   node --import tsx bench/session.ts [--duration 10] [--connections 50] [--pipelining 1] [--warmup 2] [--rounds 2]
 *
 * More settings are environment variables: BENCH_TARGETS, BENCH_LOGINS, BENCH_LOOKUPS, BENCH_SESSIONS_SMALL,
 * BENCH_SESSIONS_LARGE, BENCH_REDIS_URL, BENCH_PIN (see bench/README.md).
 */
import { Agent } from 'node:http';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { assertJsonAnswer } from './harness/probe.ts';
import { measureInRounds } from './harness/rounds.ts';
import { recordReport, runBenchmark } from './harness/run-benchmark.ts';
import { type LoadSettings, readLoadSettings } from './harness/settings.ts';
import { selectTargets } from './harness/targets.ts';
import type { SessionServerReady } from './session-protocol.ts';
import { measureRedisScaling, type ScalingResult } from './session-redis-scaling.ts';
import { type LoginResult, renderReport } from './session-report.ts';
import {
  DEFAULT_TARGETS,
  REDIS_URL,
  type RunningServer,
  runLoad,
  send,
  startServer,
  TARGETS,
  type Target,
  USER_AGENT,
} from './session-servers.ts';

const ROOT = resolve(import.meta.dirname, '..');
const RESULTS_FILE = join(ROOT, 'bench/results/session.md');
const LOGIN_WARMUP = 3;
const ARGON2_SAMPLES = 10;
/** Lift's default Redis key prefix: where the Redis-store fixture's one session lives. */
const LIFT_REDIS_PREFIX = 'lift:';

function envInteger(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// Throughput

/** The exact body every measured request must return; throws when the server does not answer as expected. */
async function checkTarget(target: Target, server: RunningServer, headers: Record<string, string>) {
  const response = await send(server.baseUrl + target.path, { headers });
  const expected =
    target.path === '/hello' || server.ready === null
      ? { hello: 'world' }
      : { id: server.ready.userId, type: 'user', auth_method: 'session', amr: ['pwd'], fresh: true };
  assertJsonAnswer(`${target.label}: GET ${target.path}`, response, expected);
  if (target.path === '/me') {
    const anonymous = await send(server.baseUrl + target.path, { headers: { 'user-agent': USER_AGENT } });
    if (anonymous.status !== 401) {
      throw new Error(`${target.label}: GET /me without the cookie answered ${anonymous.status}, not 401`);
    }
  }
  return response.body;
}

/** Removes the one session a Redis-store fixture wrote under Lift's default prefix. */
async function removeFixtureSession(redis: Redis, ready: SessionServerReady): Promise<void> {
  await redis.unlink(
    `${LIFT_REDIS_PREFIX}sess:t:${ready.tokenHash}`,
    `${LIFT_REDIS_PREFIX}sess:i:${ready.sessionId}`,
    `${LIFT_REDIS_PREFIX}sess:u:${ready.userId}`,
  );
}

async function measureTarget(target: Target, settings: LoadSettings, redis: Redis | null) {
  const server = await startServer(target);
  try {
    const headers: Record<string, string> = { 'user-agent': USER_AGENT };
    // Raw node:http gets the same cookie header, so every target parses the same request.
    headers.cookie = server.ready?.cookie ?? 'lift_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const expectBody = await checkTarget(target, server, headers);
    return await runLoad(target.label, server.baseUrl + target.path, settings, { expectBody, headers });
  } finally {
    await server.stop();
    if (target.redis && redis && server.ready) await removeFixtureSession(redis, server.ready);
  }
}

function measureThroughput(targets: Target[], settings: LoadSettings, redis: Redis | null) {
  return measureInRounds(targets, {
    rounds: settings.rounds,
    name: (target) => `${target.label} ${target.path}`,
    nameWidth: 58,
    measure: (target) => measureTarget(target, settings, redis),
  });
}

// ---------------------------------------------------------------------------------------------------------
// Login

async function measureLogin(logins: number): Promise<LoginResult> {
  const target = TARGETS.find((candidate) => candidate.id === 'me-sql')!;
  const server = await startServer(target, { BENCH_ARGON2_SAMPLES: String(ARGON2_SAMPLES) });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const ready = server.ready!;
    const body = JSON.stringify({ email: ready.email, password: ready.password });
    const headers = { 'content-type': 'application/json', 'user-agent': USER_AGENT };
    const loginsMs: number[] = [];
    for (let i = 0; i < LOGIN_WARMUP + logins; i++) {
      const start = performance.now();
      const response = await send(`${server.baseUrl}/auth/login`, { method: 'POST', headers, body, agent });
      const elapsed = performance.now() - start;
      const cookie = String(response.headers['set-cookie'] ?? '');
      if (response.status !== 200 || !cookie.includes(`${ready.cookie.split('=')[0]}=`)) {
        throw new Error(`POST /auth/login answered ${response.status} ${response.body.slice(0, 300)}`);
      }
      if (i >= LOGIN_WARMUP) loginsMs.push(elapsed);
    }
    return { warmup: LOGIN_WARMUP, loginsMs, argon2VerifyMs: ready.argon2VerifyMs };
  } finally {
    agent.destroy();
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------------------

async function connectRedis(): Promise<Redis | null> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    console.log(
      `note: Redis at ${REDIS_URL} does not answer (${error instanceof Error ? error.message : error})`,
    );
    redis.disconnect();
    return null;
  }
}

async function main(): Promise<void> {
  const settings = readLoadSettings();
  const logins = envInteger('BENCH_LOGINS', 30, 1);
  const lookups = envInteger('BENCH_LOOKUPS', 20_000, 1);
  const small = envInteger('BENCH_SESSIONS_SMALL', 1_000, 1);
  const large = envInteger('BENCH_SESSIONS_LARGE', 1_000_000, small + 1);
  const redis = await connectRedis();
  try {
    const skipped: string[] = [];
    const targets = selectTargets(TARGETS, DEFAULT_TARGETS).filter((target) => {
      if (target.redis && redis === null)
        skipped.push(`${target.label}: Redis at ${REDIS_URL} does not answer`);
      return !target.redis || redis !== null;
    });

    const measurements = await measureThroughput(targets, settings, redis);
    console.log(`\nlogin: ${logins} sequential logins …`);
    const login = await measureLogin(logins);
    let scaling: ScalingResult | null = null;
    if (redis !== null) {
      console.log('\nsession validation from Redis:');
      scaling = await measureRedisScaling({
        redis,
        small,
        large,
        lookups,
        userAgent: USER_AGENT,
        note: (message) => console.log(`  ${message}`),
      });
    }

    const report = renderReport({
      redisUrl: redis === null ? null : REDIS_URL,
      settings,
      measurements,
      skipped,
      login,
      scaling,
    });
    console.log(`\n${report}`);
    recordReport(report, RESULTS_FILE, settings.durationSeconds);
  } finally {
    redis?.disconnect();
  }
}

await runBenchmark('session', main);
