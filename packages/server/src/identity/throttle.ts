import type { Clock } from '../core/clock.ts';
import { LiftConfigError, LiftError } from '../core/errors.ts';
import type { KeyValueStore } from '../storage/index.ts';

/**
 * Attempt throttle for the identity routes: at most `limit` hits per (bucket, key) in each fixed window of
 * `windowMs` (buckets `login`, `signup`, … keyed by client IP; config `auth.throttle.*`). `AttemptThrottle` is
 * the seam the general rate limiter will replace.
 *
 * The count lives in the KV port under `<prefix><bucket>:<window index>:<key>` and is raised with the atomic
 * `increment`, so every node sharing Redis (or the SQL store) sees the same exact count; the window index in
 * the key means a new window starts at 0 without anyone resetting anything. Keys expire a little after their
 * window ends (`CLOCK_SKEW_ALLOWANCE_MS` later, so a node whose clock runs behind does not recreate a window
 * that another node's expiry already dropped). Refused hits are counted too: hammering does not help.
 */

export interface ThrottleDecision {
  /** Whether this hit is within the limit. */
  allowed: boolean;
  limit: number;
  /** Hits left in the current window after this one. */
  remaining: number;
  /** 0 when allowed; otherwise ms until the window ends and hits are allowed again. */
  retryAfterMs: number;
}

export interface AttemptThrottle {
  /** Counts one hit of `key` (a client IP) in `bucket`. Throws a plain Error for a bucket it was not given. */
  hit(bucket: string, key: string): Promise<ThrottleDecision>;
}

export interface ThrottleLimit {
  /** Hits allowed per window, ≥ 1. */
  limit: number;
  /** Window length in ms, ≥ 1. */
  windowMs: number;
}

export interface KvAttemptThrottleOptions {
  kv: KeyValueStore;
  clock: Clock;
  /** One entry per bucket; names are letters, digits, `.`, `_` and `-`. */
  limits: Readonly<Record<string, ThrottleLimit>>;
  /** Prepended to every key. Default `throttle:`. */
  prefix?: string;
}

/** Expired window keys outlive their window by this much, in case nodes' clocks disagree. */
const CLOCK_SKEW_ALLOWANCE_MS = 5_000;
const BUCKET_NAME = /^[A-Za-z0-9._-]+$/;

/** Too many attempts (429 `LIFT_TOO_MANY_REQUESTS`); the response carries `Retry-After`. */
export class TooManyAttemptsError extends LiftError {
  /** Whole seconds to wait, at least 1; also sent as `Retry-After`. */
  readonly retryAfterSeconds: number;
  constructor(retryAfterMs: number) {
    const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super('LIFT_TOO_MANY_REQUESTS', 429, 'Too many requests', {
      detail: `Too many attempts; try again in ${retryAfterSeconds} s.`,
      headers: { 'retry-after': String(retryAfterSeconds) },
      extensions: { retry_after_seconds: retryAfterSeconds },
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * A fixed-window throttle on the KV port.
 *
 * @throws LiftConfigError for a bucket name outside `[A-Za-z0-9._-]` or a limit or window that is not a whole
 * number ≥ 1.
 */
export function createKvAttemptThrottle(options: KvAttemptThrottleOptions): AttemptThrottle {
  const { kv, clock } = options;
  const prefix = options.prefix ?? 'throttle:';
  const limits = new Map<string, ThrottleLimit>();
  for (const [bucket, limit] of Object.entries(options.limits)) {
    checkLimit(bucket, limit);
    limits.set(bucket, { limit: limit.limit, windowMs: limit.windowMs });
  }

  return {
    async hit(bucket, key) {
      const config = limits.get(bucket);
      if (config === undefined) {
        throw new Error(
          `Attempt throttle has no bucket "${bucket}"; known: ${[...limits.keys()].join(', ')}.`,
        );
      }
      const now = clock.now();
      const window = Math.floor(now / config.windowMs);
      const msLeft = (window + 1) * config.windowMs - now;
      const count = await kv.increment(`${prefix}${bucket}:${window}:${key}`, 1, {
        ttlMs: msLeft + CLOCK_SKEW_ALLOWANCE_MS,
      });
      const allowed = count <= config.limit;
      return {
        allowed,
        limit: config.limit,
        remaining: Math.max(0, config.limit - count),
        retryAfterMs: allowed ? 0 : msLeft,
      };
    },
  };
}

function checkLimit(bucket: string, { limit, windowMs }: ThrottleLimit): void {
  if (!BUCKET_NAME.test(bucket)) {
    throw new LiftConfigError(`Throttle bucket "${bucket}" may only use letters, digits, ".", "_" and "-".`);
  }
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new LiftConfigError(`Throttle bucket "${bucket}": limit must be a whole number ≥ 1, got ${limit}.`);
  }
  if (!Number.isSafeInteger(windowMs) || windowMs < 1) {
    throw new LiftConfigError(
      `Throttle bucket "${bucket}": windowMs must be a whole number ≥ 1, got ${windowMs}.`,
    );
  }
}
