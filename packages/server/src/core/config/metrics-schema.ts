import { z } from 'zod';

/** The `metrics` section (telemetry/metrics/): what is recorded, where it is served, who may read it. */
export const metricsSchema = z
  .strictObject({
    mode: z
      .enum(['prometheus', 'emf', 'off'])
      .default('prometheus')
      .describe(
        'prometheus: serve the Prometheus text format on `metrics.path`; emf: write CloudWatch Embedded Metric Format lines to stdout at the end of each request (serverless); off: record nothing.',
      ),
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9/_-]*$/, 'a path such as /metrics')
      .default('/metrics')
      .describe('Where the Prometheus scrape is served.'),
    port: z.coerce
      .number()
      .int()
      .min(0)
      .max(65_535)
      .optional()
      .describe(
        'A separate listener for the scrape, without authentication (keep it off the public network; 0 picks a free port). Unset: the scrape is served on the app port to a principal holding `metrics:read`.',
      ),
    host: z
      .string()
      .default('127.0.0.1')
      .describe('Interface of the separate metrics listener (`metrics.port`).'),
    namespace: z
      .string()
      .regex(/^[A-Za-z0-9._/#:-]{1,255}$/, 'a CloudWatch namespace such as Lift or MyApp/Api')
      .default('Lift')
      .describe('The CloudWatch namespace of the EMF lines (`metrics.mode: emf`).'),
    processMetrics: z
      .boolean()
      .default(true)
      .describe('Include the Node.js process metrics (CPU, memory, event-loop delay, GC, handles).'),
  })
  .prefault({});
