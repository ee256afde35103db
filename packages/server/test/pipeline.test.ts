import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createLift } from '../src/app/create-lift.ts';
import { captureLogger } from '../src/http/test-app.ts';
import { call } from './support/app-request.ts';

/** The built-in pipeline as a user of createLift() sees it: defaults on, one request at a time. */

const memoryStorage = { url: 'sqlite::memory:', kv: 'memory:' };

describe('default pipeline', () => {
  it('sets security headers and a request id on every response, 404s included', async () => {
    const app = createLift({ log: { level: 'silent' } });
    app.get('/ok', () => ({ ok: true }));
    for (const path of ['/ok', '/missing']) {
      const response = await call(app, path);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('strict-transport-security')).toBeNull();
      expect(response.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    }
    const production = createLift({ env: 'production', log: { level: 'silent' } });
    production.get('/ok', () => ({ ok: true }));
    expect((await call(production, '/ok')).headers.get('strict-transport-security')).toMatch(
      /max-age=31536000/,
    );
  });

  it('answers 413 for a body over the limit', async () => {
    const app = createLift({ log: { level: 'silent' }, http: { bodyLimit: { maxBytes: 16 } } });
    app.post('/echo', async (ctx) => ({ text: await ctx.text() }));
    const small = await call(app, '/echo', { method: 'POST', body: 'tiny' });
    expect(small.status).toBe(200);
    const large = await call(app, '/echo', { method: 'POST', body: 'x'.repeat(17) });
    expect(large.status).toBe(413);
    expect(large.headers.get('content-type')).toBe('application/problem+json');
    expect(await large.json()).toMatchObject({ code: 'LIFT_PAYLOAD_TOO_LARGE', status: 413 });
  });

  it('answers 504 past the deadline and aborts the handler signal', async () => {
    const app = createLift({ log: { level: 'silent' }, http: { timeout: { ms: 50 } } });
    let sawAbort: Promise<boolean> | undefined;
    app.get('/slow', (ctx) => {
      sawAbort = new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(true)));
      return new Promise((resolve) => setTimeout(() => resolve({ late: true }), 2_000));
    });
    const started = Date.now();
    const response = await call(app, '/slow');
    expect(response.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await response.json()).toMatchObject({ code: 'LIFT_TIMEOUT', status: 504 });
    expect(await sawAbort).toBe(true);
  });

  it('ignores X-Forwarded-For without a trusted proxy and uses it with one (real sockets)', async () => {
    const seen = async (trustedProxies: string[]) => {
      const app = createLift({
        env: 'test',
        log: { level: 'silent' },
        storage: memoryStorage,
        http: { clientIp: { trustedProxies } },
      });
      app.get('/ip', (ctx) => ({ ip: ctx.clientIp }));
      const address = await app.listen({ port: 0 });
      try {
        const response = await fetch(`${address.url}/ip`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
        return ((await response.json()) as { ip: string }).ip;
      } finally {
        await app.close();
      }
    };
    expect(await seen([])).toBe('127.0.0.1');
    expect(await seen(['127.0.0.0/8'])).toBe('203.0.113.9');
  });

  it('redacts secrets from actual log lines (access log and handler logs)', async () => {
    const captured = captureLogger();
    const app = createLift({}, { logger: captured.logger });
    app.post('/login', async (ctx) => {
      const body = await ctx.json<Record<string, string>>();
      ctx.log.info({ body }, 'login attempt');
      return { ok: true };
    });
    await call(app, '/login?access_token=tok-SECRET-1&page=2', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer tok-SECRET-2',
        cookie: 'sid=tok-SECRET-3',
      },
      body: JSON.stringify({ email: 'a@example.com', password: 'tok-SECRET-4', totp_code: '123456' }),
    });
    const raw = captured.raw();
    expect(raw).toContain('login attempt');
    expect(raw).toContain('a@example.com');
    expect(raw).not.toMatch(/tok-SECRET|123456/);
    expect(raw).toContain('[REDACTED]');
    const access = captured.lines().find((line) => line.status === 200);
    expect(access).toBeDefined();
  });
});

describe('client disconnect', () => {
  it('aborts ctx.signal when the client goes away', async () => {
    const app = createLift({ env: 'test', log: { level: 'silent' }, storage: memoryStorage });
    let resolveAborted: (value: boolean) => void = () => {};
    const aborted = new Promise<boolean>((resolve) => {
      resolveAborted = resolve;
    });
    app.get('/wait', (ctx) => {
      ctx.signal.addEventListener('abort', () => resolveAborted(true));
      return new Promise(() => {});
    });
    const address = await app.listen({ port: 0 });
    try {
      const req = httpRequest(`${address.url}/wait`);
      req.on('error', () => {});
      req.end();
      await new Promise((resolve) => setTimeout(resolve, 100));
      req.destroy();
      expect(
        await Promise.race([aborted, new Promise((resolve) => setTimeout(() => resolve(false), 2_000))]),
      ).toBe(true);
    } finally {
      await app.close();
    }
  });
});

describe('compiled routes', () => {
  it('answers a synchronous handler without a Promise, every stage applied and the access line written', () => {
    const captured = captureLogger();
    const app = createLift({ storage: memoryStorage }, { logger: captured.logger });
    app.get('/sync', () => ({ sync: true }));
    const response = app.fetch(new Request('http://localhost/sync?page=2&access_token=tok-SECRET'));
    expect(response).toBeInstanceOf(Response);
    expect(response instanceof Promise).toBe(false);
    const answered = response as Response;
    expect(answered.status).toBe(200);
    expect(answered.headers.get('x-content-type-options')).toBe('nosniff');
    const id = answered.headers.get('x-request-id');
    const [line] = captured.lines();
    // The line pino would write: level, epoch time, the logger's bindings, the fields, the message.
    expect(Object.keys(line!)).toEqual([
      'level',
      'time',
      'pid',
      'hostname',
      'method',
      'route',
      'path',
      'query',
      'status',
      'duration_ms',
      'request_id',
      'client_ip',
      'msg',
    ]);
    expect(line).toMatchObject({
      level: 'info',
      method: 'GET',
      route: '/sync',
      path: '/sync',
      query: 'page=2&access_token=[REDACTED]',
      status: 200,
      request_id: id,
      msg: 'request completed',
    });
    expect(typeof line!.time).toBe('number');
  });

  it('answers an awaiting handler through the same stages', async () => {
    const app = createLift({ storage: memoryStorage, log: { level: 'silent' } });
    app.get('/later', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return { later: true };
    });
    const pending = app.fetch(new Request('http://localhost/later'));
    expect(pending).toBeInstanceOf(Promise);
    const response = await pending;
    expect(await response.json()).toEqual({ later: true });
    expect(response.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9_-]{22,}$/);
  });

  it('registers every route as its only Hono handler, group middleware included', async () => {
    const app = createLift({ storage: memoryStorage, log: { level: 'silent' } });
    app.get('/one', () => ({ one: true }));
    const group = app.group('/g');
    group.get('/two', () => ({ two: true }));
    // Added after the route: the route is recompiled with it.
    group.use(async (c, next) => {
      await next();
      c.res.headers.set('x-group', 'yes');
    });
    const routes = app.hono.routes.map((route) => `${route.method} ${route.path}`);
    expect(routes.filter((route) => route === 'GET /one')).toHaveLength(1);
    expect(routes.filter((route) => route === 'GET /g/two')).toHaveLength(1);
    expect(routes.some((route) => route.endsWith(' /*'))).toBe(false);
    const two = await app.fetch(new Request('http://localhost/g/two'));
    expect(two.headers.get('x-group')).toBe('yes');
    expect(two.headers.get('x-request-id')).not.toBeNull();
  });
});
