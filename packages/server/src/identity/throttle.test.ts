import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redisUrl, uniqueRedisPrefix } from '../../test/support/services.ts';
import { kvTargets, type OpenKv } from '../../test/support/stores.ts';
import { ManualClock } from '../core/clock.ts';
import { LiftConfigError, LiftError } from '../core/errors.ts';
import { problemResponse } from '../core/problem.ts';
import { MemoryKeyValueStore } from '../storage/memory/memory-key-value-store.ts';
import { RedisKeyValueStore } from '../storage/redis/redis-key-value-store.ts';
import { createKvAttemptThrottle, TooManyAttemptsError } from './throttle.ts';

const redis = await redisUrl();
const adapters = await kvTargets('throttle');

const MINUTE = 60_000;
/** The start of a one-minute window. */
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const limits = { login: { limit: 3, windowMs: MINUTE }, signup: { limit: 1, windowMs: MINUTE } };

describe.each(adapters)('createKvAttemptThrottle on $name', ({ open }) => {
  const clock = new ManualClock();
  let store: OpenKv;
  let ipCounter = 0;
  /** A client IP no other test uses, so tests sharing the store do not share counters. */
  const nextIp = () => `2001:db8::${(++ipCounter).toString(16)}`;

  beforeAll(async () => {
    store = await open(clock);
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(() => clock.set(T0));

  it('allows exactly `limit` hits per window, then refuses until the window ends', async () => {
    const throttle = createKvAttemptThrottle({ kv: store.kv, clock, limits });
    const ip = nextIp();
    clock.advance(20_000);
    const decisions = [];
    for (let i = 0; i < 5; i += 1) decisions.push(await throttle.hit('login', ip));
    expect(decisions).toEqual([
      { allowed: true, limit: 3, remaining: 2, retryAfterMs: 0 },
      { allowed: true, limit: 3, remaining: 1, retryAfterMs: 0 },
      { allowed: true, limit: 3, remaining: 0, retryAfterMs: 0 },
      { allowed: false, limit: 3, remaining: 0, retryAfterMs: 40_000 },
      { allowed: false, limit: 3, remaining: 0, retryAfterMs: 40_000 },
    ]);
    clock.advance(25_500);
    expect(await throttle.hit('login', ip)).toMatchObject({ allowed: false, retryAfterMs: 14_500 });
  });

  it('starts the count again when the window rolls over, refused hits included', async () => {
    const throttle = createKvAttemptThrottle({ kv: store.kv, clock, limits });
    const ip = nextIp();
    for (let i = 0; i < 3; i += 1) await throttle.hit('login', ip);
    clock.advance(MINUTE - 1);
    expect(await throttle.hit('login', ip)).toMatchObject({ allowed: false, retryAfterMs: 1 });
    clock.advance(1);
    expect(await throttle.hit('login', ip)).toEqual({
      allowed: true,
      limit: 3,
      remaining: 2,
      retryAfterMs: 0,
    });
  });

  it('keeps buckets and keys apart', async () => {
    const throttle = createKvAttemptThrottle({ kv: store.kv, clock, limits });
    const [first, second] = [nextIp(), nextIp()];
    expect(await throttle.hit('signup', first)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await throttle.hit('signup', first)).toMatchObject({ allowed: false });
    expect(await throttle.hit('signup', second)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await throttle.hit('login', first)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('keeps throttles with different prefixes apart', async () => {
    const one = createKvAttemptThrottle({ kv: store.kv, clock, limits, prefix: 'one:' });
    const two = createKvAttemptThrottle({ kv: store.kv, clock, limits, prefix: 'two:' });
    const ip = nextIp();
    await one.hit('signup', ip);
    expect(await two.hit('signup', ip)).toMatchObject({ allowed: true });
  });

  it('counts concurrent hits exactly', async () => {
    const throttle = createKvAttemptThrottle({
      kv: store.kv,
      clock,
      limits: { login: { limit: 10, windowMs: MINUTE } },
    });
    const ip = nextIp();
    const decisions = await Promise.all(Array.from({ length: 25 }, () => throttle.hit('login', ip)));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(10);
    expect(decisions.map((decision) => decision.remaining).sort((a, b) => b - a)).toEqual([
      9,
      8,
      7,
      6,
      5,
      4,
      3,
      2,
      1,
      0,
      ...Array<number>(15).fill(0),
    ]);
  });
});

describe.skipIf(redis === undefined)('createKvAttemptThrottle across nodes sharing Redis', () => {
  it('shares one exact count between two connections', async () => {
    const prefix = uniqueRedisPrefix('throttle-nodes');
    const nodes = [
      new RedisKeyValueStore({ url: redis!, prefix }),
      new RedisKeyValueStore({ url: redis!, prefix }),
    ];
    const clock = new ManualClock(T0);
    const throttles = nodes.map((kv) =>
      createKvAttemptThrottle({ kv, clock, limits: { login: { limit: 7, windowMs: MINUTE } } }),
    );
    const decisions = await Promise.all(
      Array.from({ length: 20 }, (_, i) => throttles[i % 2]!.hit('login', '192.0.2.1')),
    );
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(7);
    await Promise.all(nodes.map((kv) => kv.close()));
  });
});

describe('createKvAttemptThrottle configuration', () => {
  const kv = new MemoryKeyValueStore();
  const clock = new ManualClock(T0);

  it('throws a plain Error, not a client error, for an unknown bucket', async () => {
    const throttle = createKvAttemptThrottle({ kv, clock, limits });
    const refusal = await throttle.hit('logn', '192.0.2.1').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(Error);
    expect(refusal).not.toBeInstanceOf(LiftError);
    expect((refusal as Error).message).toContain('"logn"');
  });

  it.each([
    ['a bucket name with a colon', { 'log:in': { limit: 1, windowMs: 1 } }],
    ['a limit of 0', { login: { limit: 0, windowMs: MINUTE } }],
    ['a fractional limit', { login: { limit: 1.5, windowMs: MINUTE } }],
    ['a window of 0', { login: { limit: 1, windowMs: 0 } }],
    ['an infinite window', { login: { limit: 1, windowMs: Number.POSITIVE_INFINITY } }],
  ])('refuses %s with LiftConfigError', (_, badLimits) => {
    expect(() => createKvAttemptThrottle({ kv, clock, limits: badLimits })).toThrow(LiftConfigError);
  });
});

describe('TooManyAttemptsError', () => {
  it('renders as 429 LIFT_TOO_MANY_REQUESTS with Retry-After in whole seconds, rounded up', async () => {
    const error = new TooManyAttemptsError(14_500);
    expect(error.retryAfterSeconds).toBe(15);
    const response = problemResponse(error);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('15');
    expect(await response.json()).toMatchObject({
      code: 'LIFT_TOO_MANY_REQUESTS',
      status: 429,
      retry_after_seconds: 15,
    });
  });

  it('never tells a client to retry after 0 seconds', () => {
    expect(new TooManyAttemptsError(1).retryAfterSeconds).toBe(1);
    expect(new TooManyAttemptsError(0).retryAfterSeconds).toBe(1);
  });
});
