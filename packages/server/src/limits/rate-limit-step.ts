import { describeGcra, type GcraState, stepGcra } from './gcra.ts';
import type { RateLimitDecision, RateLimitRule } from './rate-limit-rule.ts';
import { describeSlidingWindow, type SlidingWindowState, stepSlidingWindow } from './sliding-window.ts';

/** The state of one key under either algorithm, as the memory store keeps it. */
export type RateLimitState = SlidingWindowState | GcraState;

/** One decision on in-process state: the memory store's whole job, and the reference the other stores match. */
export function decideRateLimit(
  rule: RateLimitRule,
  stored: RateLimitState | undefined,
  now: number,
  cost: number,
): { decision: RateLimitDecision; state: RateLimitState; expiresAt: number } {
  if (rule.algorithm === 'sliding-window') {
    const { allowed, state } = stepSlidingWindow(rule, stored as SlidingWindowState | undefined, now, cost);
    return {
      decision: describeSlidingWindow(rule, state, now, cost, allowed),
      state,
      // After two windows nothing of this state counts any more.
      expiresAt: state.windowStart + 2 * rule.windowMs,
    };
  }
  const { allowed, state } = stepGcra(rule, stored as GcraState | undefined, now, cost);
  return { decision: describeGcra(rule, state, now, cost, allowed), state, expiresAt: Math.ceil(state.tat) };
}
