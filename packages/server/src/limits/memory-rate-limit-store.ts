import type { Clock } from '../core/clock.ts';
import type { RateLimitDecision, RateLimitRule } from './rate-limit-rule.ts';
import { decideRateLimit, type RateLimitState } from './rate-limit-step.ts';
import type { RateLimitStore, SynchronousRateLimitStore } from './rate-limit-store.ts';

/** Expired keys are swept after this many decisions, so an idle key costs memory for a bounded time. */
const SWEEP_EVERY = 10_000;

/**
 * Counters in this process's memory: exact for one process, and the fast path (no I/O, no await inside).
 * With several processes each keeps its own counters, so a limit N becomes N per process; use Redis or SQL.
 */
export class MemoryRateLimitStore implements RateLimitStore, SynchronousRateLimitStore {
  readonly #entries = new Map<string, { state: RateLimitState; expiresAt: number; rule: RateLimitRule }>();
  readonly #clock: Clock;
  #untilSweep = SWEEP_EVERY;
  readonly synchronous: SynchronousRateLimitStore = this;

  constructor(options: { clock: Clock }) {
    this.#clock = options.clock;
  }

  consume(key: string, rule: RateLimitRule, cost: number): Promise<RateLimitDecision> {
    return Promise.resolve(this.consumeNow(key, rule, cost));
  }

  /** The same decision without a promise, for callers on the synchronous path. */
  consumeNow(key: string, rule: RateLimitRule, cost: number): RateLimitDecision {
    const now = this.#clock.now();
    if (--this.#untilSweep <= 0) this.#sweep(now);
    const entry = this.#entries.get(key);
    // A key reused under another rule starts over rather than reading state of another shape.
    const stored =
      entry && entry.rule.algorithm === rule.algorithm && entry.expiresAt > now ? entry.state : undefined;
    const { decision, state, expiresAt } = decideRateLimit(rule, stored, now, cost);
    if (entry === undefined) this.#entries.set(key, { state, expiresAt, rule });
    else {
      // Updated in place: one map lookup per decision, and no entry object to collect.
      entry.state = state;
      entry.expiresAt = expiresAt;
      entry.rule = rule;
    }
    return decision;
  }

  #sweep(now: number): void {
    this.#untilSweep = SWEEP_EVERY;
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#entries.clear();
  }
}
