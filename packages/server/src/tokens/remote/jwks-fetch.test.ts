import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingTracer } from '../../../test/support/recording-tracer.ts';
import { publicJwk } from '../jws/index.ts';
import { fetchJwks, JwksFetchError } from './jwks-fetch.ts';

/** One JWKS fetch against a real local HTTP server: what is kept, what is left out, what fails and why. */

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
}

function json(body: unknown): Handler {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
}

const ed = (kid: string) => publicJwk(generateKeyPairSync('ed25519').privateKey, kid, 'EdDSA');
const options = (url: string) => ({
  url,
  timeoutMs: 500,
  maxBytes: 8192,
  algorithms: ['EdDSA', 'ES256'] as const,
});

async function failure(url: string): Promise<string> {
  const error = await fetchJwks(options(url)).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(JwksFetchError);
  return (error as JwksFetchError).reason;
}

describe('fetchJwks', () => {
  it('keeps the allow-listed public keys by kid and leaves out what this app would never accept', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const withPrivate = { ...ed('private'), d: 'AAAA' };
    const url = await serve(
      json({
        keys: [
          ed('a'),
          ed('twice'),
          ed('twice'),
          publicJwk(rsa, 'rsa', 'RS256'),
          withPrivate,
          { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA', kid: 'hmac', alg: 'HS256' },
          { ...ed('enc'), use: 'enc' },
          { ...ed('no-alg'), alg: undefined },
          'not a key',
        ],
      }),
    );
    const keys = await fetchJwks(options(url));
    expect([...keys.keys()]).toEqual(['a']);
    expect(keys.get('a')).toMatchObject({ kid: 'a', alg: 'EdDSA' });
  });

  it('fails with a reason: status, redirect, not JSON, no usable key, too large, timeout, network', async () => {
    expect(await failure(await serve((_q, r) => r.writeHead(503).end()))).toBe('status');
    const elsewhere = await serve(json({ keys: [ed('x')] }));
    expect(await failure(await serve((_q, r) => r.writeHead(302, { location: elsewhere }).end()))).toBe(
      'network',
    );
    expect(await failure(await serve((_q, r) => r.writeHead(200).end('<html>')))).toBe('bad_json');
    expect(await failure(await serve(json({ nothing: [] })))).toBe('bad_json');
    expect(await failure(await serve(json({ keys: [] })))).toBe('no_keys');
    const big = JSON.stringify({ keys: [ed('x')], padding: 'x'.repeat(10_000) });
    // Announced too large: refused before reading; sent in chunks without a length: refused while reading.
    expect(
      await failure(await serve((_q, r) => r.writeHead(200, { 'content-length': big.length }).end(big))),
    ).toBe('too_large');
    expect(
      await failure(
        await serve((_q, r) => {
          r.writeHead(200);
          r.write(big.slice(0, 5000));
          setTimeout(() => r.end(big.slice(5000)), 10);
        }),
      ),
    ).toBe('too_large');
    expect(await failure(await serve(() => {}))).toBe('timeout');
    const closed = await serve(json({}));
    servers[servers.length - 1]!.close();
    expect(await failure(closed)).toBe('network');
  });
});

describe('fetchJwks with tracing on', () => {
  it('is a client span under the active one and sends its traceparent', async () => {
    const seen: Array<string | undefined> = [];
    const url = await serve((request, response) => {
      seen.push(request.headers.traceparent as string | undefined);
      json({ keys: [ed('a')] })(request, response);
    });
    const tracer = new RecordingTracer();
    const request = tracer.startSpan('GET /notes', {}, null);
    await tracer.withSpan(request, () => fetchJwks({ ...options(url), tracer }), undefined);
    const [fetched] = tracer.ended;
    expect(fetched).toMatchObject({
      name: 'GET',
      traceId: request.traceId,
      parentSpanId: request.spanId,
      attributes: { 'http.request.method': 'GET', 'url.full': url, 'http.response.status_code': 200 },
    });
    expect(seen).toEqual([`00-${request.traceId}-${fetched!.spanId}-01`]);
  });

  it('sends no traceparent with tracing off', async () => {
    const seen: Array<string | undefined> = [];
    const url = await serve((request, response) => {
      seen.push(request.headers.traceparent as string | undefined);
      json({ keys: [ed('a')] })(request, response);
    });
    await fetchJwks(options(url));
    expect(seen).toEqual([undefined]);
  });
});
