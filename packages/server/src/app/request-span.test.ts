import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { RecordingTracer } from '../../test/support/recording-tracer.ts';
import { parseConfig } from '../core/config/index.ts';
import { noopTracer } from '../core/tracing.ts';
import { requestSpans } from './request-span.ts';

/**
 * Whose `traceparent` the request span continues, for each `tracing.trustTraceparent`, and what the span says.
 * The peer address comes from `app.fetch(request, { remoteAddress })`, as the client-IP stage reads it.
 */

const INCOMING_TRACE = '0af7651916cd43dd8448eb211c80319c';
const TRACEPARENT = `00-${INCOMING_TRACE}-b7ad6b7169203331-01`;

async function traceOf(trust: 'never' | 'trusted-proxies' | 'always', peer: string) {
  const config = parseConfig(
    {
      env: 'test',
      tracing: { trustTraceparent: trust },
      http: { clientIp: { trustedProxies: ['10.0.0.0/8'] } },
    },
    [],
  );
  const tracer = new RecordingTracer();
  const spans = requestSpans(config, tracer)!;
  const hono = new Hono();
  hono.get('/notes/:id', (c) => {
    spans.start(c, { method: 'GET', path: '/notes/:id' });
    c.res = c.json({}, 404);
    spans.end(c);
    return c.res;
  });
  const request = new Request('http://lift.test/notes/42?secret=1', {
    headers: { traceparent: TRACEPARENT },
  });
  await hono.fetch(request, { remoteAddress: peer });
  expect(tracer.ended).toHaveLength(1);
  return tracer.ended[0]!;
}

describe('request span', () => {
  it('continues the traceparent of a trusted proxy and ignores everyone else’s', async () => {
    expect((await traceOf('trusted-proxies', '10.1.2.3')).traceId).toBe(INCOMING_TRACE);
    expect((await traceOf('trusted-proxies', '203.0.113.9')).traceId).not.toBe(INCOMING_TRACE);
    expect((await traceOf('always', '203.0.113.9')).traceId).toBe(INCOMING_TRACE);
    expect((await traceOf('never', '10.1.2.3')).traceId).not.toBe(INCOMING_TRACE);
  });

  it('is named after the route template and never records the query string', async () => {
    const span = await traceOf('never', '10.1.2.3');
    expect(span.name).toBe('GET /notes/:id');
    expect(span.parentSpanId).toBeUndefined();
    expect(span.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/notes/:id',
      'url.path': '/notes/42',
      'http.response.status_code': 404,
    });
    expect(JSON.stringify(span.attributes)).not.toContain('secret');
    // A 4xx is the client's: the server span is not failed.
    expect(span.status).toBe('unset');
  });

  it('is not made at all with tracing off', () => {
    expect(requestSpans(parseConfig({ env: 'test' }, []), noopTracer)).toBeUndefined();
  });
});
