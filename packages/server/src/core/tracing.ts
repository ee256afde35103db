/**
 * Lift's tracing port: what core and the modules call to make spans, without knowing OpenTelemetry. The
 * OpenTelemetry implementation (telemetry/tracing/) is loaded only when an exporter is configured; otherwise
 * every caller gets `noopTracer`, whose `enabled` is false so hot paths skip the span work entirely (a request
 * with tracing off must cost what it cost before tracing existed).
 *
 * Parents are explicit or ambient: `startSpan(name, attributes, parent)` uses `parent` when given, else the span
 * made active by `withSpan` in this async context (the request span, so a store call deep in a module becomes
 * its child without the span being passed down through every port).
 */

export type SpanAttributeValue = string | number | boolean;
export type SpanAttributes = Readonly<Record<string, SpanAttributeValue | undefined>>;
/** `server` for the request span, `client` for calls Lift makes to other services, `internal` for the rest. */
export type SpanKind = 'internal' | 'server' | 'client';

export interface Span {
  /** 32 lower-case hex digits; empty for the no-op span. */
  readonly traceId: string;
  /** 16 lower-case hex digits; empty for the no-op span. */
  readonly spanId: string;
  setAttribute(key: string, value: SpanAttributeValue): void;
  setStatus(status: 'ok' | 'error', message?: string): void;
  /** Records the error as an exception event and marks the span failed. */
  recordError(error: unknown): void;
  end(): void;
  /** The W3C `traceparent` naming this span as the parent, for outgoing requests; empty for the no-op span. */
  traceparent(): string;
}

/** A trace context received from outside (a W3C `traceparent`, maybe a `tracestate`). */
export interface IncomingTraceContext {
  traceparent: string;
  tracestate?: string;
}

export interface Tracer {
  /** False for the no-op tracer: callers on hot paths check it before building names or attributes. */
  readonly enabled: boolean;
  /**
   * A span under `parent`; without one, under the active span or else in a new trace; `null` always starts a
   * new trace. Undefined attributes are left out.
   */
  startSpan(
    name: string,
    attributes?: SpanAttributes,
    parent?: Span | IncomingTraceContext | null,
    kind?: SpanKind,
  ): Span;
  /** The span `withSpan` made active in this async context, if any. */
  active(): Span | undefined;
  /** Runs `run(argument)` with `span` active for everything it awaits. */
  withSpan<A, R>(span: Span, run: (argument: A) => R, argument: A): R;
  /** Exports what is buffered and stops; called by `app.close()`. */
  close(): Promise<void>;
}

const noopSpan: Span = {
  traceId: '',
  spanId: '',
  setAttribute() {},
  setStatus() {},
  recordError() {},
  end() {},
  traceparent: () => '',
};

/** The tracer of an app without an exporter: shared, stateless, costs a property read. */
export const noopTracer: Tracer = {
  enabled: false,
  startSpan: () => noopSpan,
  active: () => undefined,
  withSpan: (_span, run, argument) => run(argument),
  close: () => Promise.resolve(),
};

/**
 * Runs `run()` in a span — a child of the active one, or of `parent` when given (`null`: a new trace) — ended
 * when it settles (an error is recorded and rethrown). With tracing off it is `run()` itself. Synchronous
 * results stay synchronous.
 */
export function traced<R>(
  tracer: Tracer,
  name: string,
  attributes: SpanAttributes,
  run: () => R,
  parent?: Span | null,
): R {
  if (!tracer.enabled) return run();
  const span = tracer.startSpan(name, attributes, parent);
  let result: R;
  try {
    result = tracer.withSpan(span, run, undefined);
  } catch (error) {
    span.recordError(error);
    span.end();
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        span.recordError(error);
        span.end();
        throw error;
      },
    ) as R;
  }
  span.end();
  return result;
}
