import type { MetricSpec } from '../core/metrics.ts';

/** What the signing module exports (docs/metrics.md). */
export const SIGNING_METRICS: readonly MetricSpec[] = [
  {
    name: 'signature_verifications_total',
    type: 'counter',
    help: 'Signed requests checked by requireSignature(), by outcome: verified, the refusal reason, or throttled (refused unverified: too many failures from the address).',
    labels: ['outcome'],
  },
];
