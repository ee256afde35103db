import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLift, type LiftApp } from '../../src/app/create-lift.ts';
import { requireAuth } from '../../src/core/authenticate.ts';
import { allowQueryToken } from '../../src/tokens/token-carriers.ts';
import { signUpVerified } from '../sessions/verified-user.ts';
import { type AuthApp, Browser, GOOD_PASSWORD, startAuthApp } from '../support/auth-app.ts';

/** Access tokens carried by a cookie (opt-in, CSRF-checked) or a query parameter (per route, redacted in logs). */

let env: AuthApp | undefined;
const apps: LiftApp[] = [];
afterEach(async () => {
  await env?.close();
  env = undefined;
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function tokenLogin(app: LiftApp, email: string) {
  const response = await new Browser(app).post('/auth/login', {
    email,
    password: GOOD_PASSWORD,
    response: 'tokens',
  });
  expect(response.status).toBe(200);
  return { response, body: (await response.json()) as { access_token: string; refresh_token: string } };
}

describe('access token in a cookie', () => {
  it('is set HttpOnly with the token lifetime, accepted, and subject to the CSRF rules', async () => {
    env = await startAuthApp({ tokens: { cookie: { enabled: true } } });
    const app = env.app;
    app.group('/t', requireAuth()).get('/me', (ctx) => ({ method: ctx.principal!.authMethod }));
    app.group('/t', requireAuth()).post('/act', () => ({ ok: true }));
    const { email } = await signUpVerified(new Browser(app), 'cookie-token@example.com');
    const { response, body } = await tokenLogin(app, email);
    const setCookie = response.headers.getSetCookie().find((line) => line.startsWith('lift_access='));
    expect(setCookie).toBe(`lift_access=${body.access_token}; Max-Age=600; Path=/; HttpOnly; SameSite=Lax`);

    const cookie = `lift_access=${body.access_token}`;
    const me = await app.fetch(new Request('http://lift.test/t/me', { headers: { cookie } }));
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ method: 'bearer' });

    const crossSite = await app.fetch(
      new Request('http://lift.test/t/act', {
        method: 'POST',
        headers: { cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      }),
    );
    expect(crossSite.status).toBe(403);
    expect(((await crossSite.json()) as { code: string }).code).toBe('LIFT_CSRF');
    const sameOrigin = await app.fetch(
      new Request('http://lift.test/t/act', {
        method: 'POST',
        headers: { cookie, origin: 'http://lift.test', 'sec-fetch-site': 'same-origin' },
      }),
    );
    expect(sameOrigin.status).toBe(200);
  });

  it('is not read when the cookie carrier is off (the default)', async () => {
    env = await startAuthApp();
    const app = env.app;
    app.group('/t', requireAuth()).get('/me', () => ({ ok: true }));
    const { email } = await signUpVerified(new Browser(app), 'no-cookie@example.com');
    const { response, body } = await tokenLogin(app, email);
    expect(response.headers.getSetCookie()).toEqual([]);
    const me = await app.fetch(
      new Request('http://lift.test/t/me', { headers: { cookie: `lift_access=${body.access_token}` } }),
    );
    expect(me.status).toBe(401);
  });

  it('refuses a production cookie name without __Host-', () => {
    expect(
      () =>
        createLift({
          env: 'production',
          secret: 'production-secret-of-at-least-thirty-two-bytes',
          tokens: { cookie: { enabled: true, name: 'access' } },
        }).tokens,
    ).toThrow(/__Host-/);
  });
});

describe('access token in the query string', () => {
  it('is accepted only where a route allows it, and never logged', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const app = createLift(
      {
        env: 'test',
        log: { level: 'info' },
        dataDir: mkdtempSync(join(tmpdir(), 'lift-query-token-')),
        mail: { url: 'memory:' },
        passwords: { memoryCost: 8192, timeCost: 1 },
      },
      { logger: pino({ level: 'info' }, sink) },
    );
    apps.push(app);
    app.group('/ws', allowQueryToken(), requireAuth()).get('/', () => ({ ok: true }));
    app.group('/api', requireAuth()).get('/', () => ({ ok: true }));
    await app.start();
    const user = await app.identity.users.create({ email: 'qt@example.com' });
    const pair = await app.tokens.issuePair({ userId: user.id, amr: ['pwd'], authTime: Date.now() }, {});
    const token = pair.access_token;

    expect((await app.fetch(new Request(`http://lift.test/ws?access_token=${token}`))).status).toBe(200);
    expect((await app.fetch(new Request(`http://lift.test/api?access_token=${token}`))).status).toBe(401);
    const logged = lines.join('');
    expect(logged).toContain('"path":"/ws"');
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(token.split('.')[2]!);
  });
});
