import { AsyncLocalStorage } from 'node:async_hooks';
import type * as OtelApi from '@opentelemetry/api';
import type * as OtelCore from '@opentelemetry/core';
import type * as OtelExporter from '@opentelemetry/exporter-trace-otlp-http';
import type * as OtelResources from '@opentelemetry/resources';
import type * as OtelSdk from '@opentelemetry/sdk-trace';
import type { Logger } from 'pino';
import { lazyRequire } from '../../core/lazy-require.ts';
import type {
  IncomingTraceContext,
  Span,
  SpanAttributes,
  SpanAttributeValue,
  SpanKind,
  Tracer,
} from '../../core/tracing.ts';

/**
 * The OpenTelemetry implementation of Lift's tracing port: a `TracerProvider` of `@opentelemetry/sdk-trace`
 * (the 2.x line, which runs on Node 20) with a batch processor exporting OTLP/HTTP JSON. Every package is
 * required here, on first construction, so an app without an exporter never loads OpenTelemetry.
 *
 * The active span lives in Lift's own AsyncLocalStorage rather than OpenTelemetry's global context manager,
 * and the provider is not registered globally, so two apps in one process (tests) keep their spans apart and
 * an app's own OpenTelemetry setup is left alone. The one global touched is OpenTelemetry's error handler, so
 * export failures reach Lift's log.
 */

const loadApi = lazyRequire<typeof OtelApi>('@opentelemetry/api');
const loadCore = lazyRequire<typeof OtelCore>('@opentelemetry/core');
const loadSdk = lazyRequire<typeof OtelSdk>('@opentelemetry/sdk-trace');
const loadResources = lazyRequire<typeof OtelResources>('@opentelemetry/resources');
const loadExporter = lazyRequire<typeof OtelExporter>('@opentelemetry/exporter-trace-otlp-http');

export interface OtelTracerOptions {
  endpoint: string;
  serviceName: string;
  sampleRatio: number;
  log: Logger;
}

class OtelSpan implements Span {
  readonly traceId: string;
  readonly spanId: string;
  readonly #api: typeof OtelApi;

  constructor(
    readonly inner: OtelApi.Span,
    api: typeof OtelApi,
  ) {
    const context = inner.spanContext();
    this.traceId = context.traceId;
    this.spanId = context.spanId;
    this.#api = api;
  }

  setAttribute(key: string, value: SpanAttributeValue): void {
    this.inner.setAttribute(key, value);
  }

  setStatus(status: 'ok' | 'error', message?: string): void {
    const code = status === 'ok' ? this.#api.SpanStatusCode.OK : this.#api.SpanStatusCode.ERROR;
    this.inner.setStatus(message === undefined ? { code } : { code, message });
  }

  recordError(error: unknown): void {
    const exception = error instanceof Error ? error : String(error);
    this.inner.recordException(exception);
    this.setStatus('error', error instanceof Error ? error.name : undefined);
  }

  end(): void {
    this.inner.end();
  }

  traceparent(): string {
    const { traceId, spanId, traceFlags } = this.inner.spanContext();
    return `00-${traceId}-${spanId}-${(traceFlags & 1) === 1 ? '01' : '00'}`;
  }
}

function definedAttributes(attributes: SpanAttributes | undefined): OtelApi.Attributes | undefined {
  if (attributes === undefined) return undefined;
  const out: OtelApi.Attributes = {};
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export class OtelTracer implements Tracer {
  readonly enabled = true;
  readonly #api = loadApi();
  readonly #active = new AsyncLocalStorage<Span>();
  readonly #provider: OtelSdk.TracerProvider;
  readonly #tracer: OtelApi.Tracer;
  readonly #propagator: OtelCore.W3CTraceContextPropagator;
  readonly #kinds: Record<SpanKind, OtelApi.SpanKind>;

  constructor(options: OtelTracerOptions) {
    const sdk = loadSdk();
    const core = loadCore();
    // Export failures (collector down) reach OpenTelemetry's global error handler; they belong in Lift's log.
    core.setGlobalErrorHandler((error) => options.log.warn({ err: error }, 'span export failed'));
    const exporter = new (loadExporter().OTLPTraceExporter)({ url: options.endpoint });
    this.#provider = new sdk.TracerProvider({
      resource: loadResources().resourceFromAttributes({ 'service.name': options.serviceName }),
      sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(options.sampleRatio) }),
      spanProcessors: [new sdk.BatchSpanProcessor({ exporter })],
    });
    this.#tracer = this.#provider.getTracer('lift');
    this.#propagator = new core.W3CTraceContextPropagator();
    const kind = this.#api.SpanKind;
    this.#kinds = { internal: kind.INTERNAL, server: kind.SERVER, client: kind.CLIENT };
  }

  startSpan(
    name: string,
    attributes?: SpanAttributes,
    parent?: Span | IncomingTraceContext | null,
    kind: SpanKind = 'internal',
  ): Span {
    const api = this.#api;
    const from = parent === undefined ? this.#active.getStore() : parent;
    let context = api.ROOT_CONTEXT;
    if (from instanceof OtelSpan) context = api.trace.setSpan(context, from.inner);
    else if (from !== null && from !== undefined && typeof from.traceparent === 'string') {
      // An invalid header extracts to the root context: the request starts a trace of its own.
      context = this.#propagator.extract(context, from, api.defaultTextMapGetter);
    }
    const options = { kind: this.#kinds[kind], attributes: definedAttributes(attributes) };
    return new OtelSpan(this.#tracer.startSpan(name, options, context), api);
  }

  active(): Span | undefined {
    return this.#active.getStore();
  }

  withSpan<A, R>(span: Span, run: (argument: A) => R, argument: A): R {
    return this.#active.run(span, run, argument);
  }

  /** Exports every span still buffered, then stops the processor. */
  close(): Promise<void> {
    return this.#provider.shutdown();
  }
}
