import type { Context as HonoContext } from 'hono';
import type { Logger } from 'pino';
import type { Authenticator } from './authenticate.ts';
import type { Span } from './tracing.ts';

/**
 * Lift's internal per-request state, kept in one object under one context variable. Each `c.set()` adds an
 * entry to the Hono context's Map (which grows, and is garbage, per request); with dozens of requests in flight
 * that showed up as GC time, so internal bookkeeping lives here and only values meant for middleware
 * (`requestId`, `clientIp`, `deadline`, `principal`, `log`) are context variables.
 */
export class RequestScope {
  /** The logger the request log derives from (request id stage). */
  logBase: Logger | undefined;
  /** Response headers pending for whoever builds the response (lower-case names). */
  headers: Record<string, string> | undefined;
  /** The response that already carries the pending headers. */
  complete: Response | undefined;
  /** The plain header record `complete` was built with, read without turning it into `Headers`. */
  completeHeaders: Record<string, string> | undefined;
  /** The response last given to `c.res` through `setResponse` (assigning the same one again is skipped). */
  assigned: Response | undefined;
  /** The request's span when tracing is on (app/request-span.ts); store and module spans become its children. */
  span: Span | undefined;
  /** The request span's trace id, for the access log line and problem bodies; undefined with tracing off. */
  traceId: string | undefined;
  /** When the access log started timing the request. */
  startedAt: number | undefined;
  /** The matched route's path template (`/notes/:id`), set by the pipeline; undefined for 404/405/OPTIONS. */
  routeTemplate: string | undefined;
  /**
   * The status the client really got when it is not the response's: 101 for an upgrade the realtime gateway
   * took over (a `Response` cannot carry 101). The access log and the HTTP metrics report this one.
   */
  sentStatus: number | undefined;
  /** The tenant an access guard decided the request in (access/guards.ts); undefined for global decisions. */
  tenantId: string | undefined;
  /** The handler-facing context (core/context.ts), made once. */
  context: unknown;
  /** Set when a streamed body passed the body limit. */
  bodyTooLarge = false;
  /** Deepest nesting a JSON body may have (body limit stage, `http.bodyLimit.maxDepth`). */
  maxJsonDepth: number | undefined;
  /** The app's authentication resolver chain (core/authenticate.ts). */
  authenticator: Authenticator | undefined;
  /** Set once the chain ran, so two guards on one route resolve once. */
  authenticated = false;
  /** The session behind the principal when the session cookie authenticated the request (sessions/). */
  session: unknown;
  /** Set by `allowQueryToken()`: this route accepts `?access_token=` (the realtime gateway). */
  queryTokenAllowed = false;
}

declare module 'hono' {
  interface ContextVariableMap {
    liftScope: RequestScope;
  }
}

export function requestScope(c: HonoContext): RequestScope {
  let scope = c.get('liftScope');
  if (scope === undefined) {
    scope = new RequestScope();
    c.set('liftScope', scope);
  }
  return scope;
}

/**
 * `c.res = response`, unless `response` is already there. Hono's setter merges the old response's headers into
 * a copy of the new one whenever a response was set before — even the same object — which turns
 * @hono/node-server's plain header record into undici `Headers` and costs most of a small request. Routes
 * with group middleware set `c.res` inside the chain and hand the same response to the pipeline; this keeps
 * the pipeline from setting it twice.
 */
export function setResponse(c: HonoContext, response: Response): void {
  const scope = requestScope(c);
  if (scope.assigned === response) return;
  scope.assigned = response;
  c.res = response;
}
