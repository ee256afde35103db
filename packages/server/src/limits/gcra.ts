import { type GcraRule, type RateLimitDecision, wholeSeconds } from './rate-limit-rule.ts';

/**
 * GCRA, pure: the whole state is the theoretical arrival time (TAT), the moment the bucket would be empty
 * again. Each unit pushes it one emission interval (`periodMs / rate`) later; a request is admitted while the
 * TAT it would leave is no more than `burst` intervals ahead of now.
 */

export interface GcraState {
  /** Theoretical arrival time, ms since the epoch (fractional: an interval need not be whole ms). */
  readonly tat: number;
}

export function emissionIntervalMs(rule: GcraRule): number {
  return rule.periodMs / rule.rate;
}

export function stepGcra(
  rule: GcraRule,
  stored: GcraState | undefined,
  now: number,
  cost: number,
): { allowed: boolean; state: GcraState } {
  const interval = emissionIntervalMs(rule);
  const tat = Math.max(stored?.tat ?? now, now);
  const next = tat + interval * cost;
  if (next - interval * rule.burst > now) return { allowed: false, state: { tat } };
  return { allowed: true, state: { tat: next } };
}

/** What a client is told after a step (`state` is the state the step returned). */
export function describeGcra(
  rule: GcraRule,
  state: GcraState,
  now: number,
  cost: number,
  allowed: boolean,
): RateLimitDecision {
  const interval = emissionIntervalMs(rule);
  const ahead = Math.max(0, state.tat - now);
  return {
    allowed,
    limit: rule.burst,
    remaining: Math.max(0, Math.floor((interval * rule.burst - ahead) / interval)),
    resetSeconds: wholeSeconds(ahead),
    retryAfterSeconds: allowed ? 0 : wholeSeconds(ahead + interval * cost - interval * rule.burst),
  };
}
