import type { MetricSpec } from '../core/module.ts';

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
    help: 'Permission checks answered from the in-memory access snapshot (hit) or after loading it (miss).',
    labels: ['result'],
  },
  {
    name: 'access_check_duration_seconds',
    type: 'histogram',
    help: 'Time to decide one permission check.',
  },
];
