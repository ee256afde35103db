/**
 * The limits module's public face. Everything else in this folder is internal (the boundary test in
 * test/architecture refuses deep imports).
 */

export { ipSubject } from './client-subject.ts';
export { LIMITS_ERRORS } from './error-codes.ts';
export {
  IDEMPOTENCY_ERRORS,
  type IdempotencyMetrics,
  type IdempotencyOptions,
  type IdempotencyOutcome,
  idempotency,
} from './idempotency/index.ts';
export { type AppIdempotencyOptions, type Limits, limitsModule } from './module.ts';
export type { RateLimitKey, RateLimitPolicy, RateLimitQuota } from './rate-limit-policy.ts';
export type { RateLimitDecision } from './rate-limit-rule.ts';
export type { RateLimitStore } from './rate-limit-store.ts';
export { RateLimitedError, RateLimitUnavailableError } from './rate-limited-error.ts';
export type { PolicyLimiter, RateLimitOptions, RateLimitVerdict } from './rate-limiter.ts';
