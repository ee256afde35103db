import type { LocalEventHandler } from '../core/events.ts';
import type { CounterSeries, MetricSpec, ModuleMetrics } from '../core/metrics.ts';

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

/** What the tokens module records: issuance and verification where they happen, reuse from its events. */
export interface TokenMetrics {
  /** One access token signed. */
  readonly accessIssued: CounterSeries;
  /** One bearer token verified (`outcome="ok"`): held by the resolver, one addition per request. */
  readonly verified: CounterSeries;
  /** One bearer token refused, by reason (the `token.rejected` reason). */
  refused(reason: string): void;
  /** Counts refresh tokens issued and reuse detected, from the module's events. */
  readonly onEvent: LocalEventHandler;
}

export function tokenMetrics(metrics: ModuleMetrics): TokenMetrics {
  const issued = metrics.counter('tokens_issued_total');
  const verifications = metrics.counter('token_verifications_total');
  const reuse = metrics.counter('token_reuse_detected_total');
  const refreshIssued = issued.series({ type: 'refresh' });
  return {
    accessIssued: issued.series({ type: 'access' }),
    verified: verifications.series({ outcome: 'ok' }),
    refused: (reason) => verifications.add({ outcome: reason }),
    onEvent(event) {
      if (event.type === 'token.issued') refreshIssued.inc();
      else if (event.type === 'token.refreshed') {
        if ((event.data as { replayed?: boolean } | undefined)?.replayed !== true) refreshIssued.inc();
      } else if (event.type === 'token.reuse_detected') reuse.inc();
    },
  };
}
