import type { Logger } from 'pino';
import type { LiftConfig } from '../../core/config/schema.ts';
import { noopTracer, type Tracer } from '../../core/tracing.ts';
import { OtelTracer } from './otel-tracer.ts';

/**
 * The app's tracer from the `tracing` section: the shared no-op tracer unless an exporter is configured, and
 * only then is OpenTelemetry loaded (otel-tracer.ts requires it on construction).
 */
export function createTracer(config: LiftConfig, log: Logger): Tracer {
  const tracing = config.tracing;
  if (tracing.exporter === 'none') return noopTracer;
  return new OtelTracer({
    endpoint: tracing.endpoint,
    serviceName: tracing.serviceName,
    sampleRatio: tracing.sampleRatio,
    log,
  });
}
