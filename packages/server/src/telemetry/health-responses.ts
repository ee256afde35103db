import { z } from 'zod';

/**
 * What the health endpoints answer (`ReadinessReport`, health.ts), as zod schemas: the OpenAPI document
 * describes them, and outside production every answer is checked against them (core/response-check.ts).
 */

export const liveBody = z.object({ status: z.literal('live') });

export const readinessBody = z.object({
  /** ready and degraded answer 200; unavailable and draining 503. */
  status: z.enum(['ready', 'degraded', 'unavailable', 'draining']),
  components: z.record(
    z.string(),
    z.object({
      status: z.enum(['up', 'down']),
      latency_ms: z.number(),
      /** Whether its being down makes readiness 503. */
      critical: z.boolean(),
      error: z.string().optional(),
      /** What the check measured (free_bytes, lag_ms, p99_ms …). */
      observed: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
    }),
  ),
  /** The critical components that are down; the status is 503 when any is. */
  failing: z.array(z.string()),
  /** The non-critical components that are down (status degraded, still 200). */
  degraded: z.array(z.string()),
});

/** Readiness and the app's counters (errors, store failures, events), as the app keeps them. */
export const healthBody = readinessBody.extend({ stats: z.record(z.string(), z.json()) });
