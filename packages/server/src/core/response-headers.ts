import type { Context as HonoContext } from 'hono';
import { requestScope } from './request-scope.ts';

/**
 * Response headers the pipeline adds to every response (request id, security headers, CORS).
 *
 * Why not `c.header()`: after the handler it rebuilds the response from its body, and even in-place
 * `res.headers.set()` turns the fast plain-object header record @hono/node-server writes in one go into an
 * undici `Headers` — together most of a small request's cost. So middleware *pend* headers before the handler
 * runs, and whoever builds the response (`liftResponse`: handler results, problem+json, 404/405) puts them in one
 * plain object. Responses built elsewhere (a handler returning its own `Response`, plain Hono middleware) get
 * the pending headers in place by `finishResponseHeaders`, which each pending middleware calls after `next()`;
 * it is free for responses `liftResponse` built.
 */

/** Adds a header to this request's response, whoever builds it. A header the handler sets itself wins. */
export function pendResponseHeader(c: HonoContext, name: string, value: string): void {
  const scope = requestScope(c);
  scope.headers ??= {};
  scope.headers[name] = value;
}

/** Adds `Origin`-style tokens to a Vary value without duplicating them. */
function mergeVary(own: string, pending: string): string {
  const names = own.split(',').map((name) => name.trim().toLowerCase());
  if (names.includes('*')) return own;
  const missing = pending.split(',').filter((name) => !names.includes(name.trim().toLowerCase()));
  return missing.length === 0 ? own : `${own}, ${missing.join(', ')}`;
}

/**
 * Builds a response carrying the pending headers. `own` is the builder's headers: a plain record (the fast
 * path), or `Headers` when a name repeats (several Set-Cookie), which a record cannot express.
 */
export function liftResponse(
  c: HonoContext,
  body: string | null,
  status: number,
  own?: Record<string, string> | Headers,
): Response {
  const scope = requestScope(c);
  const pending = scope.headers;
  let headers: Record<string, string> | Headers | undefined = own;
  if (pending !== undefined) {
    if (own instanceof Headers) {
      for (const name in pending) {
        const existing = own.get(name);
        if (existing === null) own.set(name, pending[name]!);
        else if (name === 'vary') own.set(name, mergeVary(existing, pending[name]!));
      }
    } else {
      // One record per request; a second response for the same request (rare) gets a copy.
      const merged: Record<string, string> = scope.complete === undefined ? pending : { ...pending };
      if (own !== undefined) {
        for (const name in own) {
          const value = own[name]!;
          merged[name] =
            name === 'vary' && pending.vary !== undefined ? mergeVary(value, pending.vary) : value;
        }
      }
      headers = merged;
    }
  }
  const response = new Response(body, { status, headers });
  scope.complete = response;
  scope.completeHeaders = headers instanceof Headers ? undefined : headers;
  return response;
}

/**
 * A response header, read from the plain record when `liftResponse` built the response: reading
 * `c.res.headers` there would turn @hono/node-server's record into undici `Headers` and slow the write.
 */
export function responseHeader(c: HonoContext, name: string): string | undefined {
  const scope = requestScope(c);
  const record = scope.completeHeaders;
  if (record !== undefined && scope.complete === c.res) return record[name];
  return c.res.headers.get(name) ?? undefined;
}
/** Sets a header on the built response in place; immutable headers (`Response.redirect()`) fall back to Hono. */
export function setResponseHeader(c: HonoContext, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.header(name, value);
  }
}

/**
 * After the handler: gives a response not built by `liftResponse` the pending headers it lacks (a header the
 * handler set wins; Vary is merged). Idempotent and free for responses that already have them.
 */
export function finishResponseHeaders(c: HonoContext): void {
  const scope = requestScope(c);
  const pending = scope.headers;
  if (pending === undefined || scope.complete === c.res) return;
  const headers = c.res.headers;
  for (const name in pending) {
    const value = pending[name]!;
    const existing = headers.get(name);
    if (existing === null) setResponseHeader(c, name, value);
    else if (name === 'vary') setResponseHeader(c, name, mergeVary(existing, value));
  }
  scope.complete = c.res;
}
