import type { LiftModule } from '../core/module.ts';
import type { Middleware } from '../core/routes.ts';
import { limitsConfig } from './config.ts';
import { LIMITS_ERRORS } from './error-codes.ts';
import { type IdempotencyMetrics, type IdempotencyOptions, idempotency } from './idempotency/index.ts';
import { LIMITS_METRICS } from './metrics.ts';
import { limitsMigrations } from './migrations.ts';
import type { RateLimitPolicy } from './rate-limit-policy.ts';
import type { RateLimitStore } from './rate-limit-store.ts';
import { type PolicyLimiter, RateLimiter, type RateLimitOptions } from './rate-limiter.ts';

/** The limits module's public face. */
export interface Limits {
  /** Route middleware: `rateLimit({ policies: [{ name: 'burst', limit: 100, windowSeconds: 60 }] })`. */
  rateLimit(options?: RateLimitOptions): Middleware;
  /**
   * A policy checked from code, for a subject the caller names: `limiter({ name: 'ws-connect', limit: 20,
   * windowSeconds: 60 }).check(ipSubject(ip))`. Identity's attempt throttles are made this way.
   */
  limiter(policy: RateLimitPolicy): PolicyLimiter;
  /**
   * Route middleware replaying the first completed answer to a retried POST or PATCH with the same
   * `Idempotency-Key`, per principal, on the app's key-value store; TTL and lease from `limits.idempotency.*`.
   */
  idempotency(options?: AppIdempotencyOptions): Middleware;
}

/** What a route may still choose; the store, log, metrics and default durations are the module's. */
export type AppIdempotencyOptions = Omit<IdempotencyOptions, 'kv' | 'log' | 'metrics'>;

declare module '../core/module.ts' {
  interface LiftModules {
    limits: Limits;
  }
  interface LiftPorts {
    rateLimits: RateLimitStore;
  }
}

/**
 * The limits module: rate limiting by policy (sliding window or GCRA) on a shared store. Building it opens
 * nothing and routes without `rateLimit()` pay nothing; the store is taken from the ports on the first
 * decision.
 */
export function limitsModule(): LiftModule<'limits', Limits> {
  return {
    name: 'limits',
    errors: LIMITS_ERRORS,
    metrics: LIMITS_METRICS,
    config: limitsConfig,
    migrations: limitsMigrations,
    build(context) {
      const settings = context.config.limits;
      let store: RateLimitStore | undefined;
      const take = () => {
        store ??= context.ports.rateLimits;
        return store;
      };
      const limiter = new RateLimiter({
        store: take,
        settings: {
          enabled: settings.enabled,
          fail: settings.fail,
          failureLogIntervalMs: settings.failureLogIntervalMs,
          defaultPolicy: {
            name: 'default',
            limit: settings.default.limit,
            windowSeconds: settings.default.windowSeconds,
          },
        },
        metrics: context.metrics,
        log: context.log,
        clock: context.clock,
        tracer: context.tracer,
      });
      const outcomes = context.metrics.counter('idempotency_requests_total');
      const idempotencyMetrics: IdempotencyMetrics = {
        record: (outcome) => outcomes.add({ outcome }),
      };
      return {
        face: {
          rateLimit: (options) => limiter.middleware(options),
          limiter: (policy) => limiter.limiter(policy),
          idempotency: (options = {}) =>
            idempotency({
              kv: context.ports.kv,
              log: context.log,
              metrics: idempotencyMetrics,
              ttlMs: settings.idempotency.ttlMs,
              leaseMs: settings.idempotency.leaseMs,
              ...options,
            }),
        },
        health: [{ name: 'rate_limits', check: { ping: () => take().ping() } }],
        // The store is this module's to close (a Redis connection); the SQL database is the app's.
        close: async () => {
          await store?.close();
        },
      };
    },
  };
}
