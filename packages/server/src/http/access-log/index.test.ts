import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { ServiceUnavailableError } from '../../core/errors.ts';
import { requestScope } from '../../core/request-scope.ts';
import type { Principal } from '../../core/request-state.ts';
import { requestId } from '../request-id/index.ts';
import { captureLogger, createTestApp } from '../test-app.ts';
import { accessLog } from './index.ts';

const SECRET = 'tok-8c1f0e2d-secret';

function setup(redactFields: string[] = []) {
  const captured = captureLogger();
  const clock = new ManualClock();
  const app = createTestApp();
  app.use(requestId({ logger: captured.logger, generate: () => 'req-1' }));
  app.use(accessLog({ redactFields, clock }));
  app.use(async (c, next) => {
    c.set('clientIp', '203.0.113.9');
    await next();
  });
  app.post('/notes', async (c) => {
    clock.advance(42);
    await c.req.text();
    return c.json({ ok: true }, 201, { 'content-length': '11' });
  });
  app.get('/down', () => {
    throw new ServiceUnavailableError();
  });
  app.get('/crash', () => {
    throw new Error('bug');
  });
  app.get('/search', (c) => c.text('ok'));
  return { app, ...captured };
}

describe('accessLog', () => {
  it('writes one line per request with what happened, after it completed', async () => {
    const { app, lines, raw } = setup();
    const res = await app.request('/notes?page=2', {
      method: 'POST',
      body: 'hello',
      headers: { 'user-agent': 'test-agent/1.0', 'content-length': '5' },
    });
    expect(res.status).toBe(201);
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatchObject({
      level: 'info',
      msg: 'request completed',
      method: 'POST',
      path: '/notes',
      query: 'page=2',
      status: 201,
      duration_ms: 42,
      request_id: 'req-1',
      client_ip: '203.0.113.9',
      user_agent: 'test-agent/1.0',
      bytes_in: 5,
      bytes_out: 11,
    });
    expect(raw().match(/"request_id"/g)).toHaveLength(1);
  });

  it('logs 5xx at error level with the error code, and 4xx at info', async () => {
    const { app, lines } = setup();
    expect((await app.request('/down')).status).toBe(503);
    expect((await app.request('/crash')).status).toBe(500);
    expect((await app.request('/missing')).status).toBe(404);
    expect(lines().map((line) => [line.level, line.status, line.error_code])).toEqual([
      ['error', 503, 'LIFT_UNAVAILABLE'],
      ['error', 500, undefined],
      ['info', 404, undefined],
    ]);
  });

  it('redacts sensitive query parameters, including configured extra fields', async () => {
    const { app, lines, raw } = setup(['email']);
    await app.request(
      `/search?q=cats&access_token=${SECRET}&apiKey=${SECRET}&code=${SECRET}&email=${SECRET}`,
    );
    expect(raw()).not.toContain(SECRET);
    expect(lines()[0]?.query).toBe(
      'q=cats&access_token=[REDACTED]&apiKey=[REDACTED]&code=[REDACTED]&email=[REDACTED]',
    );
  });

  it('never logs authorization or cookie header values', async () => {
    const { app, raw } = setup();
    await app.request('/search', {
      headers: { authorization: `Bearer ${SECRET}`, cookie: `sid=${SECRET}`, 'x-api-key': SECRET },
    });
    expect(raw()).toContain('request completed');
    expect(raw()).not.toContain(SECRET);
  });

  it('uses the logger option when no request logger is set, and refuses to run without either', async () => {
    const captured = captureLogger();
    const app = createTestApp();
    app.use(accessLog({ logger: captured.logger }));
    app.get('/', (c) => c.text('ok'));
    await app.request('/');
    expect(captured.lines()[0]).toMatchObject({ method: 'GET', path: '/', status: 200 });

    const bare = createTestApp();
    bare.use(accessLog());
    bare.get('/', (c) => c.text('ok'));
    const res = await bare.request('/');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ code: 'LIFT_CONFIG_INVALID', status: 500 });
  });

  it('carries the route, trace id, principal id and tenant the pipeline and guards recorded', async () => {
    const { app, lines } = setup();
    app.get('/tenants/t-7/notes/n-1', (c) => {
      const scope = requestScope(c);
      scope.routeTemplate = '/tenants/:tenantId/notes/:id';
      scope.traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      scope.tenantId = 't-7';
      c.set('principal', { id: 'user-42', tenantId: 't-other' } as Principal);
      return c.text('ok');
    });
    await app.request('/tenants/t-7/notes/n-1');
    expect(lines()[0]).toMatchObject({
      route: '/tenants/:tenantId/notes/:id',
      path: '/tenants/t-7/notes/n-1',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      principal_id: 'user-42',
      // The tenant a guard decided in wins over the principal's active one.
      tenant: 't-7',
    });
  });

  it('keeps CR, LF, U+2028, U+2029 and lone surrogates inside their field', async () => {
    const { app, raw, lines } = setup();
    const forged = 'a\r\n{"level":"info","msg":"forged"}\u2028{"msg":"forged"}\u2029\ud800z\udc00';
    app.get('/odd', (c) => {
      c.set('principal', { id: forged, tenantId: forged } as Principal);
      return c.text('ok');
    });
    await app.request('/odd');
    expect(
      raw()
        .split('\n')
        .filter((line) => line !== ''),
    ).toHaveLength(1);
    expect(raw()).not.toMatch(/[\u2028\u2029]/);
    expect(lines()[0]).toMatchObject({ principal_id: forged, tenant: forged, msg: 'request completed' });
  });
});
