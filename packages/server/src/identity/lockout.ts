import type { Clock } from '../core/clock.ts';
import { cryptoRandom, randomId } from '../core/crypto/random.ts';
import { LiftConfigError } from '../core/errors.ts';
import type { KeyValueStore } from '../storage/index.ts';

/**
 * Account lockout (config `lockout.*`). Consecutive failed logins of an account are counted; from the
 * `threshold`-th on, each failure locks the account for `baseMs`, doubling with every further failure up to
 * `maxMs` (defaults: after failure 5 one minute, then 2, 4, 8, 15, 15, … minutes). After `resetRequiredAfter`
 * failures the result says `resetRequired`; the caller persists that and refuses logins until a reset.
 *
 * Callers `reserve()` an attempt before verifying a secret, and verify only when it is admitted. The
 * reservation is atomic, so a burst of simultaneous guesses cannot all slip past a check made before any of
 * them is counted: while the account is below the threshold, the guesses in flight count as failures already
 * (at most `threshold` are admitted); once it has reached it, one guess at a time, and only after the lock
 * has ended. A refused reservation neither guesses nor counts nor extends the lock. An admitted one ends in
 * `failed()` (counted, may lock), `succeeded()` (the streak ends) or `release()` (not a failure: a correct
 * password that still needs a second factor, or a check that could not be made).
 * `recordFailure()` counts a failure without a reservation; `recordSuccess()` and `clear()` (password reset,
 * admin) end the streak; `check()` reports the lock of the failures recorded so far.
 *
 * `episodeStarted` is true only for the failure that first locks the account in a streak (exactly one
 * caller sees the count reach `threshold`), so the owner gets one mail per episode, not one per escalation.
 *
 * Storage, in the KV port so every node sees the same state:
 * - `<prefix>streak:<account>` holds `<streak id> <time of the last failure>`, rewritten on every failure with
 *   a TTL of `FORGET_AFTER_MS` (24 h): a streak with no failure for a day is forgotten, and the next failure
 *   starts a new one (and a new episode);
 * - `<prefix>failures:<streak id>:<account>` holds the failures, changed only by the atomic `increment`, so
 *   concurrent failures on any number of nodes are all counted. The streak id in the key starts each streak
 *   at 0 without a racy reset. The port cannot extend a counter's TTL, so it is created with
 *   `COUNTER_LIFETIME_MS` (30 days): long enough that a streak reaches the default `resetRequiredAfter`
 *   (about a day at the fastest pace the locks allow) well before, short enough to reclaim the count of a
 *   forgotten streak. A streak that outlives its counter counts again from 1.
 * - `<prefix>inflight:<streak id>:<account>:<window>` counts the admitted attempts not yet decided that were
 *   reserved in one `IN_FLIGHT_MS` window of the clock (`floor(now / IN_FLIGHT_MS)`), incremented by the
 *   reservation and decremented by its settlement in the same window's key. A reservation counts its own
 *   window and the ones either side, so an attempt counts as in flight for at least `IN_FLIGHT_MS` and at
 *   most twice that, then no more. The window after counts for a reservation that read the clock just
 *   before a window ended but increments after another, which read it just after, already has. The key
 *   lives `2 × IN_FLIGHT_MS` from its creation, which is never before the end of the next window, the last
 *   in which it is read; a settlement later than that writes a key nobody reads any more. This assumes the
 *   nodes' clocks agree to well within a window.
 *
 * Why the reservations stay exact with two kinds of key: a reservation increments its window's key first
 * (the returned value counts the attempts of that window before it), then reads the windows either side,
 * then the failures; a failed attempt counts its failure before it leaves the in-flight count. So of any two
 * attempts in the same or neighbouring windows, the one that incremented later sees the earlier one — in
 * flight, or as a failure if it has already failed — unless it was released, and every reservation sees at
 * least the state before it. Counts err only towards refusing: one read between a failure's two writes holds
 * that attempt twice, and near a window's end two reservations on either side may each count the other.
 *
 * The lock is derived, not stored: locked while `now < last failure + lock duration(count)`. A failure writes
 * its time before its count, and a reservation reads the time after the count, so it never judges a count by
 * an older failure's time.
 *
 * An admitted attempt whose outcome cannot be stored (the store failed at that moment) stays in flight until
 * its window has passed: below the threshold it takes one of the `threshold` guesses, above it the account
 * refuses every guess, for two minutes at most, not until the streak is forgotten. The attempt is not counted
 * as a failure. `clear()` (a password reset, or an administrator's unlock) ends it at once with the streak.
 */

export interface LockoutOptions {
  kv: KeyValueStore;
  clock: Clock;
  /** Consecutive failures that lock the account the first time, ≥ 1. Default 5. */
  threshold?: number;
  /** Lock after the `threshold`-th failure, in ms, ≥ 1; doubles per further failure. Default 60 000. */
  baseMs?: number;
  /** Longest lock, in ms, from `baseMs` to 24 h. Default 900 000. */
  maxMs?: number;
  /** Consecutive failures after which `resetRequired` is reported, ≥ 1. Default 100. */
  resetRequiredAfter?: number;
  /** Prepended to every key. Default `lockout:`. */
  prefix?: string;
}

export interface LockoutCheck {
  locked: boolean;
  /** ms until the lock ends; 0 when not locked. */
  retryAfterMs: number;
}

export interface LockoutFailure {
  /** Consecutive failures of the account, this one included. */
  failures: number;
  /** How long the account is now locked; 0 below the threshold. */
  lockedForMs: number;
  /** This failure locked the account for the first time in this streak: mail the owner. */
  episodeStarted: boolean;
  /** `failures` reached `resetRequiredAfter`: only a password reset may unlock the account. */
  resetRequired: boolean;
}

/** An admitted attempt: verify the secret, then settle it exactly once. */
export interface LockoutAttempt {
  /** The secret was wrong: counted. */
  failed(): Promise<LockoutFailure>;
  /** The account's whole authentication is proven: the streak ends. */
  succeeded(): Promise<void>;
  /** Neither: the attempt no longer counts. Does nothing once the attempt is settled. */
  release(): Promise<void>;
}

export type LockoutReservation = { admitted: true; attempt: LockoutAttempt } | { admitted: false };

export interface Lockout {
  /** The lock of the failures recorded so far (attempts in flight aside). */
  check(accountId: string): Promise<LockoutCheck>;
  /** Admits one attempt at the account's secret, or refuses it without counting (see above). */
  reserve(accountId: string): Promise<LockoutReservation>;
  /** Counts a failure without a reservation. */
  recordFailure(accountId: string): Promise<LockoutFailure>;
  /** A correct password: the streak ends. */
  recordSuccess(accountId: string): Promise<void>;
  /** Password reset or an administrator: the streak ends. */
  clear(accountId: string): Promise<void>;
}

const HOUR = 3_600_000;
/** Consecutive failures this far apart are not consecutive any more. */
const FORGET_AFTER_MS = 24 * HOUR;
/** Lifetime of a streak's counter from its first failure. */
const COUNTER_LIFETIME_MS = 30 * 24 * HOUR;
/**
 * How long an admitted attempt counts as in flight at least (at most twice this). A check takes well under a
 * second (argon2id, a TOTP); only an attempt whose settlement was lost, or a node stalled far beyond any
 * sane response time, lasts this long. A check still running after it may let one more guess through.
 */
const IN_FLIGHT_MS = 60_000;
const UNLOCKED: LockoutCheck = { locked: false, retryAfterMs: 0 };
const REFUSED: LockoutReservation = { admitted: false };

interface Streak {
  id: string;
  lastFailureAt: number;
}

interface Count {
  failures: number;
  inFlight: number;
}

/** @throws LiftConfigError for an option out of range. */
export function createLockout(options: LockoutOptions): Lockout {
  return new KvLockout(options);
}

/** The lockout on a key-value store: a streak id per account, failures and attempts in flight per streak. */
class KvLockout implements Lockout {
  readonly #kv: KeyValueStore;
  readonly #clock: Clock;
  readonly #threshold: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #resetRequiredAfter: number;
  readonly #prefix: string;

  constructor(options: LockoutOptions) {
    this.#kv = options.kv;
    this.#clock = options.clock;
    this.#threshold = options.threshold ?? 5;
    this.#baseMs = options.baseMs ?? 60_000;
    this.#maxMs = options.maxMs ?? 900_000;
    this.#resetRequiredAfter = options.resetRequiredAfter ?? 100;
    this.#prefix = options.prefix ?? 'lockout:';
    checkWholeNumber('threshold', this.#threshold, 1);
    checkWholeNumber('baseMs', this.#baseMs, 1);
    checkWholeNumber('maxMs', this.#maxMs, this.#baseMs);
    checkWholeNumber('resetRequiredAfter', this.#resetRequiredAfter, 1);
    if (this.#maxMs > FORGET_AFTER_MS) {
      throw new LiftConfigError(
        `Lockout maxMs must be at most ${FORGET_AFTER_MS} (24 h, after which failures are forgotten), got ${this.#maxMs}.`,
      );
    }
  }

  async check(accountId: string): Promise<LockoutCheck> {
    const streak = await this.#readStreak(accountId);
    if (!streak) return UNLOCKED;
    const failures = await this.#readFailures(streak.id, accountId);
    const retryAfterMs = streak.lastFailureAt + this.#lockDuration(failures) - this.#clock.now();
    return retryAfterMs > 0 ? { locked: true, retryAfterMs } : UNLOCKED;
  }

  async reserve(accountId: string): Promise<LockoutReservation> {
    const now = this.#clock.now();
    const known = await this.#readStreak(accountId);
    // A locked account is refused with reads only: guessing during a lock writes nothing.
    if (known && !this.#admits(await this.#readCount(known.id, accountId, now), known.lastFailureAt, now))
      return REFUSED;
    const streakId = known?.id ?? (await this.#joinStreak(accountId, now)).id;
    const window = windowOf(now);
    // In this order (see the header): own window, the windows either side, the failures, their time.
    const mine = await this.#addInFlight(streakId, accountId, window, 1);
    const beside = await this.#inFlightBeside(streakId, accountId, window);
    const before = { failures: await this.#readFailures(streakId, accountId), inFlight: mine - 1 + beside };
    const streak = await this.#readStreak(accountId);
    if (streak?.id === streakId && this.#admits(before, streak.lastFailureAt, now)) {
      return { admitted: true, attempt: this.#admitted(accountId, streakId, window) };
    }
    if (streak?.id === streakId) await this.#addInFlight(streakId, accountId, window, -1);
    return REFUSED;
  }

  async recordFailure(accountId: string): Promise<LockoutFailure> {
    const now = this.#clock.now();
    const streak = await this.#joinStreak(accountId, now);
    // Written before the count, so a check in between sees the new time with the old count: still locked.
    if (!streak.created) {
      await this.#kv.set(this.#streakKey(accountId), `${streak.id} ${now}`, { ttlMs: FORGET_AFTER_MS });
    }
    return this.#failure(await this.#addFailure(streak.id, accountId));
  }

  recordSuccess(accountId: string): Promise<void> {
    return this.clear(accountId);
  }

  async clear(accountId: string): Promise<void> {
    // One read for the usual login without a streak. An unreadable streak value is overwritten by the
    // next failure.
    const streak = await this.#readStreak(accountId);
    if (!streak) return;
    await this.#kv.delete(this.#streakKey(accountId));
    await this.#kv.delete(this.#countKey(streak.id, accountId));
  }

  /**
   * The attempt admitted into streak `streakId` in `window`; settling it on a streak that has ended changes
   * nothing of the new one.
   */
  #admitted(accountId: string, streakId: string, window: number): LockoutAttempt {
    let settled = false;
    const settle = (): boolean => {
      const first = !settled;
      settled = true;
      return first;
    };
    const ours = async () => (await this.#readStreak(accountId))?.id === streakId;
    return {
      failed: async () => {
        settle();
        // The streak ended while this attempt was in flight (the owner signed in): a failure of a new one.
        if (!(await ours())) return this.recordFailure(accountId);
        await this.#kv.set(this.#streakKey(accountId), `${streakId} ${this.#clock.now()}`, {
          ttlMs: FORGET_AFTER_MS,
        });
        // Counted as a failure before it leaves the attempts in flight, so no reservation misses it.
        const failures = await this.#addFailure(streakId, accountId);
        await this.#addInFlight(streakId, accountId, window, -1);
        return this.#failure(failures);
      },
      succeeded: async () => {
        settle();
        await this.clear(accountId);
      },
      release: async () => {
        if (settle() && (await ours())) await this.#addInFlight(streakId, accountId, window, -1);
      },
    };
  }

  #streakKey(accountId: string): string {
    return `${this.#prefix}streak:${accountId}`;
  }

  #countKey(streakId: string, accountId: string): string {
    return `${this.#prefix}failures:${streakId}:${accountId}`;
  }

  #inFlightKey(streakId: string, accountId: string, window: number): string {
    return `${this.#prefix}inflight:${streakId}:${accountId}:${window}`;
  }

  #lockDuration(failures: number): number {
    return failures < this.#threshold
      ? 0
      : Math.min(this.#maxMs, this.#baseMs * 2 ** (failures - this.#threshold));
  }

  async #readStreak(accountId: string): Promise<Streak | undefined> {
    return parseStreak(await this.#kv.get(this.#streakKey(accountId)));
  }

  /** The current streak's id, starting a streak when there is none; `created` when this call started it. */
  async #joinStreak(accountId: string, now: number): Promise<{ id: string; created: boolean }> {
    const existing = await this.#readStreak(accountId);
    if (existing) return { id: existing.id, created: false };
    const id = randomId(cryptoRandom, 9);
    const key = this.#streakKey(accountId);
    if (await this.#kv.set(key, `${id} ${now}`, { ifNotExists: true, ttlMs: FORGET_AFTER_MS })) {
      return { id, created: true };
    }
    // Another node started the streak first: count under its id. If that streak already ended again (a
    // success in between), ours is written by the caller's refresh.
    const winner = await this.#readStreak(accountId);
    return { id: winner?.id ?? id, created: false };
  }

  async #readNumber(key: string): Promise<number> {
    return Number((await this.#kv.get(key)) ?? 0);
  }

  #readFailures(streakId: string, accountId: string): Promise<number> {
    return this.#readNumber(this.#countKey(streakId, accountId));
  }

  /** The attempts in flight in the windows either side of `window`. */
  async #inFlightBeside(streakId: string, accountId: string, window: number): Promise<number> {
    const [before, after] = await Promise.all([
      this.#readNumber(this.#inFlightKey(streakId, accountId, window - 1)),
      this.#readNumber(this.#inFlightKey(streakId, accountId, window + 1)),
    ]);
    return before + after;
  }

  /** The count without reserving: the failures, and the attempts in flight around `now`. */
  async #readCount(streakId: string, accountId: string, now: number): Promise<Count> {
    const window = windowOf(now);
    const [failures, current, beside] = await Promise.all([
      this.#readFailures(streakId, accountId),
      this.#readNumber(this.#inFlightKey(streakId, accountId, window)),
      this.#inFlightBeside(streakId, accountId, window),
    ]);
    return { failures, inFlight: current + beside };
  }

  #addFailure(streakId: string, accountId: string): Promise<number> {
    return this.#kv.increment(this.#countKey(streakId, accountId), 1, { ttlMs: COUNTER_LIFETIME_MS });
  }

  #addInFlight(streakId: string, accountId: string, window: number, by: number): Promise<number> {
    return this.#kv.increment(this.#inFlightKey(streakId, accountId, window), by, {
      ttlMs: 2 * IN_FLIGHT_MS,
    });
  }

  #failure(failures: number): LockoutFailure {
    return {
      failures,
      lockedForMs: this.#lockDuration(failures),
      episodeStarted: failures === this.#threshold,
      resetRequired: failures >= this.#resetRequiredAfter,
    };
  }

  /** Whether one more attempt may be made after `before`, the count its own reservation found. */
  #admits(before: Count, lastFailureAt: number, now: number): boolean {
    return (
      before.failures + before.inFlight < this.#threshold ||
      (before.inFlight === 0 && now >= lastFailureAt + this.#lockDuration(before.failures))
    );
  }
}

function windowOf(now: number): number {
  return Math.floor(now / IN_FLIGHT_MS);
}

function parseStreak(value: string | null): Streak | undefined {
  if (value === null) return undefined;
  const [id, lastFailureAt] = value.split(' ');
  const at = Number(lastFailureAt);
  return id && Number.isFinite(at) ? { id, lastFailureAt: at } : undefined;
}

function checkWholeNumber(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new LiftConfigError(`Lockout ${name} must be a whole number ≥ ${min}, got ${value}.`);
  }
}
