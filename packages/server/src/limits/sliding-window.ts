import { type RateLimitDecision, type SlidingWindowRule, wholeSeconds } from './rate-limit-rule.ts';

/**
 * The sliding-window algorithm, pure: state in, state and decision out. Every store runs the same step (the
 * Redis and SQL stores in their own language, against these tests), and every store describes its result
 * with `describeSlidingWindow`, so the numbers a client sees never depend on the store.
 *
 * Exactness: the weighted comparison is done multiplied through by the window length, in integers, so no
 * rounding admits a request that the formula would refuse.
 */

export interface SlidingWindowState {
  /** Start of the current fixed window, ms since the epoch (a multiple of `windowMs`). */
  readonly windowStart: number;
  /** Units admitted in the current fixed window. */
  readonly current: number;
  /** Units admitted in the fixed window before it. */
  readonly previous: number;
}

/** The state as of `now`: the windows rolled forward, nothing admitted yet. */
export function rollSlidingWindow(
  rule: SlidingWindowRule,
  state: SlidingWindowState | undefined,
  now: number,
): SlidingWindowState {
  const windowStart = now - (now % rule.windowMs);
  if (state === undefined) return { windowStart, current: 0, previous: 0 };
  if (state.windowStart === windowStart) return state;
  if (state.windowStart === windowStart - rule.windowMs) {
    return { windowStart, current: 0, previous: state.current };
  }
  return { windowStart, current: 0, previous: 0 };
}

/** Whether `cost` more units fit: previous × (share still covered) + current + cost ≤ limit. */
function fits(rule: SlidingWindowRule, state: SlidingWindowState, now: number, cost: number): boolean {
  const w = rule.windowMs;
  const left = w - (now - state.windowStart);
  return state.previous * left + (state.current + cost) * w <= rule.limit * w;
}

/** One decision: admits `cost` units when they fit and returns the new state. */
export function stepSlidingWindow(
  rule: SlidingWindowRule,
  stored: SlidingWindowState | undefined,
  now: number,
  cost: number,
): { allowed: boolean; state: SlidingWindowState } {
  const state = rollSlidingWindow(rule, stored, now);
  if (!fits(rule, state, now, cost)) return { allowed: false, state };
  return { allowed: true, state: { ...state, current: state.current + cost } };
}

/** What a client is told after a step (`state` is the state the step returned). */
export function describeSlidingWindow(
  rule: SlidingWindowRule,
  state: SlidingWindowState,
  now: number,
  cost: number,
  allowed: boolean,
): RateLimitDecision {
  const w = rule.windowMs;
  const elapsed = now - state.windowStart;
  const used = (state.previous * (w - elapsed)) / w + state.current;
  return {
    allowed,
    limit: rule.limit,
    remaining: Math.max(0, Math.floor(rule.limit - used)),
    // The previous window stops counting when the current one ends; the current one a window later.
    resetSeconds: wholeSeconds((state.current > 0 ? w : 0) + w - elapsed),
    retryAfterSeconds: allowed ? 0 : wholeSeconds(slidingWindowWaitMs(rule, state, elapsed, cost)),
  };
}

/** Milliseconds until `cost` units fit, solving the weighted sum for the first moment it is ≤ limit. */
function slidingWindowWaitMs(
  rule: SlidingWindowRule,
  state: SlidingWindowState,
  elapsed: number,
  cost: number,
): number {
  const w = rule.windowMs;
  // A cost above the limit never fits; the client is told to wait the longest anything could take.
  if (cost > rule.limit) return 2 * w - elapsed;
  const room = rule.limit - state.current - cost;
  if (room >= 0 && state.previous > 0) {
    // Later in this window: previous × (w − e) ≤ room × w.
    return Math.max(0, Math.ceil(w - (room * w) / state.previous) - elapsed);
  }
  // In the next window the current count becomes the weighted one: current × (w − e) ≤ (limit − cost) × w.
  const next = state.current > 0 ? Math.max(0, Math.ceil(w - ((rule.limit - cost) * w) / state.current)) : 0;
  return w - elapsed + next;
}
