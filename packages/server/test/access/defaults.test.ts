import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { GLOBAL } from '../../src/access/access-scope.ts';
import { DEFAULT_TENANT_TEMPLATES, SYSTEM_ADMIN_ROLE } from '../../src/access/default-roles.ts';
import { addTemplatePermissions } from '../../src/access/index.ts';
import { SqlGrantStore } from '../../src/access/stores/sql-grant-store.ts';
import { SqlRoleStore } from '../../src/access/stores/sql-role-store.ts';
import { liftMigrations } from '../../src/app/lift-migrations.ts';
import { requireAuth } from '../../src/core/authenticate.ts';
import { runMigrations } from '../../src/storage/migrations/migrator.ts';
import { openSqlDatabase } from '../../src/storage/sql/open-sql-database.ts';
import { signUpVerified } from '../sessions/verified-user.ts';
import { type AuthApp, Browser, startAuthApp } from '../support/auth-app.ts';
import { migratedSqlTargets } from '../support/stores.ts';

/**
 * The roles every database starts with (migration 0008), what creating a tenant makes of them, `requireRole`,
 * and the admin API checked by global permissions.
 */

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function problem(response: Response): Promise<{ code?: string; detail?: string }> {
  return (await response.json()) as { code?: string; detail?: string };
}

for (const target of await migratedSqlTargets('access_defaults')) {
  describe(`default roles on ${target.name}`, () => {
    it('seeds the system admin with * and the templates owner ⊃ admin ⊃ member ⊃ viewer', async () => {
      const { database, close } = await target.open();
      try {
        const roles = new SqlRoleStore(database);
        const system = await roles.list({ scope: 'system' });
        expect(system.map((role) => [role.name, role.permissions])).toEqual([[SYSTEM_ADMIN_ROLE, ['*']]]);
        const templates = await roles.list({ scope: 'template' });
        const byName = new Map(templates.map((role) => [role.name, role]));
        expect([...byName.keys()].sort()).toEqual(['admin', 'member', 'owner', 'viewer']);
        expect(byName.get('owner')?.inherits).toEqual([byName.get('admin')?.id]);
        expect(byName.get('admin')?.inherits).toEqual([byName.get('member')?.id]);
        expect(byName.get('member')?.inherits).toEqual([byName.get('viewer')?.id]);
        expect(byName.get('viewer')?.inherits).toEqual([]);
        for (const template of DEFAULT_TENANT_TEMPLATES) {
          expect(byName.get(template.name)?.permissions).toEqual(template.permissions);
        }
      } finally {
        await close();
      }
    });

    it('adds app permissions to templates, keeping theirs, and refuses unknown templates', async () => {
      const { database, close } = await target.open();
      try {
        await addTemplatePermissions(database.db, { viewer: ['notes:read'], member: ['notes:update:own'] });
        await addTemplatePermissions(database.db, { viewer: ['notes:read'] });
        const templates = await new SqlRoleStore(database).list({ scope: 'template' });
        const viewer = templates.find((role) => role.name === 'viewer');
        expect(viewer?.permissions).toEqual(['tenant:read', 'members:read', 'notes:read']);
        await expect(addTemplatePermissions(database.db, { auditor: ['notes:read'] })).rejects.toThrow(
          /no role template named "auditor"/,
        );
        await expect(addTemplatePermissions(database.db, { viewer: ['Notes Read'] })).rejects.toThrow();
      } finally {
        await close();
      }
    });
  });
}

describe('migration 0008 on an existing database', () => {
  it('turns lift_system_roles admins into global grants of the system admin role', async () => {
    // A fresh in-memory database migrated only up to 0007, then given an admin the old way.
    const database = openSqlDatabase('sqlite::memory:', { poolSize: 1 });
    try {
      const upTo0007 = { name: 'lift', migrations: liftMigrations.migrations.slice(0, 7) };
      expect(upTo0007.migrations.at(-1)?.name).toBe('0007_create_access');
      await runMigrations(database, [upTo0007]);
      const legacy = database.db as unknown as Kysely<{
        lift_system_roles: { user_id: string; role: string; created_at: number };
      }>;
      await legacy
        .insertInto('lift_system_roles')
        .values({ user_id: 'old-admin', role: 'admin', created_at: 1 })
        .execute();
      const result = await runMigrations(database, [liftMigrations]);
      expect(result.applied).toContain('lift/0008_default_roles');
      const admin = (await new SqlRoleStore(database).list({ scope: 'system' }))[0];
      const grants = await new SqlGrantStore(database).listBySubject({ type: 'user', id: 'old-admin' }, null);
      expect(grants.map((grant) => [grant.roleId, grant.tenantId])).toEqual([[admin?.id, null]]);
      await expect(legacy.selectFrom('lift_system_roles').selectAll().execute()).rejects.toThrow();
    } finally {
      await database.close();
    }
  });
});

describe('creating a tenant', () => {
  it('copies the templates into the tenant with their inheritance and makes the creator owner', async () => {
    env = await startAuthApp();
    const { app } = env;
    const browser = new Browser(app, { ip: '203.0.113.10' });
    const creator = await signUpVerified(browser, 'creator@example.com');
    const { tenant, roles } = await app.access.createTenant({
      name: 'Acme',
      slug: 'acme',
      createdBy: creator.userId,
    });
    const templates = await app.access.roles.list({ scope: 'template' });
    expect(roles.map((role) => role.name).sort()).toEqual(templates.map((role) => role.name).sort());
    const copies = new Map(roles.map((role) => [role.name, role]));
    for (const role of roles) {
      expect(role.scope).toBe('tenant');
      expect(role.tenantId).toBe(tenant.id);
      // Inheritance points at the tenant's own copies, never at the templates.
      for (const parent of role.inherits) expect(roles.map((copy) => copy.id)).toContain(parent);
    }
    expect(copies.get('owner')?.inherits).toEqual([copies.get('admin')?.id]);

    const principal = { type: 'user' as const, id: creator.userId, userId: creator.userId };
    const control = app.access.control;
    expect(control.can(principal, 'members:invite', tenant.id)).toBe(true);
    expect(control.can(principal, 'tenant:delete', tenant.id)).toBe(true);
    expect(control.can(principal, 'members:invite', GLOBAL)).toBe(false);
    expect(control.roleNames(principal, tenant.id)).toEqual(['admin', 'member', 'owner', 'viewer']);
    expect(await app.access.memberships.isMember(tenant.id, creator.userId)).toBe(true);

    // Another tenant's creator holds nothing in this one.
    const other = await signUpVerified(new Browser(app, { ip: '203.0.113.11' }), 'other@example.com');
    const { tenant: second } = await app.access.createTenant({
      name: 'Globex',
      slug: 'globex',
      createdBy: other.userId,
    });
    expect(control.can(principal, 'tenant:read', second.id)).toBe(false);
    expect(control.roleNames(principal, second.id)).toEqual([]);
  });

  it('deletes the half-made tenant when a step after the insert fails', async () => {
    env = await startAuthApp();
    const { app } = env;
    // A template inheriting a role id that does not exist makes the copy fail.
    await app.storage.sql.db
      .updateTable('lift_roles')
      .set({ inherits: JSON.stringify(['missing-role']) })
      .where('scope', '=', 'template')
      .where('name', '=', 'viewer')
      .execute();
    await expect(
      app.access.createTenant({ name: 'Broken', slug: 'broken', createdBy: 'u1' }),
    ).rejects.toThrow();
    expect(await app.access.tenants.getBySlug('broken')).toBeNull();
    const rows = await app.storage.sql.db
      .selectFrom('lift_roles')
      .select('id')
      .where('scope', '=', 'tenant')
      .execute();
    expect(rows).toEqual([]);
  });
});

describe('requireRole and the admin API permissions', () => {
  it('lets an owner through requireRole("admin") by inheritance, and refuses a viewer naming the role', async () => {
    env = await startAuthApp();
    const { app, events } = env;
    app
      .group('/tenants/:tenantId/settings-page', requireAuth(), app.guards.requireRole('admin'))
      .get('/', () => ({ ok: true }));
    const ownerBrowser = new Browser(app, { ip: '203.0.113.20' });
    const owner = await signUpVerified(ownerBrowser, 'owner@example.com');
    const { tenant, roles } = await app.access.createTenant({
      name: 'A',
      slug: 'a',
      createdBy: owner.userId,
    });
    const viewerBrowser = new Browser(app, { ip: '203.0.113.21' });
    const viewer = await signUpVerified(viewerBrowser, 'viewer@example.com');
    await app.access.memberships.add(tenant.id, viewer.userId);
    const viewerRole = roles.find((role) => role.name === 'viewer');
    const subject = { type: 'user' as const, id: viewer.userId };
    await app.access.grants.add({ subject, roleId: viewerRole!.id, tenantId: tenant.id });
    await app.access.control.changed({ kind: 'grant', tenantId: tenant.id, subjects: [subject] });

    expect((await ownerBrowser.request(`/tenants/${tenant.id}/settings-page`)).status).toBe(200);
    const refused = await viewerBrowser.request(`/tenants/${tenant.id}/settings-page`);
    expect(refused.status).toBe(403);
    const body = await problem(refused);
    expect(body.code).toBe('LIFT_ROLE_REQUIRED');
    expect(body.detail).toBe('This requires the role admin.');
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'access.denied',
        actor: viewer.userId,
        reason: 'missing_role',
        data: { roles: ['admin'], tenantId: tenant.id },
      }),
    );
  });

  it('checks /admin/api by global permission: a tenant owner naming their tenant is still refused', async () => {
    env = await startAuthApp();
    const { app } = env;
    const ownerBrowser = new Browser(app, { ip: '203.0.113.30' });
    const owner = await signUpVerified(ownerBrowser, 'owner@example.com');
    const { tenant } = await app.access.createTenant({ name: 'A', slug: 'a', createdBy: owner.userId });
    // Give the tenant's owner role every permission: still nothing outside the tenant.
    const ownerRole = (await app.access.roles.list({ scope: 'tenant', tenantId: tenant.id })).find(
      (role) => role.name === 'owner',
    );
    await app.access.roles.update({ scope: 'tenant', tenantId: tenant.id }, ownerRole!.id, {
      permissions: ['*'],
    });
    await app.access.control.changed({
      kind: 'role',
      owner: { scope: 'tenant', tenantId: tenant.id },
      ids: [ownerRole!.id],
    });
    const refused = await ownerBrowser.request('/admin/api/users', { headers: { 'x-tenant-id': tenant.id } });
    expect(refused.status).toBe(403);
    expect((await problem(refused)).detail).toBe('This requires the permission users:read.');

    const adminBrowser = new Browser(app, { ip: '203.0.113.31' });
    const admin = await signUpVerified(adminBrowser, 'admin@example.com');
    await app.identity.roles.grant(admin.userId, 'admin');
    expect((await adminBrowser.request('/admin/api/users')).status).toBe(200);
    expect(await app.identity.roles.rolesOf(admin.userId)).toEqual(['admin']);
    const view = (await (await adminBrowser.request(`/admin/api/users/${admin.userId}`)).json()) as {
      roles: string[];
    };
    expect(view.roles).toEqual(['admin']);
  });
});
