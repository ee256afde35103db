import type { IncomingMessage } from 'node:http';
import type { Context as HonoContext } from 'hono';

/**
 * Reads one request header. On the Node server it reads Node's own parsed header object: asking the Web
 * `Request` for a header makes @hono/node-server build a full undici `Headers` from the raw headers first,
 * which costs more than the rest of a small request's pipeline. Elsewhere (`app.fetch`) it asks the Request.
 * `name` must be lower case. Repeated headers come back joined with ", " as in the Fetch API.
 */
export function requestHeader(c: HonoContext, name: string): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming === undefined) return c.req.header(name);
  const value = incoming.headers[name];
  if (value === undefined || typeof value === 'string') return value;
  return value.join(', ');
}
