import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiftApp } from '../src/app/create-lift.ts';
import { signedInUser } from '../src/app/signed-in-user.ts';
import { requireAuth } from '../src/core/authenticate.ts';
import type { Middleware } from '../src/core/routes.ts';
import { startAuthApp } from './support/auth-app.ts';

/**
 * Every route's response leaves through @hono/node-server's fast path: the plain header record Lift builds is
 * written as is, in the order the pipeline pended it (request id first), and node adds `Content-Length` itself.
 * A response whose headers were turned into undici `Headers` on the way (Hono's `c.res` setter does that when a
 * response is set twice, as the pipeline once did for every route behind group middleware) is written with
 * sorted, lower-case names instead — and costs several times more CPU. Real sockets, real raw headers.
 */

let app: LiftApp;
let close: () => Promise<void>;
let base: string;
let cookie: string;
let bearer: string;

function rawHeaderNames(path: string, headers: Record<string, string> = {}): Promise<string[]> {
  return new Promise((resolve, reject) => {
    request(`${base}${path}`, { headers }, (res) => {
      res.resume();
      if (res.statusCode !== 200) reject(new Error(`GET ${path} answered ${res.statusCode}`));
      else resolve(res.rawHeaders.filter((_, index) => index % 2 === 0));
    })
      .on('error', reject)
      .end();
  });
}

const passThrough: Middleware = async (_c, next) => {
  await next();
};

beforeAll(async () => {
  ({ app, close } = await startAuthApp());
  app.get('/plain', () => ({ ok: true }));
  app.get('/async', async () => ({ ok: true }));
  app.group('/grouped', passThrough).get('/', () => ({ ok: true }));
  app
    .group('/nested', passThrough)
    .group('/deeper', passThrough)
    .get('/', async () => ({ ok: true }));
  app.group('/guarded', requireAuth()).get('/', () => ({ ok: true }));
  const user = await signedInUser(app, 'fast-path@example.com');
  cookie = user.cookie;
  bearer = `Bearer ${user.bearer}`;
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await close();
});

describe('the response write path', () => {
  it.each([
    ['a plain route', '/plain', 'none'],
    ['an async handler', '/async', 'none'],
    ['a route behind group middleware', '/grouped', 'none'],
    ['a route behind two groups of middleware, async handler', '/nested/deeper', 'none'],
    ['a route behind requireAuth(), session cookie', '/guarded', 'cookie'],
    ['a route behind requireAuth(), bearer token', '/guarded', 'bearer'],
  ] as const)('writes %s from the plain header record', async (_what, path, credential) => {
    const sent: Record<string, string> =
      credential === 'cookie' ? { cookie } : credential === 'bearer' ? { authorization: bearer } : {};
    const names = await rawHeaderNames(path, sent);
    expect(names[0]).toBe('x-request-id');
    expect(names).toContain('Content-Length');
    expect(names).not.toContain('content-length');
  });
});

describe('the synchronous path', () => {
  const get = (path: string, headers: Record<string, string> = {}) =>
    app.fetch(new Request(`http://localhost${path}`, { headers }));

  it('answers a synchronous route without a Promise, guards included, once the credential is cached', async () => {
    expect(get('/plain'), 'GET /plain').toBeInstanceOf(Response);
    // Plain (Hono-style) middleware awaits `next()`, so its routes take the asynchronous path.
    expect(get('/grouped'), 'GET /grouped').toBeInstanceOf(Promise);
    // The first request validates the session (and the token) through the store; later ones from the cache.
    await get('/guarded', { cookie });
    await get('/guarded', { authorization: bearer });
    for (const headers of [{ cookie }, { authorization: bearer }] as Record<string, string>[]) {
      const answer = get('/guarded', headers);
      expect(answer, `GET /guarded with ${Object.keys(headers)[0]}`).toBeInstanceOf(Response);
      expect((answer as Response).status).toBe(200);
    }
  });

  it('answers a refusal by a synchronous guard without a Promise too, as problem+json', async () => {
    const answer = get('/guarded');
    expect(answer).toBeInstanceOf(Response);
    expect((answer as Response).status).toBe(401);
    expect(await (answer as Response).json()).toMatchObject({ code: 'LIFT_UNAUTHENTICATED' });
  });

  it('awaits what is asynchronous: an async handler behind guards still answers', async () => {
    const answer = get('/nested/deeper');
    expect(answer).toBeInstanceOf(Promise);
    expect((await answer).status).toBe(200);
  });
});
