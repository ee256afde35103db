import type { MetricSpec } from '../../core/module.ts';

/** What the remoteTokens module exports for the telemetry module to register (docs/metrics.md). */
export const REMOTE_TOKENS_METRICS: readonly MetricSpec[] = [
  {
    name: 'jwks_fetches_total',
    type: 'counter',
    help: "Fetches of the issuer's JWKS, by outcome (ok, timeout, error, too_large).",
    labels: ['outcome'],
  },
  {
    name: 'remote_token_verifications_total',
    type: 'counter',
    help: 'Bearer tokens from the remote issuer verified, by outcome (ok or the refusal reason).',
    labels: ['outcome'],
  },
];
