import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LIFT_PERMISSIONS } from '../../src/access/default-roles.ts';
import { createLift, type LiftApp } from '../../src/app/create-lift.ts';
import { requireAuth } from '../../src/core/authenticate.ts';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import { decodeBase32, generateTotp } from '../../src/identity/mfa/index.ts';
import { browserWithCookie, signUpVerified } from '../sessions/verified-user.ts';
import { type AuthApp, Browser, FAST_PASSWORDS, GOOD_PASSWORD } from '../support/auth-app.ts';
import { freshPostgresSchemaUrl, postgresUrl, redisUrl } from '../support/services.ts';
import { eventMatching, problemOf, startTokenApp, tokenLogin, withBearer } from '../tokens/token-client.ts';

/**
 * The tenant setting `require_mfa`: every guard refuses a user whose login had no second factor with 403
 * `LIFT_MFA_REQUIRED` (after the permission, membership or role check passed), until they enroll and log in
 * with it; turning the setting off lets them in again; every node learns of a change within a second.
 */

const STEP = 30_000;
const ROUTES = ['perm', 'member', 'role', 'object'] as const;

/** Registers one tenant route per guard, a route deciding in the active tenant, and a global-only route. */
function guardedRoutes(app: LiftApp): void {
  const guards = app.guards;
  const ok = () => ({ ok: true });
  app
    .group('/tenants/:tenantId/perm', requireAuth(), guards.requirePermission(LIFT_PERMISSIONS.tenantRead))
    .get('/', ok);
  app.group('/tenants/:tenantId/member', requireAuth(), guards.requireTenantMember()).get('/', ok);
  app.group('/tenants/:tenantId/role', requireAuth(), guards.requireRole('viewer')).get('/', ok);
  app.group('/tenants/:tenantId/object', requireAuth()).get('/', async (ctx) => {
    await guards.authorize(ctx, LIFT_PERMISSIONS.tenantRead, { tenantId: ctx.params.tenantId ?? null });
    return { ok: true };
  });
  app.group('/probe', requireAuth(), guards.requirePermission(LIFT_PERMISSIONS.tenantRead)).get('/', ok);
  app
    .group('/global', requireAuth(), guards.requirePermission(LIFT_PERMISSIONS.usersRead, { global: true }))
    .get('/', ok);
}

/** Creates a tenant owned by `ownerId` and makes `memberIds` members holding its `member` role. */
async function tenantWith(app: LiftApp, ownerId: string, memberIds: string[]): Promise<string> {
  const slug = `mfa-${randomBytes(4).toString('hex')}`;
  const { tenant, roles } = await app.access.createTenant({ name: slug, slug, createdBy: ownerId });
  const member = roles.find((role) => role.name === 'member');
  if (!member) throw new Error('no member role in the new tenant');
  for (const userId of memberIds) {
    await app.access.memberships.add(tenant.id, userId);
    const subject = { type: 'user' as const, id: userId };
    await app.access.grants.add({ subject, roleId: member.id, tenantId: tenant.id, createdBy: ownerId });
    await app.access.control.changed({ kind: 'grant', tenantId: tenant.id, subjects: [subject] });
  }
  return tenant.id;
}

/** What `PATCH /tenants/:tenantId` does: update the settings, then announce a tenant change. */
async function setRequireMfa(app: LiftApp, tenantId: string, on: boolean): Promise<void> {
  await app.access.tenants.update(tenantId, { settings: { require_mfa: on } });
  await app.access.control.changed({ kind: 'tenant', tenantId });
}

/** The status (and code, for a 403) of each guarded route in `tenantId`. */
async function outcomes(send: (path: string) => Promise<Response>, tenantId: string): Promise<string[]> {
  const results: string[] = [];
  for (const route of ROUTES) {
    const response = await send(`/tenants/${tenantId}/${route}`);
    results.push(
      response.status === 403
        ? `${route} 403 ${(await problemOf(response)).code}`
        : `${route} ${response.status}`,
    );
  }
  return results;
}

const allowed = ROUTES.map((route) => `${route} 200`);
const mfaRequired = ROUTES.map((route) => `${route} 403 LIFT_MFA_REQUIRED`);

describe('require_mfa on one node', () => {
  let env: AuthApp | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  async function start(): Promise<AuthApp> {
    env = await startTokenApp();
    guardedRoutes(env.app);
    return env;
  }

  it('refuses a member without MFA in every guard until they enroll and log in with it', async () => {
    const auth = await start();
    const { app, clock } = auth;
    const owner = await signUpVerified(new Browser(app), 'mfa-owner@example.com');
    const browser = new Browser(app);
    const member = await signUpVerified(browser, 'mfa-member@example.com');
    const tenantId = await tenantWith(app, owner.userId, [member.userId]);
    const viaBrowser = (b: Browser) => (path: string) => b.request(path);
    expect(await outcomes(viaBrowser(browser), tenantId)).toEqual(allowed);

    await setRequireMfa(app, tenantId, true);
    expect(app.access.control.requiresMfa(tenantId)).toBe(true);
    expect(await outcomes(viaBrowser(browser), tenantId)).toEqual(mfaRequired);
    const refused = await browser.request(`/tenants/${tenantId}/perm`);
    const problem = await problemOf(refused);
    expect(problem).toMatchObject({ status: 403, code: 'LIFT_MFA_REQUIRED' });
    expect(String(problem.detail)).toMatch(/two-factor/);
    const denied = await eventMatching(
      auth.events,
      (e) => e.type === 'access.denied' && e.reason === 'mfa_required' && e.actor === member.userId,
    );
    expect(denied.data).toMatchObject({ tenantId });

    // The active tenant is where a route without :tenantId decides: refused there too.
    expect((await browser.post('/auth/tenant', { tenant_id: tenantId })).status).toBe(200);
    expect((await problemOf(await browser.request('/probe'))).code).toBe('LIFT_MFA_REQUIRED');

    // Someone refused anyway learns nothing about the tenant's settings, and each guard says what it missed.
    const outsider = new Browser(app);
    await signUpVerified(outsider, 'mfa-outsider@example.com');
    expect(await outcomes(viaBrowser(outsider), tenantId)).toEqual([
      'perm 403 LIFT_PERMISSION_DENIED',
      'member 403 LIFT_NOT_TENANT_MEMBER',
      'role 403 LIFT_ROLE_REQUIRED',
      'object 403 LIFT_PERMISSION_DENIED',
    ]);

    // Enrolling rotates the session with `otp` in its amr: let in.
    const enroll = await browser.post('/auth/mfa/totp/enroll');
    expect(enroll.status, await enroll.clone().text()).toBe(200);
    const secret = decodeBase32(((await enroll.json()) as { secret: string }).secret);
    const confirm = await browser.post('/auth/mfa/totp/confirm', { code: generateTotp(secret, { clock }) });
    expect(confirm.status, await confirm.clone().text()).toBe(200);
    expect(await outcomes(viaBrowser(browser), tenantId)).toEqual(allowed);
    expect((await browser.request('/probe')).status).toBe(200);

    // A new login with password and code is let in as well.
    clock.advance(STEP);
    const fresh = new Browser(app);
    const login = await fresh.post('/auth/login', { email: member.email, password: GOOD_PASSWORD });
    const { mfa_token: mfaToken } = (await login.json()) as { mfa_token: string };
    const verified = await fresh.post('/auth/mfa/verify', {
      mfa_token: mfaToken,
      code: generateTotp(secret, { clock }),
    });
    expect(verified.status, await verified.clone().text()).toBe(200);
    expect(await outcomes(viaBrowser(fresh), tenantId)).toEqual(allowed);

    // So is an access token from a login with the code: its amr carries `otp`.
    clock.advance(STEP);
    const tokenStep = await new Browser(app).post('/auth/login', {
      email: member.email,
      password: GOOD_PASSWORD,
      response: 'tokens',
    });
    const { mfa_token: tokenMfa } = (await tokenStep.json()) as { mfa_token: string };
    const tokens = await new Browser(app).post('/auth/mfa/verify', {
      mfa_token: tokenMfa,
      code: generateTotp(secret, { clock }),
    });
    expect(tokens.status, await tokens.clone().text()).toBe(200);
    const { access_token: accessToken } = (await tokens.json()) as { access_token: string };
    expect(await outcomes((path) => withBearer(auth, path, accessToken), tenantId)).toEqual(allowed);
  });

  it('applies to bearer tokens and to system admins, and turning it off lets them in again', async () => {
    const auth = await start();
    const { app } = auth;
    const owner = await signUpVerified(new Browser(app), 'mfa-owner2@example.com');
    const member = await signUpVerified(new Browser(app), 'mfa-api@example.com');
    const admin = await signUpVerified(new Browser(app), 'mfa-root@example.com');
    await app.identity.roles.grant(admin.userId, 'admin');
    const tenantId = await tenantWith(app, owner.userId, [member.userId]);
    const memberToken = (await tokenLogin(auth, member.email)).access_token;
    const adminToken = (await tokenLogin(auth, admin.email)).access_token;
    const bearer = (token: string) => (path: string) => withBearer(auth, path, token);
    expect(await outcomes(bearer(memberToken), tenantId)).toEqual(allowed);
    expect((await outcomes(bearer(adminToken), tenantId)).slice(0, 1)).toEqual(['perm 200']);

    await setRequireMfa(app, tenantId, true);
    expect(await outcomes(bearer(memberToken), tenantId)).toEqual(mfaRequired);
    // The global grant allows the permission in every tenant; the tenant's MFA rule still applies.
    const adminPerm = await withBearer(auth, `/tenants/${tenantId}/perm`, adminToken);
    expect((await problemOf(adminPerm)).code).toBe('LIFT_MFA_REQUIRED');
    // System endpoints decide on global grants alone, in no tenant: unaffected.
    expect((await withBearer(auth, '/global', adminToken)).status).toBe(200);

    // Only the JSON value true turns it on.
    await app.access.tenants.update(tenantId, { settings: { require_mfa: 'yes' } });
    await app.access.control.changed({ kind: 'tenant', tenantId });
    expect(app.access.control.requiresMfa(tenantId)).toBe(false);
    await setRequireMfa(app, tenantId, true);
    expect(await outcomes(bearer(memberToken), tenantId)).toEqual(mfaRequired);

    await setRequireMfa(app, tenantId, false);
    expect(await outcomes(bearer(memberToken), tenantId)).toEqual(allowed);
    expect((await withBearer(auth, `/tenants/${tenantId}/perm`, adminToken)).status).toBe(200);
  });

  it('forgets a deleted tenant', async () => {
    const auth = await start();
    const { app } = auth;
    const owner = await signUpVerified(new Browser(app), 'mfa-owner3@example.com');
    const tenantId = await tenantWith(app, owner.userId, []);
    await setRequireMfa(app, tenantId, true);
    await app.access.tenants.delete(tenantId);
    await app.access.control.changed({ kind: 'tenant', tenantId });
    expect(app.access.control.requiresMfa(tenantId)).toBe(false);
  });
});

const pgUrl = await postgresUrl();
const sharedRedis = await redisUrl();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!pgUrl || !sharedRedis)('require_mfa on two nodes sharing PostgreSQL and Redis', () => {
  let schema: Awaited<ReturnType<typeof freshPostgresSchemaUrl>>;
  let dataDir: string;
  let config: LiftConfigInput;
  const nodes: LiftApp[] = [];

  async function node(): Promise<LiftApp> {
    const app = createLift(config);
    guardedRoutes(app);
    await app.start({ bootstrapAdmin: false });
    nodes.push(app);
    return app;
  }

  beforeAll(async () => {
    schema = await freshPostgresSchemaUrl('access_require_mfa');
    dataDir = mkdtempSync(join(tmpdir(), 'lift-require-mfa-'));
    config = {
      env: 'test',
      dataDir,
      secret: randomBytes(32).toString('base64'),
      log: { level: 'silent' },
      mail: { url: 'memory:' },
      passwords: FAST_PASSWORDS,
      auth: { publicUrl: 'http://lift.test' },
      storage: { url: schema.url, kv: sharedRedis!, broker: sharedRedis! },
      // A long cache lifetime: what node B learns must come through the broker.
      sessions: { store: 'redis', cacheTtlMs: 60_000 },
    };
  });

  afterAll(async () => {
    for (const app of nodes) await app.close();
    await schema?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** Milliseconds until `GET path` on `browser` answers `status`, polling every 25 ms (gives up after 5 s). */
  async function msUntil(browser: Browser, path: string, status: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      const response = await browser.request(path);
      await response.body?.cancel();
      const elapsed = Date.now() - started;
      if (response.status === status || elapsed > 5_000) return elapsed;
      await sleep(25);
    }
  }

  it('a change made on node A decides on node B within a second; a node started later knows it', async () => {
    const nodeA = await node();
    const nodeB = await node();
    const client = {
      ip: `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`,
      userAgent: 'Mozilla/5.0 Firefox/133.0',
    };
    const onA = new Browser(nodeA, client);
    const user = await signUpVerified(onA, `mfa-nodes-${randomBytes(4).toString('hex')}@example.com`);
    const tenantId = await tenantWith(nodeA, user.userId, []);
    // The active tenant, chosen on node A, travels with the session (Redis, backed by PostgreSQL).
    expect((await onA.post('/auth/tenant', { tenant_id: tenantId })).status).toBe(200);
    const onB = browserWithCookie(nodeB, onA.cookie, client);
    expect((await onB.request('/probe')).status).toBe(200);
    expect((await onB.request(`/tenants/${tenantId}/perm`)).status).toBe(200);

    await setRequireMfa(nodeA, tenantId, true);
    expect(await msUntil(onB, `/tenants/${tenantId}/perm`, 403)).toBeLessThan(1_000);
    expect((await problemOf(await onB.request('/probe'))).code).toBe('LIFT_MFA_REQUIRED');

    const nodeC = await node();
    const onC = browserWithCookie(nodeC, onA.cookie, client);
    expect((await problemOf(await onC.request('/probe'))).code).toBe('LIFT_MFA_REQUIRED');

    await setRequireMfa(nodeA, tenantId, false);
    expect(await msUntil(onB, `/tenants/${tenantId}/perm`, 200)).toBeLessThan(1_000);
    expect((await onB.request('/probe')).status).toBe(200);
  });
});
