import { describe, expect, it } from 'vitest';
import { call, quiet } from '../../test/support/app-request.ts';
import { createLift } from '../app/create-lift.ts';
import { captureLogger } from '../http/test-app.ts';
import { ConflictError } from './errors.ts';
import type { Middleware } from './routes.ts';

describe('404, 405 and OPTIONS', () => {
  const app = createLift(quiet);
  app.get('/notes/:id', () => ({ ok: true }));
  app.delete('/notes/:id', () => undefined);
  app.post('/notes', () => ({ ok: true }));

  it('404 is problem+json with every member', async () => {
    const response = await call(app, '/nowhere?token=x', { headers: { 'x-request-id': 'req-123' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toEqual({
      type: 'urn:lift:error:not-found',
      title: 'Not found',
      status: 404,
      detail: 'No resource matches this path.',
      code: 'LIFT_NOT_FOUND',
      request_id: 'req-123',
      instance: '/nowhere',
    });
  });

  it('405 names the allowed methods in Allow and in the body', async () => {
    const response = await call(app, '/notes/1', { method: 'PUT' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, DELETE, OPTIONS');
    const body = (await response.json()) as { code: string; allow: string[] };
    expect(body.code).toBe('LIFT_METHOD_NOT_ALLOWED');
    expect(body.allow).toEqual(['GET', 'HEAD', 'DELETE', 'OPTIONS']);
  });

  it('OPTIONS is answered for every route with Allow', async () => {
    const one = await call(app, '/notes/abc', { method: 'OPTIONS' });
    expect(one.status).toBe(204);
    expect(one.headers.get('allow')).toBe('GET, HEAD, DELETE, OPTIONS');
    const collection = await call(app, '/notes', { method: 'OPTIONS' });
    expect(collection.headers.get('allow')).toBe('POST, OPTIONS');
    const missing = await call(app, '/missing', { method: 'OPTIONS' });
    expect(missing.status).toBe(404);
  });

  it('HEAD is served by the GET route without a body', async () => {
    const response = await call(app, '/notes/1', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });
});

describe('errors', () => {
  it('a LiftError keeps its code, status and detail', async () => {
    const app = createLift(quiet);
    app.post('/conflict', () => {
      throw new ConflictError('That slug is taken.', 'NOTES_SLUG_TAKEN');
    });
    const response = await call(app, '/conflict', { method: 'POST' });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({
      type: 'urn:lift:error:notes-slug-taken',
      status: 409,
      code: 'NOTES_SLUG_TAKEN',
      detail: 'That slug is taken.',
    });
  });

  it('an unknown error is a generic 500 while the full error is logged with the request id', async () => {
    const captured = captureLogger();
    const app = createLift({}, { logger: captured.logger });
    app.get('/boom', () => {
      throw new Error('database password is hunter2-and-more');
    });
    app.get('/throw-string', () => {
      throw 'not an error object';
    });
    const response = await call(app, '/boom', { headers: { 'x-request-id': 'boom-1' } });
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).not.toContain('hunter2');
    expect(JSON.parse(body)).toMatchObject({ code: 'LIFT_INTERNAL', status: 500, request_id: 'boom-1' });
    const logged = captured.lines().find((line) => line.msg === 'unexpected error while serving a request');
    expect(logged?.request_id).toBe('boom-1');
    expect(JSON.stringify(logged)).toContain('hunter2');
    expect(app.stats.unexpectedErrors).toBe(1);

    const thrownString = await call(app, '/throw-string');
    expect(thrownString.status).toBe(500);
    expect(await thrownString.json()).toMatchObject({ code: 'LIFT_INTERNAL' });
  });
});

describe('groups and middleware', () => {
  const tag =
    (name: string): Middleware =>
    async (c, next) => {
      await next();
      c.res.headers.append('x-trail', name);
    };

  it('group middleware applies to that group only; use() applies to routes registered earlier too', async () => {
    const app = createLift(quiet);
    app.get('/public', () => ({ ok: true }));
    const admin = app.group('/admin', tag('admin'));
    admin.get('/users', () => ({ users: [] }));
    const nested = admin.group('/deep', tag('deep'));
    nested.get('/x', () => ({ ok: true }));
    app.use(tag('app'));

    expect((await call(app, '/public')).headers.get('x-trail')).toBe('app');
    expect((await call(app, '/admin/users')).headers.get('x-trail')).toBe('admin, app');
    expect((await call(app, '/admin/deep/x')).headers.get('x-trail')).toBe('deep, admin, app');
  });

  it('a group middleware can refuse a request before the handler runs', async () => {
    const app = createLift(quiet);
    let ran = false;
    const guard: Middleware = async (c) => c.json({ refused: true }, 403);
    app.group('/guarded', guard).get('/', () => {
      ran = true;
      return { ok: true };
    });
    const response = await call(app, '/guarded');
    expect(response.status).toBe(403);
    expect(ran).toBe(false);
  });
});
