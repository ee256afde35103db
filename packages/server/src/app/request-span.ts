import type { Context as HonoContext } from 'hono';
import type { LiftConfig } from '../core/config/schema.ts';
import { requestHeader } from '../core/request-headers.ts';
import { requestScope } from '../core/request-scope.ts';
import type { CompiledRoute } from '../core/routes.ts';
import type { IncomingTraceContext, Span, Tracer } from '../core/tracing.ts';
import { trustedPeer } from '../http/index.ts';

/**
 * The request span (OpenTelemetry HTTP server conventions): named `METHOD /route/template`, never the raw path,
 * so span names stay few; attributes `http.request.method`, `http.route`, `url.path` (no query string: it may
 * carry tokens), `http.response.status_code`, and `lift.request_id` to find the access log line. An incoming
 * `traceparent` is continued only when `tracing.trustTraceparent` allows its sender; otherwise a client could
 * graft requests onto someone else's trace or choose our trace ids. The response never carries a `traceparent`:
 * problem bodies carry the trace id instead.
 */
export interface RequestSpans {
  /** Starts the span and records it (and its trace id) on the request scope. */
  start(c: HonoContext, route: CompiledRoute | undefined): Span;
  /** Ends the request's span with the response's status. */
  end(c: HonoContext): void;
}

/** Undefined when tracing is off: the pipeline then does no span work at all. */
export function requestSpans(config: LiftConfig, tracer: Tracer): RequestSpans | undefined {
  if (!tracer.enabled) return undefined;
  const trust = config.tracing.trustTraceparent;
  const continues =
    trust === 'trusted-proxies' ? trustedPeer(config.http.clientIp.trustedProxies) : () => trust === 'always';
  const incoming = (c: HonoContext): IncomingTraceContext | undefined => {
    if (!continues(c)) return undefined;
    const traceparent = requestHeader(c, 'traceparent');
    if (traceparent === undefined) return undefined;
    const tracestate = requestHeader(c, 'tracestate');
    return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
  };
  return {
    start(c, route) {
      const method = c.req.method;
      const attributes = {
        'http.request.method': method,
        'http.route': route?.path,
        'url.path': c.req.path,
        'lift.request_id': c.get('requestId'),
      };
      // Without a matched route (404, 405, OPTIONS) the name is the method alone, as the conventions say.
      const name = route === undefined ? method : `${method} ${route.path}`;
      // An explicit root when nothing is continued: a request never becomes a child of whatever ran before it.
      const span = tracer.startSpan(name, attributes, incoming(c) ?? null, 'server');
      const scope = requestScope(c);
      scope.span = span;
      scope.traceId = span.traceId;
      return span;
    },
    end(c) {
      const span = requestScope(c).span;
      if (span === undefined) return;
      const status = c.res.status;
      span.setAttribute('http.response.status_code', status);
      // Server spans fail on 5xx only: a 4xx is the client's mistake, answered as designed.
      if (status >= 500) {
        if (c.error !== undefined) span.recordError(c.error);
        else span.setStatus('error');
      }
      span.end();
    },
  };
}
