import type { Context as HonoContext } from 'hono';

/**
 * Sets a header on the response after the handler ran. Hono's `c.header()` at that point rebuilds the response
 * from its body, which pushes @hono/node-server off its fast path (a body stream instead of one write) and costs
 * most of a request's budget; mutating the headers in place keeps it. Responses with immutable headers
 * (`Response.redirect()`, `Response.error()`) fall back to Hono's rebuild.
 */
export function setResponseHeader(c: HonoContext, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.header(name, value);
  }
}
