import { describe, expect, it } from 'vitest';
import { describeGcra, stepGcra } from './gcra.ts';
import type { GcraRule, SlidingWindowRule } from './rate-limit-rule.ts';
import { decideRateLimit, type RateLimitState } from './rate-limit-step.ts';
import { describeSlidingWindow, stepSlidingWindow } from './sliding-window.ts';

const T0 = Date.UTC(2026, 0, 1); // a multiple of every window below

function run(rule: SlidingWindowRule | GcraRule, times: number[], cost = 1) {
  let state: RateLimitState | undefined;
  return times.map((at) => {
    const result = decideRateLimit(rule, state, at, cost);
    state = result.state;
    return result.decision;
  });
}

describe('sliding window', () => {
  const rule: SlidingWindowRule = { algorithm: 'sliding-window', limit: 5, windowMs: 60_000 };

  it('admits the limit in one window and refuses the next', () => {
    const decisions = run(
      rule,
      [0, 1, 2, 3, 4, 5].map((i) => T0 + i),
    );
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0, 0]);
    expect(decisions[5]!.limit).toBe(5);
  });

  it('has no double burst at a window edge (5 just before, at most 0 just after)', () => {
    const before = [0, 1, 2, 3, 4].map((i) => T0 + 59_990 + i);
    const after = [0, 1, 2, 3, 4].map((i) => T0 + 60_000 + i);
    const decisions = run(rule, [...before, ...after]);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
  });

  it('weights the previous window by how much of it still overlaps', () => {
    // 4 in the previous window; 30 s into the next, they weigh 2, so 3 more fit.
    const times = [0, 1, 2, 3].map((i) => T0 + i);
    const later = [0, 1, 2, 3].map((i) => T0 + 90_000 + i);
    const decisions = run(rule, [...times, ...later]);
    expect(decisions.slice(4).map((d) => d.allowed)).toEqual([true, true, true, false]);
  });

  it('forgets a window two windows old', () => {
    const decisions = run(rule, [...[0, 1, 2, 3, 4].map((i) => T0 + i), T0 + 120_000]);
    expect(decisions[5]).toMatchObject({ allowed: true, remaining: 4 });
  });

  it('says when the refused cost would fit: later in this window or in the next', () => {
    // Previous window full (5); 10 s into the next, the weight is 5 × 50/60 ≈ 4.17 — 1 unit fits only once
    // 5 × (60 − e)/60 ≤ 4, at e = 12 s: wait 2 s.
    const full = stepSlidingWindow(rule, undefined, T0, 5).state;
    const { allowed, state } = stepSlidingWindow(rule, full, T0 + 70_000, 1);
    expect(allowed).toBe(false);
    expect(describeSlidingWindow(rule, state, T0 + 70_000, 1, allowed).retryAfterSeconds).toBe(2);
    // Current window full: next window, where the 5 weigh 5 × (60 − e)/60 ≤ 4 at e = 12 s.
    const current = stepSlidingWindow(rule, undefined, T0 + 50_000, 5).state;
    const refused = stepSlidingWindow(rule, current, T0 + 50_000, 1);
    expect(describeSlidingWindow(rule, refused.state, T0 + 50_000, 1, false).retryAfterSeconds).toBe(22);
    // Waiting exactly that long is enough.
    expect(stepSlidingWindow(rule, refused.state, T0 + 72_000, 1).allowed).toBe(true);
    expect(stepSlidingWindow(rule, refused.state, T0 + 71_999, 1).allowed).toBe(false);
  });

  it('charges a cost and never admits more than the limit in one step', () => {
    const decisions = run(rule, [T0, T0 + 1, T0 + 2], 2);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
    expect(decisions[1]!.remaining).toBe(1);
  });
});

describe('GCRA', () => {
  // 1 per second sustained, bursts of 3.
  const rule: GcraRule = { algorithm: 'gcra', rate: 1, periodMs: 1_000, burst: 3 };

  it('admits a burst after a quiet period, then the sustained rate', () => {
    const decisions = run(rule, [T0, T0, T0, T0, T0 + 1_000, T0 + 1_000, T0 + 2_500]);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false, true, false, true]);
    expect(decisions.slice(0, 3).map((d) => d.remaining)).toEqual([2, 1, 0]);
    expect(decisions[0]!.limit).toBe(3);
  });

  it('says how long until the refused cost fits, and that is exact', () => {
    let state = stepGcra(rule, undefined, T0, 3).state;
    const refused = stepGcra(rule, state, T0 + 400, 1);
    expect(refused.allowed).toBe(false);
    expect(describeGcra(rule, refused.state, T0 + 400, 1, false).retryAfterSeconds).toBe(1); // 600 ms
    expect(stepGcra(rule, refused.state, T0 + 999, 1).allowed).toBe(false);
    state = stepGcra(rule, refused.state, T0 + 1_000, 1).state;
    expect(state.tat).toBe(T0 + 4_000);
  });

  it('reports the time until the bucket is full again', () => {
    const decisions = run(rule, [T0, T0]);
    expect(decisions[1]!.resetSeconds).toBe(2);
  });

  it('keeps fractional intervals exact (3 per second)', () => {
    const thirds: GcraRule = { algorithm: 'gcra', rate: 3, periodMs: 1_000, burst: 1 };
    // Admitted at 334, the next unit is due at 334 + 333.33…: not at 667, at 668.
    const decisions = run(thirds, [T0, T0 + 333, T0 + 334, T0 + 667, T0 + 668]);
    expect(decisions.map((d) => d.allowed)).toEqual([true, false, true, false, true]);
  });
});
