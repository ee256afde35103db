import type { Context as HonoContext } from 'hono';
import { LiftConfigError } from '../core/errors.ts';
import type { Principal } from '../core/request-state.ts';
import { clientSubject } from './client-subject.ts';
import { policyItem } from './rate-limit-headers.ts';
import type { RateLimitRule } from './rate-limit-rule.ts';

/** What a counter is kept per. Principal-based keys fall back to the client IP for anonymous requests. */
export type RateLimitKey =
  | 'ip'
  | 'user'
  | 'tenant'
  | 'route'
  /** A function of the request; `null` leaves the request out of this policy. */
  | ((c: HonoContext) => string | null);

/** The arithmetic of a policy: a sliding window (`limit`/`windowSeconds`) or GCRA (`rate`/`periodSeconds`/`burst`). */
export type RateLimitQuota =
  | { algorithm?: 'sliding-window'; limit: number; windowSeconds: number }
  | { algorithm: 'gcra'; rate: number; periodSeconds: number; burst: number };

export type RateLimitPolicy = RateLimitQuota & {
  /**
   * Names the policy in headers, the 429 body and the `policy` metric label: a short word (`burst`, `daily`).
   * Policies with one name share one counter per subject, so a name can span several routes.
   */
  name: string;
  /** Default `ip`: the client address after trusted-proxy resolution, IPv6 by /64. */
  key?: RateLimitKey;
  /** Units a request costs; default 1. */
  cost?: number | ((c: HonoContext) => number);
  /** Other quotas for some principals, by principal id; `unlimited` exempts one. */
  overrides?: Readonly<Record<string, RateLimitQuota | 'unlimited'>>;
  /** When the store does not answer; default `limits.fail`. */
  fail?: 'open' | 'closed';
};

/** A policy checked and turned into what a request needs: rules, header items, the subject function. */
export interface CompiledPolicy {
  readonly name: string;
  readonly rule: RateLimitRule;
  /** `RateLimit-Policy` item of `rule`, made once. */
  readonly policyItem: string;
  readonly overrides: ReadonlyMap<string, RateLimitRule | 'unlimited'>;
  readonly subject: (c: HonoContext) => string | null;
  readonly cost: (c: HonoContext) => number;
  readonly fail: 'open' | 'closed';
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** Checks a policy at setup (a mistake fails the boot, never a request) and compiles it. */
export function compilePolicy(policy: RateLimitPolicy, defaultFail: 'open' | 'closed'): CompiledPolicy {
  if (!NAME.test(policy.name)) {
    throw new LiftConfigError(
      `Rate-limit policy name "${policy.name}" must be 1–32 of a-z, 0-9, _ and -, starting with a letter or digit.`,
    );
  }
  const rule = ruleOf(policy.name, policy);
  const overrides = new Map<string, RateLimitRule | 'unlimited'>();
  for (const [id, quota] of Object.entries(policy.overrides ?? {})) {
    overrides.set(id, quota === 'unlimited' ? quota : ruleOf(policy.name, quota));
  }
  const cost = policy.cost ?? 1;
  if (typeof cost === 'number') positiveInteger(policy.name, 'cost', cost);
  return {
    name: policy.name,
    rule,
    policyItem: policyItem(policy.name, rule),
    overrides,
    subject: subjectOf(policy.key ?? 'ip'),
    cost: typeof cost === 'number' ? () => cost : cost,
    fail: policy.fail ?? defaultFail,
  };
}

function ruleOf(name: string, quota: RateLimitQuota): RateLimitRule {
  if (quota.algorithm === 'gcra') {
    positiveInteger(name, 'rate', quota.rate);
    positiveInteger(name, 'periodSeconds', quota.periodSeconds);
    positiveInteger(name, 'burst', quota.burst);
    return { algorithm: 'gcra', rate: quota.rate, periodMs: quota.periodSeconds * 1000, burst: quota.burst };
  }
  positiveInteger(name, 'limit', quota.limit);
  positiveInteger(name, 'windowSeconds', quota.windowSeconds);
  return { algorithm: 'sliding-window', limit: quota.limit, windowMs: quota.windowSeconds * 1000 };
}

function positiveInteger(policy: string, field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new LiftConfigError(
      `Rate-limit policy "${policy}": ${field} must be a positive integer, not ${value}.`,
    );
  }
}

function principalOf(c: HonoContext): Principal | null {
  return c.get('principal') ?? null;
}

/** The subject string per key kind; the kind is part of it, so a user id never meets an address. */
function subjectOf(key: RateLimitKey): (c: HonoContext) => string | null {
  if (typeof key === 'function') {
    return (c) => {
      const value = key(c);
      return value === null ? null : `fn:${value}`;
    };
  }
  switch (key) {
    case 'ip':
      return ipSubject;
    case 'user':
      return (c) => {
        const principal = principalOf(c);
        return principal ? `user:${principal.userId ?? principal.id}` : ipSubject(c);
      };
    case 'tenant':
      return (c) => {
        const tenant = principalOf(c)?.tenantId;
        return tenant ? `tenant:${tenant}` : ipSubject(c);
      };
    case 'route':
      return (c) => `route:${c.req.method} ${c.req.routePath}`;
  }
}

/** The last address and its subject: a busy client sends many requests in a row, and parsing is not free. */
let lastIp = '';
let lastSubject = 'ip:unknown';

function ipSubject(c: HonoContext): string {
  const ip = c.get('clientIp') ?? 'unknown';
  if (ip !== lastIp) {
    lastIp = ip;
    lastSubject = `ip:${clientSubject(ip)}`;
  }
  return lastSubject;
}
