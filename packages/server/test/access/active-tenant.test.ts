import { afterEach, describe, expect, it } from 'vitest';
import { LIFT_PERMISSIONS } from '../../src/access/default-roles.ts';
import { requireAuth } from '../../src/core/authenticate.ts';
import { problemWithoutRequestFacts } from '../identity/identity-steps.ts';
import { browserWithCookie, sessionStatus, signUpVerified } from '../sessions/verified-user.ts';
import { type AuthApp, Browser, GOOD_PASSWORD } from '../support/auth-app.ts';
import {
  decodeJwt,
  eventMatching,
  ME,
  newClient,
  problemOf,
  refreshed,
  refreshJson,
  startTokenApp,
  type TokenPairBody,
  tokenLogin,
  withBearer,
} from '../tokens/token-client.ts';

/**
 * `POST /auth/tenant`: the active tenant of a session (a new session id carrying it) or of a token pair (a new
 * family whose access tokens carry `tid`), and `requirePermission` on a route without `:tenantId` deciding in
 * that tenant.
 */

/** A route without `:tenantId`: the guard decides in the principal's active tenant. */
const PROBE = '/probe';

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function start(): Promise<AuthApp> {
  env = await startTokenApp();
  const { app } = env;
  app
    .group(PROBE, requireAuth(), app.guards.requirePermission(LIFT_PERMISSIONS.tenantRead))
    .get('/', (ctx) => ({ tenant: ctx.principal?.tenantId ?? null }));
  return env;
}

let slugs = 0;
async function tenantOf(auth: AuthApp, ownerId: string): Promise<string> {
  slugs += 1;
  const { tenant } = await auth.app.access.createTenant({
    name: `Tenant ${slugs}`,
    slug: `tenant-${slugs}`,
    createdBy: ownerId,
  });
  return tenant.id;
}

function switchTenant(browser: Browser, tenantId: string | null): Promise<Response> {
  return browser.post('/auth/tenant', { tenant_id: tenantId });
}

function bearerPost(auth: AuthApp, path: string, token: string, json: unknown): Promise<Response> {
  return newClient(auth).request(path, {
    method: 'POST',
    json,
    headers: { authorization: `Bearer ${token}` },
  });
}

describe('POST /auth/tenant with a session', () => {
  it('rotates the session into the tenant; requirePermission then decides there', async () => {
    const auth = await start();
    const browser = new Browser(auth.app);
    const user = await signUpVerified(browser, 'switcher@example.com');
    const acme = await tenantOf(auth, user.userId);

    const before = await browser.request(PROBE);
    expect(before.status).toBe(403);
    expect(await problemOf(before)).toMatchObject({ code: 'LIFT_PERMISSION_DENIED' });

    const oldCookie = browser.cookie;
    const switched = await switchTenant(browser, acme);
    expect(switched.status, await switched.clone().text()).toBe(200);
    const body = (await switched.json()) as { tenant_id: string; session: { id: string } };
    expect(body.tenant_id).toBe(acme);
    expect(body.session.id).not.toBe(user.sessionId);
    expect(browser.cookie).not.toBeNull();
    expect(browser.cookie).not.toBe(oldCookie);
    // The old session id ended with the switch.
    expect(await sessionStatus(browserWithCookie(auth.app, oldCookie))).toBe(401);

    const probe = await browser.request(PROBE);
    expect(probe.status, await probe.clone().text()).toBe(200);
    expect(await probe.json()).toEqual({ tenant: acme });
    expect(await auth.app.identity.sessions.findById(body.session.id)).toMatchObject({ tenantId: acme });

    const event = await eventMatching(auth.events, (e) => e.type === 'tenant.switched');
    expect(event).toMatchObject({ actor: user.userId, data: { from: null, to: acme, via: 'session' } });
    const rotated = await eventMatching(
      auth.events,
      (e) => e.type === 'session.rotated' && e.reason === 'tenant_switched',
    );
    expect(rotated.data).toEqual({ from: user.sessionId, to: body.session.id });
  });

  it('keeps the tenant through later rotations, and null clears it', async () => {
    const auth = await start();
    const browser = new Browser(auth.app);
    const user = await signUpVerified(browser, 'keeper@example.com');
    const acme = await tenantOf(auth, user.userId);
    expect((await switchTenant(browser, acme)).status).toBe(200);

    // Step-up rotates the session again: the active tenant carries over.
    const reauth = await browser.post('/auth/reauth', { password: GOOD_PASSWORD });
    expect(reauth.status, await reauth.clone().text()).toBe(200);
    expect((await browser.request(PROBE)).status).toBe(200);

    const cleared = await switchTenant(browser, null);
    expect(cleared.status).toBe(200);
    expect(((await cleared.json()) as { tenant_id: unknown }).tenant_id).toBeNull();
    expect((await browser.request(PROBE)).status).toBe(403);
    expect(await sessionStatus(browser)).toBe(200);
  });

  it('refuses a non-member with one body whether or not the tenant exists, and keeps the session', async () => {
    const auth = await start();
    const owner = await signUpVerified(new Browser(auth.app), 'owner@example.com');
    const acme = await tenantOf(auth, owner.userId);
    const outsider = new Browser(auth.app);
    const user = await signUpVerified(outsider, 'outsider@example.com');
    const cookie = outsider.cookie;

    const existing = await switchTenant(outsider, acme);
    const unknown = await switchTenant(outsider, 'no-such-tenant');
    expect(existing.status).toBe(403);
    expect(unknown.status).toBe(403);
    const body = await problemWithoutRequestFacts(existing);
    expect(body).toBe(await problemWithoutRequestFacts(unknown));
    expect(body).toContain('LIFT_NOT_TENANT_MEMBER');
    expect(outsider.cookie).toBe(cookie);
    expect((await outsider.request(PROBE)).status).toBe(403);

    const denied = await eventMatching(
      auth.events,
      (e) => e.type === 'access.denied' && e.actor === user.userId && e.data?.tenantId === acme,
    );
    expect(denied.reason).toBe('not_member');
    expect(auth.events.some((e) => e.type === 'tenant.switched')).toBe(false);
  });

  it('lets a system admin enter any existing tenant through the global grant', async () => {
    const auth = await start();
    const owner = await signUpVerified(new Browser(auth.app), 'tenant-owner@example.com');
    const acme = await tenantOf(auth, owner.userId);
    const adminBrowser = new Browser(auth.app);
    const admin = await signUpVerified(adminBrowser, 'root@example.com');
    await auth.app.identity.roles.grant(admin.userId, 'admin');

    expect((await switchTenant(adminBrowser, 'no-such-tenant')).status).toBe(403);
    const switched = await switchTenant(adminBrowser, acme);
    expect(switched.status, await switched.clone().text()).toBe(200);
    expect(await (await adminBrowser.request(PROBE)).json()).toEqual({ tenant: acme });
  });

  it('refuses a global grant of a role without tenant:read, and lets a system admin in', async () => {
    const auth = await start();
    const owner = await signUpVerified(new Browser(auth.app), 'grant-owner@example.com');
    const acme = await tenantOf(auth, owner.userId);
    // An app role given globally that says nothing about tenants: it must not open them.
    auth.app.permissions.declare({ 'notes:read': 'Read notes' });
    await auth.app.access.roles.create({
      owner: { scope: 'system' },
      name: 'note-reader',
      permissions: ['notes:read'],
    });
    const readerBrowser = new Browser(auth.app);
    const reader = await signUpVerified(readerBrowser, 'note-reader@example.com');
    await auth.app.access.grantSystemRole(reader.userId, 'note-reader');
    const cookie = readerBrowser.cookie;

    const refused = await switchTenant(readerBrowser, acme);
    expect(refused.status).toBe(403);
    expect(await problemOf(refused)).toMatchObject({ code: 'LIFT_NOT_TENANT_MEMBER' });
    expect(readerBrowser.cookie).toBe(cookie);
    const denied = await eventMatching(
      auth.events,
      (e) => e.type === 'access.denied' && e.actor === reader.userId && e.data?.tenantId === acme,
    );
    expect(denied.reason).toBe('not_member');
    expect(auth.events.some((e) => e.type === 'tenant.switched')).toBe(false);

    const adminBrowser = new Browser(auth.app);
    const admin = await signUpVerified(adminBrowser, 'grant-root@example.com');
    await auth.app.access.grantSystemRole(admin.userId);
    const entered = await switchTenant(adminBrowser, acme);
    expect(entered.status, await entered.clone().text()).toBe(200);
  });

  it('validates the body', async () => {
    const auth = await start();
    const browser = new Browser(auth.app);
    await signUpVerified(browser, 'validator@example.com');
    const missing = await browser.post('/auth/tenant', {});
    expect(missing.status).toBe(400);
    expect(await problemOf(missing)).toMatchObject({ code: 'LIFT_VALIDATION_FAILED' });
    expect((await switchTenant(browser, '')).status).toBe(400);
    expect((await new Browser(auth.app).post('/auth/tenant', { tenant_id: null })).status).toBe(401);
  });
});

describe('POST /auth/tenant with bearer tokens', () => {
  it('answers with a new pair whose access token carries tid; refreshing keeps it; the old family ends', async () => {
    const auth = await start();
    const user = await signUpVerified(new Browser(auth.app), 'api@example.com');
    const acme = await tenantOf(auth, user.userId);
    const login = await tokenLogin(auth, user.email);
    expect(decodeJwt(login.access_token).claims.tid).toBeUndefined();
    expect((await withBearer(auth, PROBE, login.access_token)).status).toBe(403);

    const response = await bearerPost(auth, '/auth/tenant', login.access_token, { tenant_id: acme });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const pair = (await response.json()) as TokenPairBody;
    const claims = decodeJwt(pair.access_token).claims;
    expect(claims.tid).toBe(acme);
    expect(claims.sub).toBe(user.userId);
    expect(claims.amr).toEqual(decodeJwt(login.access_token).claims.amr);
    expect(claims.sid).not.toBe(decodeJwt(login.access_token).claims.sid);

    const probe = await withBearer(auth, PROBE, pair.access_token);
    expect(probe.status, await probe.clone().text()).toBe(200);
    expect(await probe.json()).toEqual({ tenant: acme });
    expect(
      ((await (await withBearer(auth, ME, pair.access_token)).json()) as { tenantId: string }).tenantId,
    ).toBe(acme);

    // The family the switch came from is over: its access token and refresh token no longer work.
    expect((await withBearer(auth, ME, login.access_token)).status).toBe(401);
    expect((await refreshJson(auth, login.refresh_token)).status).toBe(400);

    const next = await refreshed(auth, pair.refresh_token);
    expect(decodeJwt(next.access_token).claims.tid).toBe(acme);
    expect((await withBearer(auth, PROBE, next.access_token)).status).toBe(200);

    const event = await eventMatching(auth.events, (e) => e.type === 'tenant.switched');
    expect(event).toMatchObject({ actor: user.userId, data: { from: null, to: acme, via: 'tokens' } });

    // And back to no tenant.
    const cleared = await bearerPost(auth, '/auth/tenant', next.access_token, { tenant_id: null });
    expect(cleared.status).toBe(200);
    const none = (await cleared.json()) as TokenPairBody;
    expect(decodeJwt(none.access_token).claims.tid).toBeUndefined();
    expect((await withBearer(auth, PROBE, none.access_token)).status).toBe(403);
  });

  it('refuses a non-member bearer caller and issues nothing', async () => {
    const auth = await start();
    const owner = await signUpVerified(new Browser(auth.app), 'api-owner@example.com');
    const acme = await tenantOf(auth, owner.userId);
    const other = await signUpVerified(new Browser(auth.app), 'api-other@example.com');
    const login = await tokenLogin(auth, other.email);

    const refused = await bearerPost(auth, '/auth/tenant', login.access_token, { tenant_id: acme });
    expect(refused.status).toBe(403);
    expect(await problemOf(refused)).toMatchObject({ code: 'LIFT_NOT_TENANT_MEMBER' });
    expect(
      auth.events.some((e) => e.type === 'token.issued' && e.actor === other.userId && e.data?.succeeds),
    ).toBe(false);
    // The caller's tokens still work.
    expect((await withBearer(auth, ME, login.access_token)).status).toBe(200);
  });
});
