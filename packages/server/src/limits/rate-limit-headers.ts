import type { RateLimitDecision, RateLimitRule } from './rate-limit-rule.ts';
import { ruleQuota, ruleWindowSeconds } from './rate-limit-rule.ts';

/**
 * The fields of draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy` lists each policy's quota and window
 * (`"burst";q=100;w=60`), `RateLimit` what is left of each and when it is whole again (`"burst";r=0;t=12`).
 * Both are structured-field lists, one item per policy, in the route's policy order.
 */

export function policyItem(name: string, rule: RateLimitRule): string {
  return `"${name}";q=${ruleQuota(rule)};w=${ruleWindowSeconds(rule)}`;
}

export function limitItem(name: string, decision: RateLimitDecision): string {
  return `"${name}";r=${decision.remaining};t=${decision.resetSeconds}`;
}
