import type { MiddlewareHandler } from 'hono';
import { LiftError } from '../../core/errors.ts';
import { type PipelineStage, stageMiddleware } from '../../core/stage.ts';
import type { LoadSignal } from './load-monitor.ts';

export { LoadMonitor, type LoadMonitorOptions, type LoadSample, type LoadSignal } from './load-monitor.ts';

export interface LoadSheddingOptions {
  /** The overload decision, kept current off the request path (`LoadMonitor`). */
  signal: LoadSignal;
  /** `Retry-After` of the 503 (config `http.loadShedding.retryAfterSeconds`). Default 5. */
  retryAfterSeconds?: number;
  /**
   * Path prefixes always served, so probes and scrapes see the truth while the rest is shed (config
   * `http.loadShedding.exemptPaths`). A prefix matches itself and what lies under it (`/health` matches
   * `/health/live`, not `/healthz`). Default `['/health', '/metrics']`.
   */
  exemptPaths?: readonly string[];
  /** Counts every request shed (the `load_shed_total` metric). */
  counter?: { inc(): void };
}

/** 503 while the process is overloaded; the client retries after `Retry-After`. */
export class OverloadedError extends LiftError {
  constructor(retryAfterSeconds: number) {
    super('LIFT_OVERLOADED', 503, 'Overloaded', {
      detail: 'The server is overloaded; retry later.',
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}

function exemptMatcher(prefixes: readonly string[]): (path: string) => boolean {
  const bare = prefixes.map((prefix) => prefix.replace(/\/+$/, ''));
  return (path) => bare.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

export function loadSheddingStage(options: LoadSheddingOptions): PipelineStage {
  const { signal, counter } = options;
  const retryAfterSeconds = options.retryAfterSeconds ?? 5;
  const exempt = exemptMatcher(options.exemptPaths ?? ['/health', '/metrics']);
  return {
    before(c) {
      // The hot path reads one boolean; the exemption is only looked at while shedding.
      if (!signal.overloaded || exempt(c.req.path)) return undefined;
      counter?.inc();
      throw new OverloadedError(retryAfterSeconds);
    },
  };
}

export function loadShedding(options: LoadSheddingOptions): MiddlewareHandler {
  return stageMiddleware(loadSheddingStage(options));
}
