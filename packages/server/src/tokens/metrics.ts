import type { MetricSpec } from '../core/module.ts';

/** What the tokens module exports for the telemetry module to register (docs/metrics.md). */
export const TOKENS_METRICS: readonly MetricSpec[] = [
  {
    name: 'tokens_issued_total',
    type: 'counter',
    help: 'Tokens issued, by type (access, refresh).',
    labels: ['type'],
  },
  {
    name: 'token_verifications_total',
    type: 'counter',
    help: 'Bearer token verifications, by outcome (ok or the refusal reason).',
    labels: ['outcome'],
  },
  {
    name: 'token_reuse_detected_total',
    type: 'counter',
    help: 'Rotated refresh tokens presented again (their family is revoked).',
  },
];
