import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { call, quiet } from '../../test/support/app-request.ts';
import { createLift } from '../app/create-lift.ts';
import { LiftConfigError } from './errors.ts';
import { fetchHandler, nodeHandler } from './handler.ts';

const get = call;

describe('handler forms', () => {
  it('1. (ctx) => value: a value is 200 JSON, undefined is 204, a Response passes through', async () => {
    const app = createLift(quiet);
    app.get('/value', (ctx) => ({ path: ctx.path }));
    app.get('/empty', () => undefined);
    app.get('/created', (ctx) => {
      ctx.response.status = 201;
      ctx.response.headers.set('location', '/x');
      return { ok: true };
    });
    app.get('/raw', () => new Response('raw', { status: 202 }));
    app.get('/cookies', (ctx) => {
      ctx.response.headers.append('set-cookie', 'a=1; Path=/');
      ctx.response.headers.append('set-cookie', 'b=2; Path=/');
      return undefined;
    });

    const value = await get(app, '/value');
    expect(value.status).toBe(200);
    expect(value.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await value.json()).toEqual({ path: '/value' });
    const empty = await get(app, '/empty');
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
    const created = await get(app, '/created');
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/x');
    const raw = await get(app, '/raw');
    expect(raw.status).toBe(202);
    expect(await raw.text()).toBe('raw');
    const cookies = await get(app, '/cookies');
    expect(cookies.status).toBe(204);
    expect(cookies.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
  });

  it('2. typed: valid input reaches the handler parsed; invalid input is a 400 listing each field', async () => {
    const app = createLift(quiet);
    app.post('/items/:id', {
      input: {
        params: z.object({ id: z.coerce.number().int() }),
        query: z.object({ dry: z.enum(['yes', 'no']).default('no') }),
        body: z.object({ name: z.string().min(2), count: z.number().int().positive() }),
      },
      handler: (_ctx, input) => ({ id: input.params.id, dry: input.query.dry, name: input.body.name }),
    });

    const ok = await get(app, '/items/7?dry=yes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ab', count: 1 }),
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ id: 7, dry: 'yes', name: 'ab' });

    const bad = await get(app, '/items/x?dry=maybe', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'a', count: -1 }),
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await bad.json()) as { code: string; errors: Array<{ location: string; path: string }> };
    expect(problem.code).toBe('LIFT_VALIDATION_FAILED');
    const fields = problem.errors.map((issue) => `${issue.location}:${issue.path}`).sort();
    expect(fields).toEqual(['body:count', 'body:name', 'params:id', 'query:dry']);
  });

  it('2. typed: a form body is validated too', async () => {
    const app = createLift(quiet);
    app.post('/form', { input: { body: z.object({ a: z.string() }) }, handler: (_ctx, input) => input.body });
    const response = await get(app, '/form', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expect(await response.json()).toEqual({ a: '1' });
  });

  it('3. fetch style: (request) => Response, wrapped or as any { fetch } object', async () => {
    const app = createLift(quiet);
    app.get(
      '/fetch',
      fetchHandler((request) => new Response(`method=${request.method}`)),
    );
    app.all('/mounted', {
      fetch: (request: Request) => Response.json({ url: new URL(request.url).pathname }),
    });
    expect(await (await get(app, '/fetch')).text()).toBe('method=GET');
    expect(await (await get(app, '/mounted', { method: 'DELETE' })).json()).toEqual({ url: '/mounted' });
  });

  it('4. Node style (req, res) works on a real server', async () => {
    const app = createLift({ ...quiet, env: 'test', storage: { url: 'sqlite::memory:', kv: 'memory:' } });
    app.get('/node', (req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`node ${req.method}`);
    });
    app.get(
      '/marked',
      nodeHandler((_req, res) => {
        res.statusCode = 201;
        res.end('marked');
      }),
    );
    const address = await app.listen({ port: 0 });
    try {
      const response = await fetch(`${address.url}/node`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('node GET');
      expect(response.headers.get('x-request-id')).toBeTruthy();
      const marked = await fetch(`${address.url}/marked`);
      expect(marked.status).toBe(201);
    } finally {
      await app.close();
    }
  });

  it('5. an object with handle(ctx)', async () => {
    class Greeter {
      constructor(private readonly greeting: string) {}
      handle() {
        return { greeting: this.greeting };
      }
    }
    const app = createLift(quiet);
    app.get('/greet', new Greeter('hi'));
    expect(await (await get(app, '/greet')).json()).toEqual({ greeting: 'hi' });
  });
});

describe('unsupported handler forms fail at registration', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['a string', 'hello', /is string/],
    ['null', null, /is null/],
    ['a number', 42, /is number/],
    [
      'a three-parameter function',
      (_a: unknown, _b: unknown, _c: unknown) => undefined,
      /takes 3 parameters/,
    ],
    ['an object without a known function', { run: () => 1 }, /no handler, fetch or handle/],
    ['typed without handler', { input: {} }, /needs a handler/],
    [
      'typed with a non-zod schema',
      { input: { body: { parse: 1 } }, handler: () => 1 },
      /input.body is not a zod schema/,
    ],
    [
      'typed with an unknown input key',
      { input: { cookies: z.string() }, handler: () => 1 },
      /input.cookies/,
    ],
  ];
  for (const [name, handler, message] of cases) {
    it(`refuses ${name}, naming method and path`, () => {
      const app = createLift(quiet);
      let thrown: unknown;
      try {
        app.post('/broken/:id', handler as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(LiftConfigError);
      expect((thrown as Error).message).toMatch(/^POST \/broken\/:id: /);
      expect((thrown as Error).message).toMatch(message);
    });
  }

  it('refuses a Node-style handler on an app built for the fetch runtime', () => {
    const app = createLift(quiet, { runtime: 'fetch' });
    expect(() => app.get('/node', (_req: IncomingMessage, res: ServerResponse) => res.end())).toThrow(
      /GET \/node: a Node-style \(req, res\) handler needs the Node runtime, not fetch/,
    );
  });
});
