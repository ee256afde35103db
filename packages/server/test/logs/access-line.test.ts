import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { type CapturedLogger, captureLogger } from '../../src/http/test-app.ts';
import { signUpVerified, type VerifiedUser } from '../sessions/verified-user.ts';
import { type AuthApp, Browser, startAuthApp } from '../support/auth-app.ts';

/**
 * Issue 13, "Logs": the access line of a real app carries the route template, status, latency, principal id,
 * tenant and request id, and never an email or a secret, whether it came in the query (mailed links, the
 * realtime `?access_token=`) or in the path (a route parameter named like a secret).
 */

let auth: AuthApp;
let log: CapturedLogger;
let user: VerifiedUser;
let browser: Browser;
const EMAIL = 'line-reader@example.com';

beforeAll(async () => {
  log = captureLogger();
  auth = await startAuthApp({}, new ManualClock(), { logger: log.logger });
  auth.app.get('/magic/:token', (ctx) => ({ opened: ctx.params.token?.length }));
  auth.app.get('/keys/:key/usage/:day', () => ({ ok: true }));
  auth.app.get('/files/:name{.+}', () => ({ ok: true }));
  browser = new Browser(auth.app);
  user = await signUpVerified(browser, EMAIL);
});

afterAll(async () => {
  await auth?.close();
});

/** The access lines written so far (one per request). */
function accessLines(): Record<string, unknown>[] {
  return log.lines().filter((line) => line.msg === 'request completed');
}

function lastAccessLine(): Record<string, unknown> {
  const lines = accessLines();
  return lines[lines.length - 1] ?? {};
}

describe('the access line', () => {
  it('names the route template, status, latency, principal, tenant and request id', async () => {
    const { tenant } = await auth.app.access.createTenant({
      name: 'Lines',
      slug: 'lines',
      createdBy: user.userId,
    });
    const route = auth.app.hono.routes.find(
      (candidate) => candidate.method === 'GET' && candidate.path.endsWith('/tenants/:tenantId/members'),
    )?.path;
    expect(route).toBeDefined();
    const path = route!.replace(':tenantId', tenant.id);
    const response = await browser.request(path, { headers: { 'x-request-id': 'req-members-1' } });
    expect(response.status, await response.clone().text()).toBe(200);

    expect(lastAccessLine()).toMatchObject({
      level: 'info',
      method: 'GET',
      route,
      path,
      status: 200,
      request_id: 'req-members-1',
      principal_id: user.userId,
      tenant: tenant.id,
    });
    expect(typeof lastAccessLine().duration_ms).toBe('number');
  });

  it('has no route for a path no route matches, and no principal for an anonymous request', async () => {
    expect((await new Browser(auth.app).request('/no/such/route')).status).toBe(404);
    const line = lastAccessLine();
    expect(line).toMatchObject({ path: '/no/such/route', status: 404 });
    expect(line).not.toHaveProperty('route');
    expect(line).not.toHaveProperty('principal_id');
    expect(line).not.toHaveProperty('tenant');
  });

  it('never carries an email address', () => {
    expect(accessLines().length).toBeGreaterThan(3);
    expect(log.raw()).not.toContain(EMAIL);
  });

  it('never carries the token of a mailed link, opened or submitted', async () => {
    const forgot = await new Browser(auth.app).post('/auth/password/forgot', { email: EMAIL });
    expect(forgot.status, await forgot.clone().text()).toBeLessThan(300);
    await auth.app.identity.idle();
    const links = auth.mail.messages.flatMap((message) => message.links);
    const tokens = links.flatMap((link) => new URL(link).searchParams.get('token') ?? []);
    // The verification mail and the reset mail.
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    for (const link of links) {
      const url = new URL(link);
      const opened = await new Browser(auth.app).request(`${url.pathname}${url.search}`);
      expect(opened.status).toBe(200);
      expect(lastAccessLine()).toMatchObject({ path: url.pathname, query: 'token=[REDACTED]' });
    }
    for (const token of tokens) expect(log.raw()).not.toContain(token);
  });

  it('never carries a query access token', async () => {
    const secret = 'eyJhbGciOiJFZERTQSJ9.query-token-secret';
    await browser.request(`/no/such/route?access_token=${secret}&page=2`);
    expect(lastAccessLine()).toMatchObject({ query: 'access_token=[REDACTED]&page=2' });
    expect(log.raw()).not.toContain(secret);
  });

  it('redacts path segments under parameters named like secrets, keeping the rest', async () => {
    const secret = 'magic-link-secret-6f1d';
    expect((await browser.request(`/magic/${secret}`)).status).toBe(200);
    expect(lastAccessLine()).toMatchObject({ route: '/magic/:token', path: '/magic/[REDACTED]' });

    expect((await browser.request(`/keys/${secret}/usage/2026-12-07`)).status).toBe(200);
    expect(lastAccessLine()).toMatchObject({
      route: '/keys/:key/usage/:day',
      path: '/keys/[REDACTED]/usage/2026-12-07',
    });
    expect(log.raw()).not.toContain(secret);
  });

  it('logs a route whose parameter spans segments as it is (no secret name) and its template', async () => {
    expect((await browser.request('/files/a/b/c.txt')).status).toBe(200);
    expect(lastAccessLine()).toMatchObject({ route: '/files/:name{.+}', path: '/files/a/b/c.txt' });
  });
});
