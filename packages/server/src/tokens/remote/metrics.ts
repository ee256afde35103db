import type { MetricSpec, ModuleMetrics } from '../../core/metrics.ts';

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

/** What the remoteTokens module records, where fetches and verifications happen. */
export interface RemoteTokenMetrics {
  /** One JWKS fetch, by outcome (`ok` or the failure reason). */
  fetched(outcome: string): void;
  /** One bearer token verified (`ok`) or refused (the reason). */
  verified(outcome: string): void;
}

export function remoteTokenMetrics(metrics: ModuleMetrics): RemoteTokenMetrics {
  const fetches = metrics.counter('jwks_fetches_total');
  const verifications = metrics.counter('remote_token_verifications_total');
  const ok = verifications.series({ outcome: 'ok' });
  return {
    fetched: (outcome) => fetches.add({ outcome }),
    verified: (outcome) => (outcome === 'ok' ? ok.inc() : verifications.add({ outcome })),
  };
}
