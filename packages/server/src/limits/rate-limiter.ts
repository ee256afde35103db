import type { Context as HonoContext } from 'hono';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import { LiftConfigError } from '../core/errors.ts';
import { guardMiddleware } from '../core/guard.ts';
import type { CounterSeries, ModuleMetrics } from '../core/metrics.ts';
import { pendResponseHeader } from '../core/response-headers.ts';
import { describeMiddleware } from '../core/route-registry.ts';
import type { Middleware } from '../core/routes.ts';
import { type Tracer, traced } from '../core/tracing.ts';
import { limitItem, policyItem } from './rate-limit-headers.ts';
import { type CompiledPolicy, compilePolicy, type RateLimitPolicy } from './rate-limit-policy.ts';
import type { RateLimitDecision, RateLimitRule } from './rate-limit-rule.ts';
import type { RateLimitStore, SynchronousRateLimitStore } from './rate-limit-store.ts';
import { RateLimitedError, RateLimitUnavailableError } from './rate-limited-error.ts';

export interface RateLimitOptions {
  /** Checked in order; the first that refuses answers 429 and later ones are not charged. */
  policies?: readonly RateLimitPolicy[];
}

/** A policy checked from code rather than as route middleware; see `Limits.limiter`. */
export interface PolicyLimiter {
  readonly name: string;
  /**
   * Charges `subject` (`ip:<address>` from `ipSubject`, `user:<id>`, any stable string) `cost` units. Never
   * throws: a refusal carries the error to answer with — 429 `LIFT_RATE_LIMITED`, or 503
   * `LIFT_RATE_LIMIT_UNAVAILABLE` when the store does not answer and the policy fails closed.
   */
  check(subject: string, cost?: number): Promise<RateLimitVerdict>;
}

export type RateLimitVerdict =
  /** `headers`: the `RateLimit-Policy` and `RateLimit` fields (none when the store failed open). */
  | { readonly allowed: true; readonly headers: Readonly<Record<string, string>> }
  | { readonly allowed: false; readonly error: RateLimitedError | RateLimitUnavailableError };

export interface RateLimiterSettings {
  enabled: boolean;
  fail: 'open' | 'closed';
  failureLogIntervalMs: number;
  /** The policy of `rateLimit()` without policies. */
  defaultPolicy: RateLimitPolicy;
}

interface PolicyMetrics {
  allowed: CounterSeries;
  limited: CounterSeries;
  failedOpen: CounterSeries;
  failedClosed: CounterSeries;
  storeErrors: CounterSeries;
}

/** One policy's answer for one request: what to put in the headers. */
interface Applied {
  /** The policy's `RateLimit-Policy` item for the rule that applied. */
  policyItem: string;
  name: string;
  decision: RateLimitDecision;
}

/**
 * Makes `rateLimit()` middleware and runs its decisions. The store is taken on first use, so an app whose
 * routes never rate-limit opens nothing. A decision on the memory store stays synchronous (no promise on the
 * request path); others await one store call per policy.
 */
export class RateLimiter {
  readonly #store: () => RateLimitStore;
  readonly #settings: RateLimiterSettings;
  readonly #metrics: ModuleMetrics;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #tracer: Tracer;
  readonly #rules = new Map<string, string>();
  readonly #policyMetrics = new Map<string, PolicyMetrics>();
  #failuresUnlogged = 0;
  #lastFailureLog = Number.NEGATIVE_INFINITY;

  constructor(options: {
    store: () => RateLimitStore;
    settings: RateLimiterSettings;
    metrics: ModuleMetrics;
    log: Logger;
    clock: Clock;
    tracer: Tracer;
  }) {
    this.#store = options.store;
    this.#settings = options.settings;
    this.#metrics = options.metrics;
    this.#log = options.log;
    this.#clock = options.clock;
    this.#tracer = options.tracer;
  }

  middleware(options: RateLimitOptions = {}): Middleware {
    const policies = (options.policies ?? [this.#settings.defaultPolicy]).map((policy) =>
      this.#register(compilePolicy(policy, this.#settings.fail)),
    );
    const middleware = guardMiddleware((c) => {
      if (!this.#settings.enabled || policies.length === 0) return;
      const store = this.#store();
      const synchronous = store.synchronous;
      if (synchronous !== undefined && !this.#tracer.enabled) this.#decideNow(c, synchronous, policies);
      else return this.#decide(c, store, policies);
    });
    return describeMiddleware(middleware, {
      kind: 'rateLimit',
      policies: policies.map((policy) => policy.policyItem),
    });
  }

  /**
   * A policy for code that is not a route's middleware chain (identity's attempt throttles, a WebSocket
   * handshake). It ignores `limits.enabled` — that switch is for `rateLimit()` on routes; a brute-force guard
   * is not something to turn off in an emergency — and the policy's `key` (the caller names the subject).
   */
  limiter(policy: RateLimitPolicy): PolicyLimiter {
    const compiled = this.#register(compilePolicy(policy, this.#settings.fail));
    return {
      name: compiled.name,
      check: async (subject, cost = 1) => {
        const store = this.#store();
        const key = `${compiled.name}:${subject}`;
        let decision: RateLimitDecision;
        try {
          decision =
            store.synchronous !== undefined
              ? store.synchronous.consumeNow(key, compiled.rule, cost)
              : await traced(
                  this.#tracer,
                  'ratelimit.decide',
                  { 'lift.ratelimit.policy': compiled.name },
                  () => store.consume(key, compiled.rule, cost),
                );
        } catch (error) {
          try {
            this.#failed(compiled, error);
          } catch (refusal) {
            return { allowed: false, error: refusal as RateLimitUnavailableError };
          }
          return { allowed: true, headers: {} };
        }
        const applied: Applied[] = [];
        try {
          this.#settle(compiled, compiled.rule, decision, applied);
        } catch (refusal) {
          return { allowed: false, error: refusal as RateLimitedError };
        }
        return { allowed: true, headers: headersOf(applied) };
      },
    };
  }

  /** One name is one counter, so two policies of one name with different quotas are a mistake. */
  #register(policy: CompiledPolicy): CompiledPolicy {
    const shape = JSON.stringify([policy.rule, [...policy.overrides]]);
    const known = this.#rules.get(policy.name);
    if (known !== undefined && known !== shape) {
      throw new LiftConfigError(
        `Two rate-limit policies are named "${policy.name}" with different quotas; one name is one counter.`,
      );
    }
    this.#rules.set(policy.name, shape);
    return policy;
  }

  #decideNow(c: HonoContext, store: SynchronousRateLimitStore, policies: readonly CompiledPolicy[]): void {
    const applied: Applied[] = [];
    for (const policy of policies) {
      const request = this.#request(c, policy);
      if (request === undefined) continue;
      const decision = store.consumeNow(request.key, request.rule, request.cost);
      this.#settle(policy, request.rule, decision, applied);
    }
    this.#headers(c, applied);
  }

  async #decide(c: HonoContext, store: RateLimitStore, policies: readonly CompiledPolicy[]): Promise<void> {
    const applied: Applied[] = [];
    for (const policy of policies) {
      const request = this.#request(c, policy);
      if (request === undefined) continue;
      let decision: RateLimitDecision;
      try {
        decision = await traced(
          this.#tracer,
          'ratelimit.decide',
          { 'lift.ratelimit.policy': policy.name },
          () => store.consume(request.key, request.rule, request.cost),
        );
      } catch (error) {
        this.#failed(policy, error);
        continue;
      }
      this.#settle(policy, request.rule, decision, applied);
    }
    this.#headers(c, applied);
  }

  /** The counter key, rule and cost of `policy` for this request; undefined when the policy does not apply. */
  #request(
    c: HonoContext,
    policy: CompiledPolicy,
  ): { key: string; rule: RateLimitRule; cost: number } | undefined {
    const subject = policy.subject(c);
    if (subject === null) return undefined;
    let rule = policy.rule;
    if (policy.overrides.size > 0) {
      const principal = c.get('principal');
      const override = principal ? policy.overrides.get(principal.id) : undefined;
      if (override === 'unlimited') return undefined;
      if (override !== undefined) rule = override;
    }
    return { key: `${policy.name}:${subject}`, rule, cost: policy.cost(c) };
  }

  #settle(
    policy: CompiledPolicy,
    rule: RateLimitRule,
    decision: RateLimitDecision,
    applied: Applied[],
  ): void {
    const metrics = this.#metricsOf(policy.name);
    const item = rule === policy.rule ? policy.policyItem : policyItem(policy.name, rule);
    applied.push({ policyItem: item, name: policy.name, decision });
    if (decision.allowed) {
      metrics.allowed.inc();
      return;
    }
    metrics.limited.inc();
    throw new RateLimitedError(policy.name, decision.retryAfterSeconds, headersOf(applied));
  }

  #headers(c: HonoContext, applied: readonly Applied[]): void {
    if (applied.length === 0) return;
    pendResponseHeader(c, 'ratelimit-policy', policyField(applied));
    pendResponseHeader(c, 'ratelimit', limitField(applied));
  }

  #failed(policy: CompiledPolicy, error: unknown): void {
    const metrics = this.#metricsOf(policy.name);
    metrics.storeErrors.inc();
    this.#logFailure(policy.name, error);
    if (policy.fail === 'open') {
      metrics.failedOpen.inc();
      return;
    }
    metrics.failedClosed.inc();
    throw new RateLimitUnavailableError(policy.name, error);
  }

  /** At most one line per interval, carrying how many failures it stands for: an outage is not a log flood. */
  #logFailure(policy: string, error: unknown): void {
    this.#failuresUnlogged++;
    const now = this.#clock.now();
    if (now - this.#lastFailureLog < this.#settings.failureLogIntervalMs) return;
    this.#log.warn(
      { err: error, policy, failures: this.#failuresUnlogged },
      'Rate-limit store did not answer; decisions follow each policy’s fail mode.',
    );
    this.#lastFailureLog = now;
    this.#failuresUnlogged = 0;
  }

  #metricsOf(policy: string): PolicyMetrics {
    let metrics = this.#policyMetrics.get(policy);
    if (metrics === undefined) {
      const decisions = this.#metrics.counter('rate_limit_decisions_total');
      metrics = {
        allowed: decisions.series({ policy, outcome: 'allowed' }),
        limited: decisions.series({ policy, outcome: 'limited' }),
        failedOpen: decisions.series({ policy, outcome: 'failed_open' }),
        failedClosed: decisions.series({ policy, outcome: 'failed_closed' }),
        storeErrors: this.#metrics.counter('rate_limit_store_errors_total').series({ policy }),
      };
      this.#policyMetrics.set(policy, metrics);
    }
    return metrics;
  }
}

function policyField(applied: readonly Applied[]): string {
  return applied.length === 1 ? applied[0]!.policyItem : applied.map((item) => item.policyItem).join(', ');
}

function limitField(applied: readonly Applied[]): string {
  return applied.map((item) => limitItem(item.name, item.decision)).join(', ');
}

function headersOf(applied: readonly Applied[]): Record<string, string> {
  return { 'ratelimit-policy': policyField(applied), ratelimit: limitField(applied) };
}
