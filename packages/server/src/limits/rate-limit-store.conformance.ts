import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../core/clock.ts';
import type { GcraRule, RateLimitDecision, RateLimitRule, SlidingWindowRule } from './rate-limit-rule.ts';
import { decideRateLimit, type RateLimitState } from './rate-limit-step.ts';
import type { RateLimitStore } from './rate-limit-store.ts';

export interface RateLimitStoreTarget {
  store: RateLimitStore;
  /** The clock the store reads; the suite moves it. */
  clock: ManualClock;
  close(): Promise<void>;
}

const window: SlidingWindowRule = { algorithm: 'sliding-window', limit: 5, windowMs: 60_000 };
const gcra: GcraRule = { algorithm: 'gcra', rate: 3, periodMs: 1_000, burst: 4 };

/** Steps (ms to move the clock, cost) that cross window edges, refuse, and charge costs above 1. */
const SCRIPT: ReadonlyArray<readonly [number, number]> = [
  [0, 1],
  [1, 1],
  [10, 2],
  [333, 1],
  [1, 1],
  [0, 1],
  [20_000, 1],
  [39_000, 1],
  [650, 1],
  [0, 2],
  [7_333, 1],
  [1, 3],
  [30_000, 1],
  [0, 1],
  [60_001, 1],
  [1, 5],
  [0, 1],
  [125_000, 1],
  [1, 4],
  [1, 1],
];

/**
 * The behaviour every RateLimitStore must show: the same decisions as the in-process reference
 * (`rate-limit-step.ts`) for the same times, one key's counter untouched by another's, refused requests not
 * charged, and concurrent decisions on one key never admitting more than the limit.
 */
export function rateLimitStoreConformance(
  adapter: string,
  create: () => Promise<RateLimitStoreTarget>,
): void {
  describe(`RateLimitStore conformance: ${adapter}`, () => {
    let target: RateLimitStoreTarget;
    const run = randomBytes(4).toString('hex');
    let counter = 0;
    const key = (label: string) => `conformance:${run}:${++counter}:${label}`;

    beforeAll(async () => {
      target = await create();
    });
    afterAll(async () => {
      await target?.close();
    });

    it('answers ping', async () => {
      await expect(target.store.ping()).resolves.toBeUndefined();
    });

    it.each([
      ['sliding window', window],
      ['GCRA', gcra],
    ] as const)('decides a %s exactly as the reference does', async (_name, rule: RateLimitRule) => {
      const subject = key('script');
      let reference: RateLimitState | undefined;
      const seen: RateLimitDecision[] = [];
      const expected: RateLimitDecision[] = [];
      for (const [advance, cost] of SCRIPT) {
        target.clock.advance(advance);
        const step = decideRateLimit(rule, reference, target.clock.now(), cost);
        // The reference keeps state only as far as a store would: nothing once it has expired.
        reference = step.state;
        expected.push(step.decision);
        seen.push(await target.store.consume(subject, rule, cost));
      }
      expect(seen).toEqual(expected);
      expect(seen.some((d) => d.allowed) && seen.some((d) => !d.allowed)).toBe(true);
    });

    it('keeps keys apart', async () => {
      const one = key('one');
      for (let i = 0; i < 5; i++) await target.store.consume(one, window, 1);
      expect((await target.store.consume(one, window, 1)).allowed).toBe(false);
      expect(await target.store.consume(key('two'), window, 1)).toMatchObject({
        allowed: true,
        remaining: 4,
      });
    });

    it('does not charge a refused request', async () => {
      const subject = key('refused');
      await target.store.consume(subject, window, 4);
      expect((await target.store.consume(subject, window, 2)).allowed).toBe(false);
      expect(await target.store.consume(subject, window, 1)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it.each([
      ['sliding window', window],
      ['GCRA', gcra],
    ] as const)('admits exactly the limit of %s under concurrent requests', async (_name, rule) => {
      const subject = key('race');
      const decisions = await Promise.all(
        Array.from({ length: 40 }, () => target.store.consume(subject, rule, 1)),
      );
      expect(decisions.filter((d) => d.allowed)).toHaveLength(rule.algorithm === 'gcra' ? rule.burst : 5);
    });

    it('starts over once a window has long passed', async () => {
      const subject = key('expiry');
      for (let i = 0; i < 5; i++) await target.store.consume(subject, window, 1);
      target.clock.advance(2 * window.windowMs);
      expect(await target.store.consume(subject, window, 1)).toMatchObject({ allowed: true, remaining: 4 });
    });
  });
}
