import type { LiftModule } from '../core/module.ts';
import type { Middleware } from '../core/routes.ts';
import { limitsConfig } from './config.ts';
import { LIMITS_ERRORS } from './error-codes.ts';
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
}

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
      return {
        face: {
          rateLimit: (options) => limiter.middleware(options),
          limiter: (policy) => limiter.limiter(policy),
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
