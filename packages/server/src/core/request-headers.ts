import type { IncomingMessage } from 'node:http';
import type { Context as HonoContext } from 'hono';

/**
 * Reads one request header. On the Node server it scans Node's raw header list: asking the Web `Request` makes
 * @hono/node-server build a full undici `Headers`, and Node's `incoming.headers` builds an object of every
 * header, each costing more than the lookups a request needs. Elsewhere (`app.fetch`) it asks the Request.
 * `name` must be lower case. A repeated header is answered by Node's own rules (joined with ", ", or the first
 * value for headers that may appear once).
 */
export function requestHeader(c: HonoContext, name: string): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming === undefined) return c.req.header(name);
  const raw = incoming.rawHeaders;
  let found: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!;
    if (key.length !== name.length || key.toLowerCase() !== name) continue;
    if (found !== undefined) return fromParsedHeaders(incoming, name);
    found = raw[i + 1];
  }
  return found;
}

function fromParsedHeaders(incoming: IncomingMessage, name: string): string | undefined {
  const value = incoming.headers[name];
  if (value === undefined || typeof value === 'string') return value;
  return value.join(', ');
}
