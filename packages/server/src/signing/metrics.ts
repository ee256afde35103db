import type { MetricSpec } from '../core/metrics.ts';

/** What the signing module exports (docs/metrics.md). */
export const SIGNING_METRICS: readonly MetricSpec[] = [
  {
    name: 'signature_verifications_total',
    type: 'counter',
    help: 'Signed requests checked by requireSignature(), by outcome: verified, or the refusal reason.',
    labels: ['outcome'],
  },
];
