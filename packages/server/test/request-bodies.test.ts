import { createConnection } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { type CapturedLogger, captureLogger } from '../src/http/test-app.ts';
import { createTenant, expectProblem, signedIn } from './access/access-app.ts';
import { type AuthApp, startAuthApp } from './support/auth-app.ts';

/**
 * Request bodies of every content type the framework parses, sent broken in every way a client can break them,
 * to a typed app route and to unauthenticated built-in routes: each is a 4xx with a stable code, and none is
 * logged as a server error. Then the JSON depth limit, on the tenant settings that used to overflow the stack.
 */

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function start(config: Parameters<typeof startAuthApp>[0] = {}): Promise<{
  auth: AuthApp;
  log: CapturedLogger;
}> {
  const log = captureLogger();
  env = await startAuthApp(config, undefined, { logger: log.logger });
  // A typed route of the app's own, beside the built-in ones.
  env.app.post('/echo', {
    input: { body: z.object({ email: z.string(), password: z.string().optional() }) },
    handler: (_ctx, { body }) => body,
  });
  env.app.post('/anything', { input: { body: z.unknown() }, handler: (_ctx, { body }) => ({ body }) });
  return { auth: env, log };
}

const MALFORMED = 'LIFT_MALFORMED_BODY';
const INVALID = 'LIFT_VALIDATION_FAILED';

function bytes(...parts: Array<string | number[]>): Uint8Array {
  const chunks = parts.map((part) =>
    typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part),
  );
  return new Uint8Array(Buffer.concat(chunks));
}

const MULTIPART = 'multipart/form-data; boundary=lift-boundary';
const part = (name: string) => `--lift-boundary\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`;
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

interface BodyCase {
  name: string;
  type: string | undefined;
  body: Uint8Array;
  status: number;
  code: string;
}

const cases: BodyCase[] = [
  {
    name: 'multipart that is not multipart',
    type: MULTIPART,
    body: bytes('garbage'),
    status: 400,
    code: MALFORMED,
  },
  {
    name: 'multipart without a boundary',
    type: 'multipart/form-data',
    body: bytes(part('email'), 'ada@example.com\r\n--lift-boundary--\r\n'),
    status: 400,
    code: MALFORMED,
  },
  {
    name: 'multipart cut off inside a part',
    type: MULTIPART,
    body: bytes(part('email'), 'ada@exa'),
    status: 400,
    code: MALFORMED,
  },
  {
    name: 'multipart text part that is not UTF-8',
    type: MULTIPART,
    body: bytes(part('email'), [0x61, 0xff, 0x62], '\r\n--lift-boundary--\r\n'),
    status: 400,
    code: MALFORMED,
  },
  {
    name: 'urlencoded with a broken percent-escape',
    type: 'application/x-www-form-urlencoded',
    body: bytes('email=%zz'),
    status: 400,
    code: MALFORMED,
  },
  {
    name: 'urlencoded with an escape that is not UTF-8',
    type: 'application/x-www-form-urlencoded',
    body: bytes('email=%FF'),
    status: 400,
    code: MALFORMED,
  },
  {
    name: 'urlencoded bytes that are not UTF-8',
    type: 'application/x-www-form-urlencoded',
    body: bytes('email=', [0xff]),
    status: 400,
    code: MALFORMED,
  },
  {
    // A repeated form name is an array, which no string field accepts: the schema decides, not the parser.
    name: 'urlencoded naming a field twice',
    type: 'application/x-www-form-urlencoded',
    body: bytes('email=a%40example.com&email=b%40example.com&password=x'),
    status: 400,
    code: INVALID,
  },
  {
    name: 'JSON cut off',
    type: 'application/json',
    body: bytes('{"email":"ada@'),
    status: 400,
    code: MALFORMED,
  },
  { name: 'JSON that is empty', type: 'application/json', body: bytes(''), status: 400, code: MALFORMED },
  {
    name: 'JSON that is not UTF-8',
    type: 'application/json',
    body: bytes('{"email":"', [0xff], '"}'),
    status: 400,
    code: MALFORMED,
  },
  {
    name: 'JSON naming a member twice (once escaped)',
    type: 'application/json',
    body: bytes('{"email":"a@example.com","\\u0065mail":"b@example.com"}'),
    status: 400,
    code: MALFORMED,
  },
  {
    name: 'JSON 10,000 levels deep',
    type: 'application/json',
    body: bytes(nested(10_000)),
    status: 400,
    code: MALFORMED,
  },
  { name: 'text that is not UTF-8', type: 'text/plain', body: bytes([0xff]), status: 400, code: MALFORMED },
  {
    name: 'text in a charset nobody knows',
    type: 'text/plain; charset=x-lift-unknown',
    body: bytes('hello'),
    status: 415,
    code: 'LIFT_UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'text where an object is expected',
    type: 'text/plain',
    body: bytes('hello'),
    status: 400,
    code: INVALID,
  },
  {
    name: 'a content type no parser takes',
    type: 'application/xml',
    body: bytes('<a/>'),
    status: 400,
    code: INVALID,
  },
  { name: 'no content type and no body', type: undefined, body: bytes(''), status: 400, code: INVALID },
];

function send(auth: AuthApp, path: string, type: string | undefined, body: Uint8Array): Promise<Response> {
  const headers: Record<string, string> = { 'user-agent': 'body-test' };
  if (type !== undefined) headers['content-type'] = type;
  const request = new Request(`http://lift.test${path}`, { method: 'POST', headers, body });
  return Promise.resolve(auth.app.fetch(request, { remoteAddress: '198.51.100.20' }));
}

/** Log lines at error level or above: a client's mistake must never produce one. */
function serverErrors(log: CapturedLogger): Record<string, unknown>[] {
  return log.lines().filter((line) => line.level === 'error' || line.level === 'fatal');
}

describe('malformed request bodies', () => {
  it.each(['/echo', '/auth/login', '/auth/signup'])(
    'are a 4xx with a stable code on %s, for every content type, and never logged as errors',
    async (path) => {
      const { auth, log } = await start();
      for (const { name, type, body, status, code } of cases) {
        const response = await send(auth, path, type, body);
        const problem = (await response.json()) as { code?: string };
        expect({ name, status: response.status, code: problem.code }).toEqual({ name, status, code });
        expect(response.headers.get('content-type')).toBe('application/problem+json');
      }
      expect(serverErrors(log)).toEqual([]);
      expect(auth.app.stats.unexpectedErrors).toBe(0);
      const refused = log.lines().filter((line) => line.msg === 'request completed' && line.path === path);
      expect(refused).toHaveLength(cases.length);
      expect(new Set(refused.map((line) => line.level))).toEqual(new Set(['info']));
    },
  );

  it('still parses every content type when the body is well formed, and forms never nest', async () => {
    const { auth } = await start();
    const echo = async (type: string, body: Uint8Array) => {
      const response = await send(auth, '/echo', type, body);
      expect(response.status, await response.clone().text()).toBe(200);
      return response.json();
    };
    const ada = { email: 'ada@example.com', password: 'pw' };
    expect(await echo('application/json', bytes(JSON.stringify(ada)))).toEqual(ada);
    expect(
      await echo('application/x-www-form-urlencoded', bytes('email=ada%40example.com&password=pw')),
    ).toEqual(ada);
    const form = bytes(part('email'), 'ada@example.com\r\n', part('password'), 'pw\r\n--lift-boundary--\r\n');
    expect(await echo(MULTIPART, form)).toEqual(ada);

    const flat = await send(
      auth,
      '/anything',
      'application/x-www-form-urlencoded',
      bytes('a[b][c]=1&a.b.c=2'),
    );
    expect(await flat.json()).toEqual({ body: { 'a[b][c]': '1', 'a.b.c': '2' } });
    const parts = bytes(part('a[b][c]'), '1\r\n', part('a.b.c'), '2\r\n--lift-boundary--\r\n');
    expect(await (await send(auth, '/anything', MULTIPART, parts)).json()).toEqual({
      body: { 'a[b][c]': '1', 'a.b.c': '2' },
    });
  });

  it('logs no error when the client goes away in the middle of the body (real socket)', async () => {
    const { auth, log } = await start();
    let entered: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      entered = resolve;
    });
    auth.app
      .group('/upload', async (_c, next) => {
        entered();
        await next();
      })
      .post('/', { input: { body: z.unknown() }, handler: () => ({ uploaded: true }) });
    const address = await auth.app.listen({ port: 0 });
    const socket = createConnection({ host: '127.0.0.1', port: address.port });
    socket.write(
      'POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{"a":',
    );
    await reached;
    socket.destroy();
    await vi.waitFor(
      () =>
        expect(log.lines().some((line) => line.msg === 'request completed' && line.path === '/upload')).toBe(
          true,
        ),
      { timeout: 5_000 },
    );
    expect(serverErrors(log)).toEqual([]);
  });
});

describe('JSON depth', () => {
  it('refuses 10,000 levels of tenant settings with 400 before any schema runs', async () => {
    const { auth, log } = await start();
    const owner = await signedIn(auth, 'owner@example.com');
    const tenantId = await createTenant(owner, 'deep');
    const headers = {
      cookie: `${owner.browser.cookieName}=${owner.browser.cookie}`,
      'content-type': 'application/json',
      origin: 'http://lift.test',
    };
    const patch = await auth.app.fetch(
      new Request(`http://lift.test/tenants/${tenantId}`, {
        method: 'PATCH',
        headers,
        body: `{"settings":${nested(10_000)}}`,
      }),
      { remoteAddress: '198.51.100.21' },
    );
    const problem = await expectProblem(patch, 400, MALFORMED);
    expect(problem.detail).toBe('The JSON body nests objects and arrays deeper than 64 levels.');
    const create = await auth.app.fetch(
      new Request('http://lift.test/tenants', {
        method: 'POST',
        headers,
        body: `{"name":"Deep","slug":"deeper","settings":${nested(10_000)}}`,
      }),
      { remoteAddress: '198.51.100.21' },
    );
    await expectProblem(create, 400, MALFORMED);
    expect(serverErrors(log)).toEqual([]);
  });

  it('takes 64 levels by default and the limit from http.bodyLimit.maxDepth', async () => {
    const { auth } = await start();
    expect((await send(auth, '/anything', 'application/json', bytes(nested(64)))).status).toBe(200);
    await expectProblem(await send(auth, '/anything', 'application/json', bytes(nested(65))), 400, MALFORMED);
    // Arrays count as much as objects, and brackets inside strings do not count.
    const arrays = `${'['.repeat(64)}"[[[{{{"${']'.repeat(64)}`;
    expect((await send(auth, '/anything', 'application/json', bytes(arrays))).status).toBe(200);
    await env?.close();

    const strict = await start({ http: { bodyLimit: { maxDepth: 3 } } });
    expect((await send(strict.auth, '/anything', 'application/json', bytes(nested(3)))).status).toBe(200);
    const problem = await expectProblem(
      await send(strict.auth, '/anything', 'application/json', bytes(nested(4))),
      400,
      MALFORMED,
    );
    expect(problem.detail).toBe('The JSON body nests objects and arrays deeper than 3 levels.');
  });
});
