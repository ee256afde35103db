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
  close(): Promise<void>;
}
