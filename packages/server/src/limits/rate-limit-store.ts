import type { Pingable } from '../storage/index.ts';
import type { RateLimitDecision, RateLimitRule } from './rate-limit-rule.ts';

/**
 * The port every rate-limit counter lives behind. One call is one decision, atomic in the store: two
 * processes asking about the same key at once are ordered by the store, so a limit holds across nodes.
 * The memory store (one process), Redis (one Lua script, one round trip) and SQL implement it; they all pass
 * `rate-limit-store.conformance.ts`.
 */
export interface RateLimitStore extends Pingable {
  /** Charges `cost` units to `key` under `rule` when they fit; never charges a refused request. */
  consume(key: string, rule: RateLimitRule, cost: number): Promise<RateLimitDecision>;
  /**
   * The same decision without a promise, offered by stores that need no I/O (memory). A plain object, not a
   * method, so the store metrics' wrapper (telemetry/observed-ports.ts) does not time a map lookup.
   */
  readonly synchronous?: SynchronousRateLimitStore;
  close(): Promise<void>;
}

export interface SynchronousRateLimitStore {
  consumeNow(key: string, rule: RateLimitRule, cost: number): RateLimitDecision;
}
