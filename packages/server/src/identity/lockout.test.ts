import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUrl, uniqueRedisPrefix } from '../../test/support/services.ts';
import { kvTargets, type OpenKv } from '../../test/support/stores.ts';
import { ManualClock } from '../core/clock.ts';
import { LiftConfigError } from '../core/errors.ts';
import { MemoryKeyValueStore } from '../storage/memory/memory-key-value-store.ts';
import { RedisKeyValueStore } from '../storage/redis/redis-key-value-store.ts';
import { createLockout, type Lockout } from './lockout.ts';

const redis = await redisUrl();
const adapters = await kvTargets('lockout');

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The login route's use of the lockout: a locked account is refused before the password is looked at. */
async function wrongPassword(lockout: Lockout, accountId: string) {
  const lock = await lockout.check(accountId);
  if (lock.locked) return { refused: 'locked' as const, retryAfterMs: lock.retryAfterMs };
  return { refused: 'wrong_password' as const, ...(await lockout.recordFailure(accountId)) };
}

describe.each(adapters)('createLockout on $name', ({ open, clockDrivesExpiry }) => {
  const clock = new ManualClock();
  let store: OpenKv;
  let lockout: Lockout;
  let accountCounter = 0;
  const nextAccount = () => `user-${++accountCounter}`;

  beforeAll(async () => {
    store = await open(clock);
    lockout = createLockout({ kv: store.kv, clock });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('does not lock an account below the threshold', async () => {
    const account = nextAccount();
    expect(await lockout.check(account)).toEqual({ locked: false, retryAfterMs: 0 });
    for (let i = 1; i <= 4; i += 1) {
      expect(await lockout.recordFailure(account)).toEqual({
        failures: i,
        lockedForMs: 0,
        episodeStarted: false,
        resetRequired: false,
      });
      expect(await lockout.check(account)).toEqual({ locked: false, retryAfterMs: 0 });
    }
  });

  it('locks for 1, 2, 4, 8, 15, 15 minutes after failures 5 to 10', async () => {
    const account = nextAccount();
    for (let i = 0; i < 4; i += 1) await lockout.recordFailure(account);
    const locks: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const failure = await lockout.recordFailure(account);
      locks.push(failure.lockedForMs / MINUTE);
      expect(await lockout.check(account)).toEqual({ locked: true, retryAfterMs: failure.lockedForMs });
      clock.advance(failure.lockedForMs - 1);
      expect(await lockout.check(account)).toEqual({ locked: true, retryAfterMs: 1 });
      clock.advance(1);
      expect(await lockout.check(account)).toEqual({ locked: false, retryAfterMs: 0 });
    }
    expect(locks).toEqual([1, 2, 4, 8, 15, 15]);
  });

  it('neither counts nor extends for attempts refused while locked', async () => {
    const account = nextAccount();
    for (let i = 0; i < 5; i += 1) await wrongPassword(lockout, account);
    clock.advance(30_000);
    for (let i = 0; i < 10; i += 1) {
      expect(await wrongPassword(lockout, account)).toEqual({ refused: 'locked', retryAfterMs: 30_000 });
    }
    clock.advance(30_000);
    expect(await wrongPassword(lockout, account)).toMatchObject({
      refused: 'wrong_password',
      failures: 6,
      lockedForMs: 2 * MINUTE,
    });
  });

  it('starts from zero after a success', async () => {
    const account = nextAccount();
    for (let i = 0; i < 7; i += 1) await lockout.recordFailure(account);
    clock.advance(4 * MINUTE);
    expect((await lockout.check(account)).locked).toBe(false);
    await lockout.recordSuccess(account);
    for (let i = 1; i <= 4; i += 1) {
      expect(await lockout.recordFailure(account)).toMatchObject({ failures: i, lockedForMs: 0 });
    }
    expect(await lockout.recordFailure(account)).toMatchObject({ failures: 5, lockedForMs: MINUTE });
  });

  it('unlocks at once on clear (password reset)', async () => {
    const account = nextAccount();
    for (let i = 0; i < 9; i += 1) await lockout.recordFailure(account);
    expect((await lockout.check(account)).locked).toBe(true);
    await lockout.clear(account);
    expect(await lockout.check(account)).toEqual({ locked: false, retryAfterMs: 0 });
    expect(await lockout.recordFailure(account)).toMatchObject({ failures: 1, lockedForMs: 0 });
  });

  it('reports episodeStarted once per episode, not on each escalation', async () => {
    const account = nextAccount();
    const episodeStarts = async (count: number) => {
      const started: number[] = [];
      for (let i = 0; i < count; i += 1) {
        const result = await wrongPassword(lockout, account);
        if (result.refused === 'locked') {
          clock.advance(result.retryAfterMs);
          i -= 1;
        } else if (result.episodeStarted) {
          started.push(result.failures);
        }
      }
      return started;
    };
    expect(await episodeStarts(9)).toEqual([5]);
    await lockout.recordSuccess(account);
    expect(await episodeStarts(7)).toEqual([5]);
    await lockout.clear(account);
    expect(await episodeStarts(5)).toEqual([5]);
  });

  it('reports resetRequired from the 100th consecutive failure', async () => {
    const account = nextAccount();
    const results = [];
    for (let i = 0; i < 101; i += 1) results.push(await lockout.recordFailure(account));
    expect(results.findIndex((result) => result.resetRequired)).toBe(99);
    expect(results[99]).toMatchObject({ failures: 100, resetRequired: true, episodeStarted: false });
    expect(results[100]).toMatchObject({ failures: 101, resetRequired: true });
  });

  it('keeps accounts apart', async () => {
    const [victim, bystander] = [nextAccount(), nextAccount()];
    for (let i = 0; i < 5; i += 1) await lockout.recordFailure(victim);
    expect((await lockout.check(victim)).locked).toBe(true);
    expect(await lockout.check(bystander)).toEqual({ locked: false, retryAfterMs: 0 });
    expect(await lockout.recordFailure(bystander)).toMatchObject({ failures: 1 });
  });

  it('counts 50 concurrent failures exactly, with one episode start', async () => {
    const account = nextAccount();
    const results = await Promise.all(Array.from({ length: 50 }, () => lockout.recordFailure(account)));
    expect(results.map((result) => result.failures).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect(results.filter((result) => result.episodeStarted)).toHaveLength(1);
    expect(await lockout.recordFailure(account)).toMatchObject({ failures: 51 });
  });

  it('admits threshold of 50 simultaneous reservations, then one per ended lock; refusals count nothing', async () => {
    const account = nextAccount();
    const burst = async () => {
      const reservations = await Promise.all(Array.from({ length: 50 }, () => lockout.reserve(account)));
      return reservations.flatMap((reservation) => (reservation.admitted ? [reservation.attempt] : []));
    };
    const first = await burst();
    expect(first).toHaveLength(5);
    const failures = await Promise.all(first.map((attempt) => attempt.failed()));
    expect(failures.map((failure) => failure.failures).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    expect(failures.filter((failure) => failure.episodeStarted)).toHaveLength(1);
    expect(await lockout.check(account)).toEqual({ locked: true, retryAfterMs: MINUTE });
    expect(await burst()).toEqual([]);

    clock.advance(MINUTE);
    const second = await burst();
    expect(second).toHaveLength(1);
    expect(await second[0]!.failed()).toMatchObject({
      failures: 6,
      lockedForMs: 2 * MINUTE,
      episodeStarted: false,
    });
    expect(await lockout.check(account)).toEqual({ locked: true, retryAfterMs: 2 * MINUTE });
  });

  it('forgets a released attempt and ends the streak on a succeeded one', async () => {
    const account = nextAccount();
    for (let i = 0; i < 5; i += 1) await lockout.recordFailure(account);
    clock.advance(MINUTE);
    // A correct password that still needs the second factor: neither a failure nor a new lock.
    const password = await lockout.reserve(account);
    if (!password.admitted) throw new Error('an ended lock admits one attempt');
    expect(await lockout.reserve(account)).toEqual({ admitted: false });
    await password.attempt.release();
    expect(await lockout.check(account)).toEqual({ locked: false, retryAfterMs: 0 });
    const code = await lockout.reserve(account);
    if (!code.admitted) throw new Error('a released attempt frees its turn');
    await code.attempt.succeeded();
    await code.attempt.release();
    expect(await lockout.recordFailure(account)).toMatchObject({ failures: 1, lockedForMs: 0 });
  });

  it('stops counting attempts left in flight once their window and the next have passed', async () => {
    const account = nextAccount();
    clock.advance(MINUTE - (clock.now() % MINUTE));
    // Five admitted attempts whose settlement the store lost: they hold every turn, the right secret's too.
    for (let i = 0; i < 5; i += 1) expect(await lockout.reserve(account)).toMatchObject({ admitted: true });
    expect(await lockout.reserve(account)).toEqual({ admitted: false });
    clock.advance(2 * MINUTE - 1);
    expect(await lockout.reserve(account)).toEqual({ admitted: false });
    clock.advance(1);
    const after = await lockout.reserve(account);
    if (!after.admitted) throw new Error('lost attempts count for two minutes at most');
    // They were never counted as failures either.
    expect(await after.attempt.failed()).toMatchObject({ failures: 1, lockedForMs: 0 });
  });

  it('counts the next window for a reservation that read the clock just before it began', async () => {
    const account = nextAccount();
    // Two nodes a millisecond apart across the end of a window; the later one's attempts are counted first.
    const end = clock.now() - (clock.now() % MINUTE) + MINUTE;
    const [late, early] = [end, end - 1].map((at) =>
      createLockout({ kv: store.kv, clock: new ManualClock(at) }),
    );
    for (let i = 0; i < 5; i += 1) expect(await late!.reserve(account)).toMatchObject({ admitted: true });
    expect(await early!.reserve(account)).toEqual({ admitted: false });
  });

  it('admits at most threshold of 50 simultaneous reservations straddling the end of a window', async () => {
    const account = nextAccount();
    // Two nodes a millisecond apart across the boundary, as when requests reach them at the same moment.
    const before = new ManualClock(clock.now() - (clock.now() % MINUTE) + MINUTE - 1);
    const after = new ManualClock(before.now() + 1);
    const nodes = [before, after].map((nodeClock) => createLockout({ kv: store.kv, clock: nodeClock }));
    const reservations = await Promise.all(
      Array.from({ length: 50 }, (_, i) => nodes[i % 2]!.reserve(account)),
    );
    // Each side may count the other's attempts, so fewer may pass, never more.
    expect(reservations.filter((reservation) => reservation.admitted).length).toBeLessThanOrEqual(5);
  });

  const forgets = 'forgets a streak 24 h after its last failure, not its first';
  if (clockDrivesExpiry) {
    it(forgets, async () => {
      const account = nextAccount();
      for (let i = 0; i < 3; i += 1) await lockout.recordFailure(account);
      clock.advance(23 * HOUR);
      expect(await lockout.recordFailure(account)).toMatchObject({ failures: 4 });
      clock.advance(23 * HOUR);
      expect(await lockout.recordFailure(account)).toMatchObject({
        failures: 5,
        lockedForMs: MINUTE,
        episodeStarted: true,
      });
      clock.advance(24 * HOUR);
      expect(await lockout.check(account)).toEqual({ locked: false, retryAfterMs: 0 });
      expect(await lockout.recordFailure(account)).toMatchObject({ failures: 1, lockedForMs: 0 });
    });
  } else {
    // Redis expires keys by its own clock, not the test's: check the expiry it was given instead.
    it(`${forgets} (through the TTL Redis holds)`, async () => {
      const account = nextAccount();
      await lockout.recordFailure(account);
      const first = await store.kv.ttl(`lockout:streak:${account}`);
      expect(first).toBeGreaterThan(24 * HOUR - 5_000);
      expect(first).toBeLessThanOrEqual(24 * HOUR);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await lockout.recordFailure(account);
      // Rewritten on every failure: the day counts from the last one.
      expect(await store.kv.ttl(`lockout:streak:${account}`)).toBeGreaterThan(first! - 500);
    });
  }
});

describe.skipIf(redis === undefined)('createLockout across nodes sharing Redis', () => {
  /** Two nodes' lockouts on one Redis key prefix of their own, with one clock. */
  function twoNodes() {
    const prefix = uniqueRedisPrefix('lockout-nodes');
    const nodes = [
      new RedisKeyValueStore({ url: redis!, prefix }),
      new RedisKeyValueStore({ url: redis!, prefix }),
    ];
    const clock = new ManualClock();
    return { nodes, lockouts: nodes.map((kv) => createLockout({ kv, clock })) };
  }

  it('counts 50 concurrent failures made on two nodes', async () => {
    const { nodes, lockouts } = twoNodes();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => lockouts[i % 2]!.recordFailure('shared-account')),
    );
    expect(Math.max(...results.map((result) => result.failures))).toBe(50);
    expect(results.filter((result) => result.episodeStarted)).toHaveLength(1);
    expect(await lockouts[1]!.check('shared-account')).toEqual({ locked: true, retryAfterMs: 15 * MINUTE });
    await lockouts[0]!.recordSuccess('shared-account');
    expect(await lockouts[1]!.check('shared-account')).toEqual({ locked: false, retryAfterMs: 0 });
    await Promise.all(nodes.map((kv) => kv.close()));
  });

  it('admits threshold of 50 simultaneous reservations made on two nodes', async () => {
    const { nodes, lockouts } = twoNodes();
    const reservations = await Promise.all(
      Array.from({ length: 50 }, (_, i) => lockouts[i % 2]!.reserve('shared-account')),
    );
    const admitted = reservations.flatMap((reservation) =>
      reservation.admitted ? [reservation.attempt] : [],
    );
    expect(admitted).toHaveLength(5);
    await Promise.all(admitted.map((attempt) => attempt.failed()));
    expect(await lockouts[1]!.check('shared-account')).toEqual({ locked: true, retryAfterMs: MINUTE });
    await Promise.all(nodes.map((kv) => kv.close()));
  });
});

describe('createLockout options', () => {
  const kv = new MemoryKeyValueStore();
  const clock = new ManualClock();

  it('follows custom threshold, base and cap', async () => {
    const lockout = createLockout({
      kv,
      clock,
      threshold: 2,
      baseMs: 1_000,
      maxMs: 5_000,
      resetRequiredAfter: 6,
    });
    const results = [];
    for (let i = 0; i < 6; i += 1) results.push(await lockout.recordFailure('custom'));
    expect(results.map((result) => result.lockedForMs)).toEqual([0, 1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(results.map((result) => result.episodeStarted)).toEqual([false, true, false, false, false, false]);
    expect(results.map((result) => result.resetRequired)).toEqual([false, false, false, false, false, true]);
  });

  it('locks from the first failure with threshold 1', async () => {
    const lockout = createLockout({ kv, clock, threshold: 1 });
    expect(await lockout.recordFailure('strict')).toEqual({
      failures: 1,
      lockedForMs: MINUTE,
      episodeStarted: true,
      resetRequired: false,
    });
  });

  it.each([
    ['threshold 0', { threshold: 0 }],
    ['a fractional threshold', { threshold: 2.5 }],
    ['baseMs 0', { baseMs: 0 }],
    ['maxMs below baseMs', { baseMs: 10_000, maxMs: 5_000 }],
    ['maxMs over 24 h', { maxMs: 25 * HOUR }],
    ['resetRequiredAfter 0', { resetRequiredAfter: 0 }],
    ['a NaN base', { baseMs: Number.NaN }],
  ])('refuses %s with LiftConfigError', (_, bad) => {
    expect(() => createLockout({ kv, clock, ...bad })).toThrow(LiftConfigError);
  });
});
