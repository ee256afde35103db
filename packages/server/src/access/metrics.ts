import type { LocalEventHandler } from '../core/events.ts';
import { type MetricSpec, type ModuleMetrics, secondsSince } from '../core/metrics.ts';

/** What the access module exports for the telemetry module to register (docs/metrics.md). */
export const ACCESS_METRICS: readonly MetricSpec[] = [
  {
    name: 'access_denied_total',
    type: 'counter',
    help: 'Requests refused by a permission, membership or role check, by the refusal code.',
    labels: ['code'],
  },
  {
    name: 'access_cache_lookups_total',
    type: 'counter',
    help: 'Permission checks answered from the loaded in-memory access replica (hit), or before its first load completed (miss, refused).',
    labels: ['result'],
  },
  {
    name: 'access_check_duration_seconds',
    type: 'histogram',
    help: 'Time to decide one permission check.',
  },
];

/** What the access module records: each check where it is decided, refusals from its events. */
export interface AccessMetrics {
  /** One check decided, `started` its `performance.now()`; `loaded`: the replica had its first load. */
  checked(started: number, loaded: boolean): void;
  /** Counts `access_denied_total` by the refusal's code. */
  readonly onEvent: LocalEventHandler;
}

export function accessMetrics(metrics: ModuleMetrics): AccessMetrics {
  const lookups = metrics.counter('access_cache_lookups_total');
  const hit = lookups.series({ result: 'hit' });
  const miss = lookups.series({ result: 'miss' });
  const duration = metrics.histogram('access_check_duration_seconds');
  const denied = metrics.counter('access_denied_total');
  return {
    checked(started, loaded) {
      (loaded ? hit : miss).inc();
      duration.observe(secondsSince(started));
    },
    onEvent(event) {
      if (event.type === 'access.denied') denied.add({ code: event.reason ?? 'unknown' });
    },
  };
}
