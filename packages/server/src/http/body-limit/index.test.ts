import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, listen, type RunningServer } from '../test-app.ts';
import { bodyLimit } from './index.ts';

interface ClientResult {
  status: number | undefined;
  body: string;
}

/** Sends `chunks` with node:http; without `contentLength` the request goes out chunked. */
function send(url: string, chunks: string[], contentLength?: number): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> =
      contentLength === undefined
        ? { 'transfer-encoding': 'chunked' }
        : { 'content-length': String(contentLength) };
    const req = http.request(url, { method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (data: string) => {
        body += data;
      });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    // The server may answer and close before the whole body is written; the response is what counts.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    let i = 0;
    const writeNext = () => {
      const chunk = chunks[i++];
      if (chunk === undefined) {
        req.end();
        return;
      }
      req.write(chunk);
      setImmediate(writeNext);
    };
    writeNext();
  });
}

describe('bodyLimit', () => {
  let server: RunningServer;
  let handlerCalls: number;
  let readErrors: unknown[];

  beforeEach(async () => {
    handlerCalls = 0;
    readErrors = [];
    const app = createTestApp();
    app.use(bodyLimit({ maxBytes: 1000 }));
    app.post('/', async (c) => {
      handlerCalls++;
      const text = await c.req.text();
      return c.json({ received: text.length });
    });
    // A handler that swallows the read failure must not turn the 413 into something else.
    app.post('/lenient', async (c) => {
      try {
        return c.json({ received: (await c.req.text()).length });
      } catch (error) {
        readErrors.push(error);
        return c.json({ code: 'MALFORMED' }, 400);
      }
    });
    server = await listen(app);
  });

  afterEach(async () => {
    await server.close();
  });

  it('refuses a declared Content-Length over the limit before the handler runs', async () => {
    const res = await send(`${server.url}/`, ['x'.repeat(1001)], 1001);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ code: 'LIFT_PAYLOAD_TOO_LARGE', status: 413 });
    expect(handlerCalls).toBe(0);
  });

  it('accepts a body of exactly the limit, declared or chunked', async () => {
    expect(await send(`${server.url}/`, ['x'.repeat(1000)], 1000)).toEqual({
      status: 200,
      body: '{"received":1000}',
    });
    const chunked = await send(
      `${server.url}/`,
      Array.from({ length: 10 }, () => 'x'.repeat(100)),
    );
    expect(chunked).toEqual({ status: 200, body: '{"received":1000}' });
  });

  it('refuses a chunked body once it passes the limit while streaming', async () => {
    const res = await send(
      `${server.url}/`,
      Array.from({ length: 30 }, () => 'x'.repeat(100)),
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ code: 'LIFT_PAYLOAD_TOO_LARGE', status: 413 });
  });

  it('answers 413 even when the handler catches the failed read', async () => {
    const res = await send(
      `${server.url}/lenient`,
      Array.from({ length: 30 }, () => 'x'.repeat(100)),
    );
    expect(res.status).toBe(413);
    expect(readErrors).toHaveLength(1);
  });

  it('answers a large chunked upload with 413 without reading it all', async () => {
    const megabyte = 'x'.repeat(64 * 1024);
    const res = await send(
      `${server.url}/`,
      Array.from({ length: 64 }, () => megabyte),
    );
    expect(res.status).toBe(413);
  });

  it('applies to app.request with a streamed body too', async () => {
    const app = createTestApp();
    app.use(bodyLimit({ maxBytes: 4 }));
    app.post('/', async (c) => c.text(await c.req.text()));
    const stream = (text: string) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(text));
          controller.close();
        },
      });
    const small = await app.request('/', { method: 'POST', body: stream('abcd'), duplex: 'half' });
    expect(await small.text()).toBe('abcd');
    const large = await app.request('/', { method: 'POST', body: stream('abcde'), duplex: 'half' });
    expect(large.status).toBe(413);
    const declared = await app.request('/', {
      method: 'POST',
      body: 'abcde',
      headers: { 'content-length': '5' },
    });
    expect(declared.status).toBe(413);
  });
});
