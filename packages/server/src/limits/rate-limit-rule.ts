/**
 * What a limit is and what deciding one answers. A rule is the arithmetic only (how many, over how long); a
 * policy (`rate-limit-policy.ts`) adds a name and what the counter is keyed by.
 */

/**
 * A sliding window: at most `limit` units in any `windowMs`, estimated from two fixed windows, the previous
 * one weighted by how much of it the sliding window still covers (the approach Cloudflare describes). No burst
 * at a window edge, two numbers of state per key.
 */
export interface SlidingWindowRule {
  readonly algorithm: 'sliding-window';
  readonly limit: number;
  readonly windowMs: number;
}

/**
 * GCRA (the generic cell rate algorithm, a token bucket kept as one timestamp): `rate` units per `periodMs`
 * sustained, and up to `burst` units at once after a quiet period.
 */
export interface GcraRule {
  readonly algorithm: 'gcra';
  readonly rate: number;
  readonly periodMs: number;
  readonly burst: number;
}

export type RateLimitRule = SlidingWindowRule | GcraRule;

/** The answer for one request against one rule. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** The quota the client is told about: `limit` of a window, `burst` of a GCRA rule. */
  readonly limit: number;
  /** Units still available now (after this request, when it was allowed). */
  readonly remaining: number;
  /** Whole seconds until the quota is whole again (the `t` of the `RateLimit` field). */
  readonly resetSeconds: number;
  /** Whole seconds until a request of the same cost would be allowed; 0 when this one was. */
  readonly retryAfterSeconds: number;
}

/** Whole seconds, rounded up, so a client that waits this long is never early. */
export function wholeSeconds(ms: number): number {
  return ms <= 0 ? 0 : Math.ceil(ms / 1000);
}

/** The window a client is told about (`w` of `RateLimit-Policy`), in seconds. */
export function ruleWindowSeconds(rule: RateLimitRule): number {
  return rule.algorithm === 'sliding-window'
    ? wholeSeconds(rule.windowMs)
    : wholeSeconds((rule.periodMs / rule.rate) * rule.burst);
}

/** The quota a client is told about (`q` of `RateLimit-Policy`). */
export function ruleQuota(rule: RateLimitRule): number {
  return rule.algorithm === 'sliding-window' ? rule.limit : rule.burst;
}
