import { z } from 'zod';

/**
 * What the health endpoints answer (`ReadinessReport`, health.ts), as zod schemas: the OpenAPI document
 * describes them, and outside production every answer is checked against them (core/response-check.ts).
 */

export const liveBody = z.object({ status: z.literal('live') });

export const readinessBody = z.object({
  status: z.enum(['ready', 'unavailable']),
  components: z.record(
    z.string(),
    z.object({ status: z.enum(['up', 'down']), latency_ms: z.number(), error: z.string().optional() }),
  ),
  /** The components that did not answer; the status is 503 when any did not. */
  failing: z.array(z.string()),
});

/** Readiness and the app's counters (errors, store failures, events), as the app keeps them. */
export const healthBody = readinessBody.extend({ stats: z.record(z.string(), z.json()) });
