import { LiftError } from '../core/errors.ts';

/** 429 `LIFT_RATE_LIMITED`: names the policy that refused, and when a retry could pass. */
export class RateLimitedError extends LiftError {
  constructor(policy: string, retryAfterSeconds: number, headers: Record<string, string>) {
    const seconds = Math.max(1, retryAfterSeconds);
    super('LIFT_RATE_LIMITED', 429, 'Too many requests', {
      detail: `Rate limit "${policy}" reached; retry in ${seconds} s.`,
      headers: { ...headers, 'retry-after': String(seconds) },
      extensions: { policy, retry_after_seconds: seconds },
    });
  }
}

/** 503 `LIFT_RATE_LIMIT_UNAVAILABLE`: the store did not answer and the policy fails closed. */
export class RateLimitUnavailableError extends LiftError {
  constructor(policy: string, cause: unknown) {
    super('LIFT_RATE_LIMIT_UNAVAILABLE', 503, 'Service unavailable', {
      detail: 'The rate limit of this route cannot be checked right now; try again shortly.',
      cause,
      headers: { 'retry-after': '1' },
      extensions: { policy },
    });
  }
}
