import type { LocalEventHandler } from '../core/events.ts';
import type { MetricSpec, ModuleMetrics } from '../core/metrics.ts';

/** What the sessions module exports for the telemetry module to register (docs/metrics.md). */
export const SESSIONS_METRICS: readonly MetricSpec[] = [
  {
    name: 'sessions_active',
    type: 'gauge',
    help: 'Sessions not yet expired or revoked, in the store.',
    aggregate: 'max',
  },
  { name: 'sessions_created_total', type: 'counter', help: 'Sessions created (logins, rotations).' },
  {
    name: 'sessions_revoked_total',
    type: 'counter',
    help: 'Sessions ended before their expiry, by why (logout, password change, admin, cap).',
    labels: ['reason'],
  },
];

/**
 * Records the sessions metrics: counters from the module's own events (a local handler, after the response),
 * `sessions_active` counted in the store when scraped.
 */
export function sessionsMetrics(
  metrics: ModuleMetrics,
  countActive: () => Promise<number>,
): LocalEventHandler {
  const created = metrics.counter('sessions_created_total');
  const revoked = metrics.counter('sessions_revoked_total');
  metrics.gauge('sessions_active').readOnScrape(countActive);
  return (event) => {
    if (event.type === 'session.created' || event.type === 'session.rotated') created.inc();
    else if (event.type === 'session.revoked') {
      const ids = (event.data as { sessionIds?: readonly string[] } | undefined)?.sessionIds ?? [];
      revoked.add({ reason: event.reason ?? 'unknown' }, ids.length);
    }
  };
}
