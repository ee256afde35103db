import { afterEach, describe, expect, it } from 'vitest';
import { GLOBAL } from '../../src/access/access-scope.ts';
import { type AuthApp, Browser } from '../support/auth-app.ts';
import { type FreshPostgresSchema, freshPostgresSchemaUrl, postgresUrl } from '../support/services.ts';
import {
  del,
  eventLike,
  eventsOf,
  expectJson,
  expectProblem,
  type GrantBody,
  patch,
  type RoleBody,
  signedIn,
  startRolesApp,
  systemAdmin,
  tenantOf,
} from './roles-support.ts';

/** `/admin/api/roles` and `/admin/api/grants` over HTTP, as a system admin, a plain user and a half-admin. */

let auth: AuthApp | undefined;
let schema: FreshPostgresSchema | undefined;
afterEach(async () => {
  await auth?.close();
  await schema?.drop();
  auth = undefined;
  schema = undefined;
});

const pg = await postgresUrl();
const databases: Array<[string, () => Promise<AuthApp>]> = [['SQLite', () => startRolesApp()]];
if (pg) {
  databases.push([
    'PostgreSQL',
    async () => {
      schema = await freshPostgresSchemaUrl('roles_admin');
      return startRolesApp({ storage: { url: schema.url } });
    },
  ]);
}

describe.each(databases)('role CRUD on %s', (_name, start) => {
  it('creates, lists, reads, updates and deletes a system role, with events naming the admin', async () => {
    auth = await start();
    const admin = await systemAdmin(auth);
    const created = await expectJson<{ role: RoleBody }>(
      await admin.browser.post('/admin/api/roles', {
        scope: 'system',
        name: 'auditor',
        description: 'Reads users.',
        permissions: ['users:read'],
      }),
      201,
    );
    expect(created.role).toMatchObject({
      scope: 'system',
      tenant_id: null,
      name: 'auditor',
      description: 'Reads users.',
      permissions: ['users:read'],
      inherits: [],
    });
    const id = created.role.id;
    const reader = await expectJson<{ role: RoleBody }>(
      await admin.browser.post('/admin/api/roles', {
        scope: 'system',
        name: 'support',
        permissions: ['sessions:revoke'],
        inherits: ['auditor'],
      }),
      201,
    );
    expect(reader.role.inherits).toEqual([id]);

    const list = await expectJson<{ roles: RoleBody[] }>(
      await admin.browser.request('/admin/api/roles'),
      200,
    );
    expect(list.roles.map((role) => role.name)).toEqual(['admin', 'auditor', 'support']);
    const templates = await expectJson<{ roles: RoleBody[] }>(
      await admin.browser.request('/admin/api/roles?scope=template'),
      200,
    );
    expect(templates.roles.map((role) => role.name).sort()).toEqual(['admin', 'member', 'owner', 'viewer']);
    expect(
      (await expectJson<{ role: RoleBody }>(await admin.browser.request(`/admin/api/roles/${id}`), 200)).role,
    ).toEqual(created.role);

    const updated = await expectJson<{ role: RoleBody }>(
      await patch(admin.browser, `/admin/api/roles/${id}`, {
        name: 'auditors',
        permissions: ['users:read', 'grants:read'],
      }),
      200,
    );
    expect(updated.role).toMatchObject({ id, name: 'auditors', permissions: ['users:read', 'grants:read'] });

    expect((await del(admin.browser, `/admin/api/roles/${id}`)).status).toBe(204);
    await expectProblem(await admin.browser.request(`/admin/api/roles/${id}`), 404, 'LIFT_NOT_FOUND');
    await expectProblem(await del(admin.browser, `/admin/api/roles/${id}`), 404, 'LIFT_NOT_FOUND');
    // The deleted role leaves the inheritance of the one that named it.
    const after = await expectJson<{ role: RoleBody }>(
      await admin.browser.request(`/admin/api/roles/${reader.role.id}`),
      200,
    );
    expect(after.role.inherits).toEqual([]);

    for (const type of ['role.created', 'role.updated', 'role.deleted']) {
      const event = await eventLike(auth, (candidate) => candidate.type === type);
      expect(event.actor).toBe(admin.userId);
    }
    expect(eventsOf(auth, 'role.updated')[0]?.data).toMatchObject({
      roleId: id,
      changed: ['name', 'permissions'],
    });
  });

  it('creates a tenant role for a tenant and refuses a tenant role without one', async () => {
    auth = await start();
    auth.app.permissions.declare({ 'notes:write': 'Write notes' });
    const admin = await systemAdmin(auth);
    const tenant = await tenantOf(auth, admin, 'acme');
    const created = await expectJson<{ role: RoleBody }>(
      await admin.browser.post('/admin/api/roles', {
        scope: 'tenant',
        tenant_id: tenant.id,
        name: 'editor',
        permissions: ['notes:write'],
        inherits: ['member'],
      }),
      201,
    );
    expect(created.role).toMatchObject({
      scope: 'tenant',
      tenant_id: tenant.id,
      inherits: [tenant.roles.get('member')],
    });
    const list = await expectJson<{ roles: RoleBody[] }>(
      await admin.browser.request(`/admin/api/roles?scope=tenant&tenant_id=${tenant.id}`),
      200,
    );
    expect(list.roles.map((role) => role.name)).toEqual(['admin', 'editor', 'member', 'owner', 'viewer']);
    const implied = await expectJson<{ roles: RoleBody[] }>(
      await admin.browser.request(`/admin/api/roles?tenant_id=${tenant.id}`),
      200,
    );
    expect(implied.roles).toEqual(list.roles);
    await expectProblem(
      await admin.browser.request(`/admin/api/roles?scope=system&tenant_id=${tenant.id}`),
      400,
      'LIFT_VALIDATION_FAILED',
    );
    await expectProblem(
      await admin.browser.post('/admin/api/roles', { scope: 'tenant', name: 'x' }),
      400,
      'LIFT_VALIDATION_FAILED',
    );
    await expectProblem(
      await admin.browser.post('/admin/api/roles', { scope: 'tenant', tenant_id: 'nope', name: 'x' }),
      400,
      'LIFT_VALIDATION_FAILED',
    );
  });
});

describe('role rules', () => {
  it('refuses an inheritance cycle and names it', async () => {
    auth = await startRolesApp();
    const admin = await systemAdmin(auth);
    const ids: string[] = [];
    for (const [name, inherits] of [
      ['a', []],
      ['b', ['a']],
      ['c', ['b']],
    ] as const) {
      const body = await expectJson<{ role: RoleBody }>(
        await admin.browser.post('/admin/api/roles', { scope: 'system', name, inherits }),
        201,
      );
      ids.push(body.role.id);
    }
    const problem = await expectProblem(
      await patch(admin.browser, `/admin/api/roles/${ids[0]}`, { inherits: ['c'] }),
      409,
      'LIFT_ROLE_CYCLE',
    );
    expect(problem.detail).toContain('a → c → b → a');
    expect(problem.path).toEqual(['a', 'c', 'b', 'a']);
    const self = await expectProblem(
      await patch(admin.browser, `/admin/api/roles/${ids[1]}`, { inherits: [ids[1]] }),
      409,
      'LIFT_ROLE_CYCLE',
    );
    expect(self.path).toEqual(['b', 'b']);
    // Nothing changed.
    const a = await expectJson<{ role: RoleBody }>(
      await admin.browser.request(`/admin/api/roles/${ids[0]}`),
      200,
    );
    expect(a.role.inherits).toEqual([]);
  });

  it('refuses malformed permissions, invisible inherits, and deleting or renaming a protected role', async () => {
    auth = await startRolesApp();
    const admin = await systemAdmin(auth);
    const tenant = await tenantOf(auth, admin, 'acme');
    const malformed = await expectProblem(
      await admin.browser.post('/admin/api/roles', {
        scope: 'system',
        name: 'x',
        permissions: ['Notes:Read'],
      }),
      400,
      'LIFT_PERMISSION_INVALID',
    );
    expect(malformed.detail).toContain('Notes:Read');
    await expectProblem(
      await admin.browser.post('/admin/api/roles', {
        scope: 'system',
        name: 'x',
        inherits: [tenant.roles.get('admin')],
      }),
      400,
      'LIFT_VALIDATION_FAILED',
    );
    const systemAdminRole = (await auth.app.access.systemRole('admin'))!;
    await expectProblem(
      await del(admin.browser, `/admin/api/roles/${systemAdminRole.id}`),
      409,
      'LIFT_ROLE_PROTECTED',
    );
    await expectProblem(
      await patch(admin.browser, `/admin/api/roles/${systemAdminRole.id}`, { name: 'root' }),
      409,
      'LIFT_ROLE_PROTECTED',
    );
    const owner = tenant.roles.get('owner')!;
    await expectProblem(await del(admin.browser, `/admin/api/roles/${owner}`), 409, 'LIFT_ROLE_PROTECTED');
    // Its description may change.
    await expectJson(
      await patch(admin.browser, `/admin/api/roles/${owner}`, { description: 'The boss.' }),
      200,
    );
  });

  it('lets a holder of roles:write and grants:write hand out only what they hold', async () => {
    auth = await startRolesApp();
    const admin = await systemAdmin(auth);
    const delegate = await expectJson<{ role: RoleBody }>(
      await admin.browser.post('/admin/api/roles', {
        scope: 'system',
        name: 'role-admin',
        permissions: ['roles:*', 'grants:*', 'users:read'],
      }),
      201,
    );
    const half = await signedIn(auth, 'half@example.com');
    await expectJson(
      await admin.browser.post('/admin/api/grants', {
        subject: { type: 'user', id: half.userId },
        role_id: delegate.role.id,
        tenant_id: null,
      }),
      201,
    );
    await expectJson(
      await half.browser.post('/admin/api/roles', {
        scope: 'system',
        name: 'reader',
        permissions: ['users:read'],
      }),
      201,
    );
    const refused = await expectProblem(
      await half.browser.post('/admin/api/roles', { scope: 'system', name: 'root', permissions: ['*'] }),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    expect(refused.detail).toContain('*');
    await expectProblem(
      await half.browser.post('/admin/api/roles', { scope: 'system', name: 'root', inherits: ['admin'] }),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    // Granting (or revoking) the system admin role is handing out `*`.
    const adminRole = (await auth.app.access.systemRole('admin'))!;
    await expectProblem(
      await half.browser.post('/admin/api/grants', {
        subject: { type: 'user', id: half.userId },
        role_id: adminRole.id,
        tenant_id: null,
      }),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    const adminGrant = (await auth.app.access.grants.listByRole(adminRole.id, null))[0]!;
    await expectProblem(
      await del(half.browser, `/admin/api/grants/${adminGrant.id}`),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    expect(auth.app.access.control.can({ type: 'user', id: half.userId }, 'users:update', GLOBAL)).toBe(
      false,
    );
    const denied = await eventLike(auth, (event) => event.data?.action === 'delegate');
    expect(denied).toMatchObject({
      type: 'access.denied',
      actor: half.userId,
      data: { permission: '*', action: 'delegate' },
    });
  });
});

describe('admin API access', () => {
  it('answers 401 to anonymous callers and 403 to users without the global permission', async () => {
    auth = await startRolesApp();
    const admin = await systemAdmin(auth);
    const user = await signedIn(auth, 'user@example.com');
    // A tenant owner holds roles:* and grants:* in the tenant: that opens no /admin/api route.
    await tenantOf(auth, user, 'mine');
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/admin/api/roles'],
      ['POST', '/admin/api/roles', { scope: 'system', name: 'x' }],
      ['GET', '/admin/api/roles/some-id'],
      ['PATCH', '/admin/api/roles/some-id', { name: 'y' }],
      ['DELETE', '/admin/api/roles/some-id'],
      ['GET', `/admin/api/grants?subject_type=user&subject_id=${admin.userId}`],
      [
        'POST',
        '/admin/api/grants',
        { subject: { type: 'user', id: user.userId }, role_id: 'r', tenant_id: null },
      ],
      ['GET', '/admin/api/grants/some-id'],
      ['DELETE', '/admin/api/grants/some-id'],
      ['POST', '/admin/api/access/check', { subject: admin.userId, permission: 'users:read' }],
    ];
    const anonymous = new Browser(auth.app, { ip: '198.51.100.99' });
    for (const [method, path, json] of routes) {
      const init = json === undefined ? { method } : { method, json };
      await expectProblem(await anonymous.request(path, init), 401, 'LIFT_UNAUTHENTICATED');
      const forbidden = await expectProblem(
        await user.browser.request(path, init),
        403,
        'LIFT_PERMISSION_DENIED',
      );
      expect(forbidden.detail).toMatch(/requires the permission (roles|grants|access):/);
    }
    expect(eventsOf(auth, 'access.denied')).toHaveLength(routes.length);
    expect(eventsOf(auth, 'role.created')).toHaveLength(0);
    expect(eventsOf(auth, 'grant.created')).toHaveLength(0);
  });
});

describe('grants', () => {
  it('creates a grant that changes can() at once, lists it three ways, and deletes it by id', async () => {
    auth = await startRolesApp();
    const admin = await systemAdmin(auth);
    const user = await signedIn(auth, 'user@example.com');
    const tenant = await tenantOf(auth, admin, 'acme');
    const control = auth.app.access.control;
    const subject = { type: 'user' as const, id: user.userId };
    expect(control.can(subject, 'members:invite', tenant.id)).toBe(false);
    expect((await user.browser.request(`/tenants/${tenant.id}/roles`)).status).toBe(403);

    const body = { subject, role_id: tenant.roles.get('admin'), tenant_id: tenant.id };
    const created = await expectJson<{ grant: GrantBody }>(
      await admin.browser.post('/admin/api/grants', body),
      201,
    );
    expect(created.grant).toMatchObject({ ...body, created_by: admin.userId });
    expect(control.can(subject, 'members:invite', tenant.id)).toBe(true);
    expect(control.can(subject, 'members:invite', GLOBAL)).toBe(false);
    await expectJson(await user.browser.request(`/tenants/${tenant.id}/roles`), 200);
    // Again: the same grant, unchanged, and no second event.
    const again = await expectJson<{ grant: GrantBody }>(
      await admin.browser.post('/admin/api/grants', body),
      200,
    );
    expect(again.grant).toEqual(created.grant);

    const bySubject = await expectJson<{ grants: GrantBody[] }>(
      await admin.browser.request(
        `/admin/api/grants?subject_type=user&subject_id=${user.userId}&tenant_id=${tenant.id}`,
      ),
      200,
    );
    expect(bySubject.grants).toEqual([created.grant]);
    const byTenant = await expectJson<{ grants: GrantBody[] }>(
      await admin.browser.request(`/admin/api/grants?tenant_id=${tenant.id}`),
      200,
    );
    expect(byTenant.grants.map((grant) => grant.subject.id).sort()).toEqual(
      [admin.userId, user.userId].sort(),
    );
    const byRole = await expectJson<{ grants: GrantBody[] }>(
      await admin.browser.request(`/admin/api/grants?role_id=${body.role_id}&tenant_id=${tenant.id}`),
      200,
    );
    expect(byRole.grants).toEqual([created.grant]);
    await expectProblem(await admin.browser.request('/admin/api/grants'), 400, 'LIFT_VALIDATION_FAILED');
    expect(
      (
        await expectJson<{ grant: GrantBody }>(
          await admin.browser.request(`/admin/api/grants/${created.grant.id}`),
          200,
        )
      ).grant,
    ).toEqual(created.grant);

    expect((await del(admin.browser, `/admin/api/grants/${created.grant.id}`)).status).toBe(204);
    expect(control.can(subject, 'members:invite', tenant.id)).toBe(false);
    await expectProblem(
      await del(admin.browser, `/admin/api/grants/${created.grant.id}`),
      404,
      'LIFT_NOT_FOUND',
    );
    expect((await user.browser.request(`/tenants/${tenant.id}/roles`)).status).toBe(403);

    expect(eventsOf(auth, 'grant.created')).toHaveLength(1);
    const deleted = await eventLike(auth, (event) => event.type === 'grant.deleted');
    expect(deleted).toMatchObject({
      actor: admin.userId,
      subject: user.userId,
      data: { grantId: created.grant.id, roleId: body.role_id, tenantId: tenant.id },
    });
  });

  it("refuses another tenant's role, a tenant role granted globally, an unknown user and a missing scope", async () => {
    auth = await startRolesApp();
    const admin = await systemAdmin(auth);
    const user = await signedIn(auth, 'user@example.com');
    const a = await tenantOf(auth, admin, 'tenant-a');
    const b = await tenantOf(auth, admin, 'tenant-b');
    const subject = { type: 'user', id: user.userId };
    for (const body of [
      { subject, role_id: b.roles.get('viewer'), tenant_id: a.id },
      { subject, role_id: a.roles.get('viewer'), tenant_id: null },
      { subject: { type: 'user', id: 'nobody' }, role_id: a.roles.get('viewer'), tenant_id: a.id },
      { subject: { type: 'robot', id: 'r2' }, role_id: a.roles.get('viewer'), tenant_id: a.id },
      { subject, role_id: a.roles.get('viewer') },
    ]) {
      await expectProblem(await admin.browser.post('/admin/api/grants', body), 400, 'LIFT_VALIDATION_FAILED');
    }
    // An API key or a service may hold a role; the engine keeps them apart from users.
    const key = await expectJson<{ grant: GrantBody }>(
      await admin.browser.post('/admin/api/grants', {
        subject: { type: 'api_key', id: user.userId },
        role_id: a.roles.get('viewer'),
        tenant_id: a.id,
      }),
      201,
    );
    expect(key.grant.subject).toEqual({ type: 'api_key', id: user.userId });
    const control = auth.app.access.control;
    expect(control.can({ type: 'api_key', id: user.userId }, 'tenant:read', a.id)).toBe(true);
    expect(control.can({ type: 'user', id: user.userId }, 'tenant:read', a.id)).toBe(false);
  });
});
