import type { MetricSpec } from '../core/module.ts';

/** What the identity module exports for the telemetry module to register (docs/metrics.md). */
export const IDENTITY_METRICS: readonly MetricSpec[] = [
  {
    name: 'auth_attempts_total',
    type: 'counter',
    help: 'Authentication attempts by method (password, totp, recovery_code, link), outcome and refusal reason.',
    labels: ['method', 'outcome', 'reason'],
  },
  {
    name: 'auth_latency_seconds',
    type: 'histogram',
    help: 'Time to decide an authentication attempt, by method.',
    labels: ['method'],
  },
  { name: 'lockouts_total', type: 'counter', help: 'Accounts locked after too many failed secrets.' },
];
