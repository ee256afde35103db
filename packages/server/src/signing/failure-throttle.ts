import type { Clock } from '../core/clock.ts';
import { ipSubject, type Limits, RateLimitedError, type RateLimitUnavailableError } from '../limits/index.ts';

/**
 * Failed signatures count against the client's address: a `signature-failures` policy of the limits module
 * (sliding window, `signing.failureLimit` per `signing.failureWindowSeconds`, IPv6 by /64), charged only when a
 * verification fails, so signed traffic that verifies pays nothing. The failure that goes over the limit is
 * answered 429 instead of 401, and from then on the client's requests are refused before any verification
 * runs, until the window lets it in again: a guess of a key is never checked once the budget is spent.
 *
 * The "refused before verifying" list is this process's (a bounded map): the counter is shared through the
 * limits store, so on another node the first failure over the limit blocks the client there too.
 */
export interface FailureThrottle {
  /** The 429 to answer at once when `clientIp` spent its failures; undefined when it may be verified. */
  blocked(clientIp: string): RateLimitedError | undefined;
  /** Counts one failed verification; the error to answer instead of the 401 when it was one too many. */
  failed(clientIp: string): Promise<RateLimitedError | RateLimitUnavailableError | undefined>;
}

export const SIGNATURE_FAILURES_POLICY = 'signature-failures';

/** Addresses remembered as blocked, at most; the oldest is forgotten first (its counter still holds). */
const MAX_BLOCKED = 10_000;

export function failureThrottle(
  limits: Pick<Limits, 'limiter'>,
  settings: { failureLimit: number; failureWindowSeconds: number },
  clock: Clock,
): FailureThrottle {
  const limiter = limits.limiter({
    name: SIGNATURE_FAILURES_POLICY,
    limit: settings.failureLimit,
    windowSeconds: settings.failureWindowSeconds,
    // The request already failed: when the store is down it still gets its 401, not a 503.
    fail: 'open',
  });
  /** Subject → until (ms). */
  const blockedUntil = new Map<string, number>();
  return {
    blocked(clientIp) {
      const subject = ipSubject(clientIp);
      const until = blockedUntil.get(subject);
      if (until === undefined) return undefined;
      const left = until - clock.now();
      if (left <= 0) {
        blockedUntil.delete(subject);
        return undefined;
      }
      return new RateLimitedError(SIGNATURE_FAILURES_POLICY, Math.ceil(left / 1000), {});
    },
    async failed(clientIp) {
      const subject = ipSubject(clientIp);
      const verdict = await limiter.check(subject);
      if (verdict.allowed) return undefined;
      if (verdict.error instanceof RateLimitedError) {
        const seconds = Number(verdict.error.extensions.retry_after_seconds ?? 1);
        blockedUntil.delete(subject);
        blockedUntil.set(subject, clock.now() + seconds * 1000);
        if (blockedUntil.size > MAX_BLOCKED) blockedUntil.delete(blockedUntil.keys().next().value!);
      }
      return verdict.error;
    },
  };
}
