import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type {
  IncomingTraceContext,
  Span,
  SpanAttributes,
  SpanAttributeValue,
  Tracer,
} from '../../src/core/tracing.ts';

/**
 * An in-memory implementation of Lift's tracing port for tests of one component (the outbox relay, a guard):
 * it keeps every ended span with its parent, as the OpenTelemetry tracer would export it. End-to-end tests use
 * the real OpenTelemetry tracer and an OTLP receiver instead (test/telemetry/tracing.test.ts).
 */

export interface RecordedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, SpanAttributeValue>;
  status: 'unset' | 'ok' | 'error';
}

export class RecordingTracer implements Tracer {
  readonly enabled = true;
  readonly ended: RecordedSpan[] = [];
  readonly #active = new AsyncLocalStorage<Span>();

  startSpan(name: string, attributes?: SpanAttributes, parent?: Span | IncomingTraceContext | null): Span {
    const from = parent === undefined ? this.#active.getStore() : parent;
    const parentSpan = from !== null && from !== undefined && 'spanId' in from ? from : undefined;
    // A well-formed incoming traceparent is continued, as the W3C propagator does; anything else is ignored.
    const incoming =
      from !== null && from !== undefined && typeof from.traceparent === 'string'
        ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(from.traceparent)
        : null;
    const record: RecordedSpan = {
      name,
      traceId: parentSpan?.traceId ?? incoming?.[1] ?? randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      parentSpanId: parentSpan?.spanId ?? incoming?.[2],
      attributes: {},
      status: 'unset',
    };
    for (const [key, value] of Object.entries(attributes ?? {})) {
      if (value !== undefined) record.attributes[key] = value;
    }
    const ended = this.ended;
    return {
      traceId: record.traceId,
      spanId: record.spanId,
      setAttribute: (key, value) => {
        record.attributes[key] = value;
      },
      setStatus: (status) => {
        record.status = status;
      },
      recordError: () => {
        record.status = 'error';
      },
      end: () => {
        ended.push(record);
      },
      traceparent: () => `00-${record.traceId}-${record.spanId}-01`,
    };
  }

  active(): Span | undefined {
    return this.#active.getStore();
  }

  withSpan<A, R>(span: Span, run: (argument: A) => R, argument: A): R {
    return this.#active.run(span, run, argument);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
