import { z } from 'zod';

/**
 * The `tracing` section: OpenTelemetry spans, exported over OTLP/HTTP when `exporter` is `otlp`
 * (telemetry/tracing/). Core reads it: the pipeline makes the request span and decides whether to continue an
 * incoming `traceparent`.
 */
export const tracingSchema = z
  .strictObject({
    exporter: z
      .enum(['none', 'otlp'])
      .default('none')
      .describe(
        'Where spans go: none (tracing off, OpenTelemetry is not even loaded) or otlp (OTLP over HTTP with JSON, to tracing.endpoint).',
      ),
    endpoint: z
      .url({ protocol: /^https?$/ })
      .default('http://127.0.0.1:4318/v1/traces')
      .describe('The OTLP/HTTP traces URL of the collector (an OpenTelemetry Collector, Jaeger, Tempo …).'),
    serviceName: z
      .string()
      .min(1)
      .default('lift')
      .describe('The service.name resource attribute every span carries.'),
    sampleRatio: z.coerce
      .number()
      .min(0)
      .max(1)
      .default(1)
      .describe(
        'Share of new traces recorded (0 to 1); a continued trace follows the sampled flag of its traceparent.',
      ),
    trustTraceparent: z
      .enum(['never', 'trusted-proxies', 'always'])
      .default('trusted-proxies')
      .describe(
        'Whose incoming traceparent header is continued: nobody, only peers listed in http.clientIp.trustedProxies, or anyone.',
      ),
  })
  .prefault({});
