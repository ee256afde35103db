import type { MetricSpec } from '../core/module.ts';

/** What the sessions module exports for the telemetry module to register (docs/metrics.md). */
export const SESSIONS_METRICS: readonly MetricSpec[] = [
  { name: 'sessions_active', type: 'gauge', help: 'Sessions not yet expired or revoked, in the store.' },
  { name: 'sessions_created_total', type: 'counter', help: 'Sessions created (logins, rotations).' },
  {
    name: 'sessions_revoked_total',
    type: 'counter',
    help: 'Sessions ended before their expiry, by why (logout, password change, admin, cap).',
    labels: ['reason'],
  },
];
