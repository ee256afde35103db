import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpVerified } from '../sessions/verified-user.ts';
import { type AuthApp, Browser } from '../support/auth-app.ts';
import {
  decodeJwt,
  newClient,
  startTokenApp,
  type TokenPairBody,
  tokenLogin,
} from '../tokens/token-client.ts';

/**
 * Issue 10, item 1: `/admin/api/*` and `/auth/introspect` decide on global grants alone. A tenant owner with
 * that tenant active, a bearer token carrying `tid`, and the holder of a system role granted within one
 * tenant (with that tenant active) are each refused on every such route, which the walk takes from the app's
 * own route table so a new admin route cannot escape it.
 */

let auth: AuthApp;
let tenantA: string;
let tenantB: string;
let systemAdminRoleId: string;

/** Who calls: a session cookie or a bearer token. */
type Caller = { name: string; headers: () => Record<string, string>; browser: Browser };

const callers: Caller[] = [];

function systemRouteTable(): string[] {
  const prefix = auth.app.config.auth.adminPrefix;
  const introspect = `${auth.app.config.auth.prefix}/introspect`;
  const routes = auth.app.hono.routes
    .filter((route) => route.method !== 'ALL')
    .filter((route) => route.path.startsWith(`${prefix}/`) || route.path === introspect)
    .map((route) => `${route.method} ${route.path}`);
  return [...new Set(routes)].sort();
}

/** The route with each `:param` filled with an id of the other tenant's world (a guard runs before lookup). */
function concrete(path: string): string {
  return path.replace(/:[A-Za-z]+/g, 'x1');
}

async function send(caller: Caller, method: string, path: string): Promise<Response> {
  const json = method === 'GET' || method === 'DELETE' ? undefined : {};
  return caller.browser.request(path, { method, json, headers: caller.headers() });
}

beforeAll(async () => {
  auth = await startTokenApp();
  const access = auth.app.access;
  systemAdminRoleId = (await access.systemRole('admin'))?.id ?? '';
  expect(systemAdminRoleId).not.toBe('');

  // Someone else's tenant, whose owners must stay hidden.
  const other = await signUpVerified(new Browser(auth.app), 'other-owner@example.com');
  tenantB = (await access.createTenant({ name: 'Other', slug: 'other', createdBy: other.userId })).tenant.id;

  // 1. A plain user who creates a tenant over HTTP (and so owns it) and switches into it.
  const ownerBrowser = newClient(auth);
  await signUpVerified(ownerBrowser, 'tenant-owner@example.com');
  const created = await ownerBrowser.post('/tenants', { name: 'Mine', slug: 'mine' });
  expect(created.status, await created.clone().text()).toBe(201);
  tenantA = ((await created.json()) as { tenant: { id: string } }).tenant.id;
  const switched = await ownerBrowser.post('/auth/tenant', { tenant_id: tenantA });
  expect(switched.status, await switched.clone().text()).toBe(200);
  callers.push({ name: 'tenant owner with an active tenant', browser: ownerBrowser, headers: () => ({}) });

  // 2. A member of tenant A holding the system `admin` role granted within A only, with A active.
  const scopedBrowser = newClient(auth);
  const scoped = await signUpVerified(scopedBrowser, 'scoped-admin@example.com');
  const subject = { type: 'user' as const, id: scoped.userId };
  await access.memberships.add(tenantA, scoped.userId);
  await access.grants.add({ subject, roleId: systemAdminRoleId, tenantId: tenantA });
  await access.control.changed({ kind: 'grant', tenantId: tenantA, subjects: [subject] });
  const scopedSwitch = await scopedBrowser.post('/auth/tenant', { tenant_id: tenantA });
  expect(scopedSwitch.status, await scopedSwitch.clone().text()).toBe(200);
  callers.push({
    name: 'holder of a tenant-scoped grant of the system admin role',
    browser: scopedBrowser,
    headers: () => ({}),
  });

  // 3. The same tenant-scoped admin through a bearer token carrying `tid`.
  const login = await tokenLogin(auth, 'scoped-admin@example.com');
  const bearerSwitch = await newClient(auth).request('/auth/tenant', {
    method: 'POST',
    json: { tenant_id: tenantA },
    headers: { authorization: `Bearer ${login.access_token}` },
  });
  expect(bearerSwitch.status, await bearerSwitch.clone().text()).toBe(200);
  const pair = (await bearerSwitch.json()) as TokenPairBody;
  expect(decodeJwt(pair.access_token).claims.tid).toBe(tenantA);
  callers.push({
    name: 'bearer token with tid',
    browser: newClient(auth),
    headers: () => ({ authorization: `Bearer ${pair.access_token}` }),
  });
});

afterAll(async () => {
  await auth?.close();
});

describe('system endpoints count global grants only', () => {
  it('finds the admin routes and introspection in the route table', () => {
    const routes = systemRouteTable();
    for (const expected of [
      'GET /admin/api/roles',
      'GET /admin/api/grants',
      'GET /admin/api/users',
      'POST /admin/api/users/:id/disable',
      'POST /admin/api/users/:id/unlock',
      'POST /admin/api/keys/rotate',
      'POST /admin/api/access/check',
      'POST /auth/introspect',
    ])
      expect(routes).toContain(expected);
  });

  it('refuses every /admin/api route and /auth/introspect to tenant-scoped callers', async () => {
    const routes = systemRouteTable();
    for (const caller of callers) {
      for (const route of routes) {
        const [method, path] = route.split(' ') as [string, string];
        const response = await send(caller, method, concrete(path));
        const text = await response.text();
        expect(response.status, `${caller.name}: ${route} → ${text}`).toBe(403);
        expect(JSON.parse(text).code, `${caller.name}: ${route}`).toBe('LIFT_PERMISSION_DENIED');
      }
    }
  });

  it('reveals no system admin ids and no other tenant’s grants to them', async () => {
    for (const caller of callers) {
      for (const path of [
        `/admin/api/roles`,
        `/admin/api/grants?role_id=${systemAdminRoleId}`,
        `/admin/api/grants?tenant_id=${tenantB}`,
      ]) {
        const response = await send(caller, 'GET', path);
        expect(response.status, `${caller.name}: ${path}`).toBe(403);
      }
    }
  });

  it('still lets a global system admin in, so the refusals are about scope', async () => {
    const root = newClient(auth);
    const user = await signUpVerified(root, 'root-admin@example.com');
    await auth.app.access.grantSystemRole(user.userId);
    const roles = await root.request('/admin/api/roles');
    expect(roles.status, await roles.clone().text()).toBe(200);
    const grants = await root.request(`/admin/api/grants?tenant_id=${tenantB}`);
    expect(grants.status, await grants.clone().text()).toBe(200);
  });
});
