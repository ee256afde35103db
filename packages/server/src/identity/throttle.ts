import { ipSubject, type Limits, type PolicyLimiter, type RateLimitVerdict } from '../limits/index.ts';

/**
 * The per-IP attempt throttles of the identity routes, as policies of the limits module: `auth-login`,
 * `auth-signup`, `auth-forgot`, `auth-reset` and `auth-mfa`, each a sliding window of one minute over the
 * limits store (memory, SQL or Redis — exact across processes that share it) with the limit from
 * `auth.throttle.*`. A sliding window admits no double burst at a window edge, which the fixed windows these
 * replaced did (twice the limit within a second across a minute boundary). They fail closed: when the store does not answer, the route answers 503
 * rather than let guesses through unthrottled. Clients are counted as the limits module counts them (IPv6 per
 * /64). The per-account lockout (`lockout.ts`) is a different guard and stays where it is.
 */

export type IdentityThrottleBucket = 'login' | 'signup' | 'forgot' | 'reset' | 'mfa';

export interface AttemptThrottles {
  /** Charges one attempt of the client at `clientIp` in `bucket`. */
  check(bucket: IdentityThrottleBucket, clientIp: string): Promise<RateLimitVerdict>;
}

const WINDOW_SECONDS = 60;

export function attemptThrottles(
  limits: Pick<Limits, 'limiter'>,
  perMinute: Readonly<Record<IdentityThrottleBucket, number>>,
): AttemptThrottles {
  const limiters = new Map<IdentityThrottleBucket, PolicyLimiter>();
  for (const bucket of Object.keys(perMinute) as IdentityThrottleBucket[]) {
    limiters.set(
      bucket,
      limits.limiter({
        name: `auth-${bucket}`,
        limit: perMinute[bucket],
        windowSeconds: WINDOW_SECONDS,
        fail: 'closed',
      }),
    );
  }
  return {
    check(bucket, clientIp) {
      const limiter = limiters.get(bucket);
      if (limiter === undefined) throw new Error(`No attempt throttle "${bucket}".`);
      return limiter.check(ipSubject(clientIp));
    },
  };
}
