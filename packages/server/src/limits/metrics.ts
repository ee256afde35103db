import type { MetricSpec } from '../core/metrics.ts';

/** What the limits module exports (docs/metrics.md). `policy` is a policy's name: set in code, so bounded. */
export const LIMITS_METRICS: readonly MetricSpec[] = [
  {
    name: 'rate_limit_decisions_total',
    type: 'counter',
    help: 'Rate-limit decisions, by policy and outcome (allowed, limited, failed_open, failed_closed).',
    labels: ['policy', 'outcome'],
  },
  {
    name: 'rate_limit_store_errors_total',
    type: 'counter',
    help: 'Rate-limit decisions the store could not make, by policy.',
    labels: ['policy'],
  },
  {
    name: 'idempotency_requests_total',
    type: 'counter',
    help: 'Requests with an Idempotency-Key, by outcome (stored, replayed, in_progress, mismatch, released).',
    labels: ['outcome'],
  },
];
