/**
 * What rate limiting costs (issue 14), all in one run:
 *
 * 1. Decisions per second of the limits module's stores: memory (the synchronous path `rateLimit()` takes,
 *    and the promise-returning port call), and Redis (one EVALSHA per decision, 64 in flight) — against
 *    rate-limiter-flexible's `RateLimiterMemory`, the peer, on the same keys.
 * 2. `GET /hello` in production mode with a per-IP `rateLimit()` against the same app without it, CPU per
 *    request through the app's Node request listener (bench/harness/cpu.ts), best of several rounds: with the
 *    memory store and with the Redis store. The limit is never reached, so every request is admitted.
 *
 *   node --import tsx bench/ratelimit.ts [--requests 50000] [--rounds 5] [--decisions 1000000]
 *
 * Targets: with ÷ without ≥ 0.9× on memory, ≥ 0.6× on Redis (requests per CPU-second). Redis is
 * LIFT_BENCH_REDIS_URL or LIFT_TEST_REDIS_URL (redis://127.0.0.1:6379 by default); without one its rows are
 * skipped, and say so.
 */

import { parseArgs } from 'node:util';
import { getRequestListener } from '@hono/node-server';
import { pino } from 'pino';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { ManualClock, systemClock } from '../packages/server/src/core/clock.ts';
import { createLogger } from '../packages/server/src/core/logger.ts';
import { createLift, limitsModule } from '../packages/server/src/index.ts';
import { MemoryRateLimitStore } from '../packages/server/src/limits/memory-rate-limit-store.ts';
import type { SlidingWindowRule } from '../packages/server/src/limits/rate-limit-rule.ts';
import { RedisRateLimitStore } from '../packages/server/src/limits/redis-rate-limit-store.ts';
import { cpuPerRequest, cpuPerRequestInFlight } from './harness/cpu.ts';
import { formatInteger, formatRatio, markdownTable, verdict } from './harness/report.ts';
import type { CpuRequest, Listener } from './http-cpu-targets.ts';

const HELLO: CpuRequest = { path: '/hello', headers: {}, body: JSON.stringify({ hello: 'world' }) };
/** Distinct keys the decision loops rotate through: enough that a map lookup is not always a cache hit. */
const KEYS = Array.from({ length: 10_000 }, (_, index) => `ip:198.51.${index >> 8}.${index & 255}`);
/** Never reached in a run: every decision admits, as most do in production. */
const rule: SlidingWindowRule = { algorithm: 'sliding-window', limit: 1_000_000_000, windowMs: 60_000 };

function perSecond(count: number, started: bigint): number {
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function memoryDecisions(count: number): Promise<{ sync: number; promised: number; flexible: number }> {
  const store = new MemoryRateLimitStore({ clock: systemClock });
  const peer = new RateLimiterMemory({ points: rule.limit, duration: rule.windowMs / 1000 });
  let started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) store.consumeNow(KEYS[i % KEYS.length]!, rule, 1);
  const sync = perSecond(count, started);
  started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await store.consume(KEYS[i % KEYS.length]!, rule, 1);
  const promised = perSecond(count, started);
  started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await peer.consume(KEYS[i % KEYS.length]!, 1);
  const flexible = perSecond(count, started);
  return { sync, promised, flexible };
}

async function redisDecisions(url: string, count: number): Promise<number> {
  const store = new RedisRateLimitStore({ url, prefix: `bench:${process.pid}:` });
  await store.ping();
  const inFlight = 64;
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) await store.consume(KEYS[next++ % KEYS.length]!, rule, 1);
    }),
  );
  const rate = perSecond(count, started);
  await store.close();
  return rate;
}

/** Lift in production mode, access log to /dev/null, with or without a per-IP limit on `GET /hello`. */
async function helloApp(
  kv: string,
  limited: boolean,
): Promise<{ listener: Listener; inFlight: number; close(): Promise<void> }> {
  const app = createLift(
    {
      env: 'production',
      secret: 'x'.repeat(64),
      storage: { url: 'sqlite::memory:', kv, redisPrefix: `bench:${process.pid}:` },
      limits: { store: kv.startsWith('redis') ? 'redis' : 'memory' },
    } as never,
    {
      modules: [limitsModule()],
      logger: createLogger({
        level: 'info',
        destination: pino.destination({ dest: '/dev/null', sync: false }),
        batchLines: true,
      }),
    },
  );
  const hello = () => ({ hello: 'world' });
  if (limited) {
    const perIp = app.module('limits').rateLimit({
      policies: [{ name: 'per-ip', limit: rule.limit, windowSeconds: rule.windowMs / 1000 }],
    });
    app.use(perIp);
  }
  app.get('/hello', hello);
  // Memory rows one request at a time, as http-cpu.ts; Redis rows overlapped, as a loaded server runs them.
  const inFlight = kv.startsWith('redis') ? IN_FLIGHT : 1;
  return { listener: getRequestListener(app.fetch), inFlight, close: () => app.close() };
}

/** Requests in flight at once for the Redis rows (the loopback benchmarks' connection count). */
const IN_FLIGHT = 50;

async function bestCpu(
  variants: ReadonlyArray<{ listener: Listener; inFlight: number }>,
  count: number,
  rounds: number,
): Promise<number[]> {
  const best = variants.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < rounds; round++) {
    for (const [index, variant] of variants.entries()) {
      const { micros, response } =
        variant.inFlight === 1
          ? await cpuPerRequest(variant.listener, HELLO, count)
          : await cpuPerRequestInFlight(variant.listener, HELLO, count, variant.inFlight);
      if (!response.startsWith('HTTP/1.1 200') || !response.endsWith(HELLO.body)) {
        throw new Error(`unexpected response:\n${response}`);
      }
      best[index] = Math.min(best[index]!, micros);
    }
  }
  return best;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '50000' },
      rounds: { type: 'string', default: '5' },
      decisions: { type: 'string', default: '1000000' },
    },
    strict: false,
  });
  const count = Number(values.requests);
  const rounds = Number(values.rounds);
  const decisions = Number(values.decisions);
  const redisUrl =
    process.env.LIFT_BENCH_REDIS_URL ?? process.env.LIFT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const probe = new RedisRateLimitStore({ url: redisUrl, time: new ManualClock() });
  const redisUp = await probe
    .ping()
    .then(() => true)
    .catch(() => false);
  await probe.close();

  console.log(
    `# Rate limiting (${formatInteger(decisions)} decisions; GET /hello ${count} requests, best of ${rounds})\n`,
  );
  // Best of the rounds, each limiter's own: a decision loop swings with the neighbours as much as a request.
  const memory = { sync: 0, promised: 0, flexible: 0 };
  for (let round = 0; round < rounds; round++) {
    const measured = await memoryDecisions(decisions);
    for (const name of ['sync', 'promised', 'flexible'] as const) {
      memory[name] = Math.max(memory[name], measured[name]!);
    }
  }
  const redis = redisUp ? await redisDecisions(redisUrl, Math.min(decisions, 200_000)) : undefined;
  console.log(
    markdownTable(
      ['limiter', 'decisions per second', 'ratio to rate-limiter-flexible (memory)'],
      [
        [
          'Lift memory store, synchronous (what rateLimit() runs)',
          formatInteger(memory.sync),
          formatRatio(memory.sync / memory.flexible),
        ],
        [
          'Lift memory store, through the port (a promise each)',
          formatInteger(memory.promised),
          formatRatio(memory.promised / memory.flexible),
        ],
        ['rate-limiter-flexible RateLimiterMemory', formatInteger(memory.flexible), '1.00×'],
        [
          'Lift Redis store (EVALSHA, 64 in flight)',
          redis === undefined ? `skipped: no Redis at ${redisUrl}` : formatInteger(redis),
          '—',
        ],
      ],
    ),
  );
  console.log(
    `\nmemory decision cost: Lift ${(1e6 / memory.sync).toFixed(3)} µs, rate-limiter-flexible ${(1e6 / memory.flexible).toFixed(3)} µs`,
  );

  const apps = [
    await helloApp('memory:', false),
    await helloApp('memory:', true),
    ...(redisUp ? [await helloApp(redisUrl, false), await helloApp(redisUrl, true)] : []),
  ];
  try {
    const best = await bestCpu(apps, count, rounds);
    const rows = [
      ['GET /hello, memory store, no limit', best[0]!],
      ['GET /hello, memory store, per-IP rateLimit()', best[1]!],
      ...(redisUp
        ? ([
            [`GET /hello, Redis store, no limit (${IN_FLIGHT} in flight)`, best[2]!],
            [`GET /hello, Redis store, per-IP rateLimit() (${IN_FLIGHT} in flight)`, best[3]!],
          ] as const)
        : []),
    ] as Array<[string, number]>;
    console.log('');
    console.log(
      markdownTable(
        ['variant', 'CPU µs per request'],
        rows.map(([label, micros]) => [label, micros.toFixed(2)]),
      ),
    );
    const memoryRatio = best[0]! / best[1]!;
    console.log(
      `\n${verdict('memory: with ÷ without (≥ 0.9×)', memoryRatio >= 0.9, formatRatio(memoryRatio))}`,
    );
    if (redisUp) {
      const redisRatio = best[2]! / best[3]!;
      console.log(verdict('Redis: with ÷ without (≥ 0.6×)', redisRatio >= 0.6, formatRatio(redisRatio)));
    } else {
      console.log(`Redis: skipped, no Redis at ${redisUrl}`);
    }
  } finally {
    for (const app of apps) await app.close();
  }
}

await main();
