import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { addTemplatePermissions } from '../../src/access/index.ts';
import { SqlRoleStore } from '../../src/access/stores/sql-role-store.ts';
import { liftMigrations } from '../../src/app/lift-migrations.ts';
import { requireAuth } from '../../src/core/authenticate.ts';
import { runMigrations } from '../../src/storage/migrations/migrator.ts';
import type { LiftTables } from '../../src/storage/ports.ts';
import { openSqlDatabase } from '../../src/storage/sql/open-sql-database.ts';
import { type AuthApp, startAuthApp } from '../support/auth-app.ts';
import { expectJson, expectProblem, patch, type RoleBody, signedIn, type User } from './roles-support.ts';

/**
 * Issue 10, item 13: a tenant's `owner` holds every permission within its tenant, present and future (the
 * app's own, declared after the tenant was made), but never a global one; `applyToExisting` carries an app
 * migration's template additions into existing tenants.
 */

let auth: AuthApp | undefined;
afterEach(async () => {
  await auth?.close();
  auth = undefined;
});

const PERMISSIONS = {
  'books:read': 'Read the tenant’s books.',
  'books:archive': 'Archive books.',
  'reports:export': { description: 'Export every tenant’s reports.', global: true },
};

async function booksApp(): Promise<AuthApp> {
  auth = await startAuthApp({}, undefined, { permissions: PERMISSIONS });
  const { app } = auth;
  const books = app.group('/tenants/:tenantId', requireAuth());
  books.group('/books', app.guards.requirePermission('books:read')).get('/', () => ({ books: [] }));
  books.group('/reports', app.guards.requirePermission('reports:export')).get('/', () => ({ reports: [] }));
  books.group('/users', app.guards.requirePermission('users:read')).get('/', () => ({ users: [] }));
  return auth;
}

/** `POST /tenants` over HTTP: the creator becomes owner. */
async function createTenant(owner: User, slug: string): Promise<string> {
  const body = await expectJson<{ tenant: { id: string } }>(
    await owner.browser.post('/tenants', { name: `Tenant ${slug}`, slug }),
    201,
  );
  return body.tenant.id;
}

async function tenantRole(user: User, tenantId: string, name: string): Promise<RoleBody> {
  const body = await expectJson<{ roles: RoleBody[] }>(
    await user.browser.request(`/tenants/${tenantId}/roles`),
    200,
  );
  const role = body.roles.find((candidate) => candidate.name === name);
  if (role === undefined) throw new Error(`no role ${name}`);
  return role;
}

describe('a tenant owner and the app’s own permissions', () => {
  it('holds every tenant permission of the app, and may hand it to the tenant’s roles', async () => {
    const env = await booksApp();
    const owner = await signedIn(env, 'books-owner@example.com');
    const stranger = await signedIn(env, 'books-stranger@example.com');
    const tenantId = await createTenant(owner, 'books');

    await expectJson(await owner.browser.request(`/tenants/${tenantId}/books`), 200);
    await expectProblem(
      await stranger.browser.request(`/tenants/${tenantId}/books`),
      403,
      'LIFT_PERMISSION_DENIED',
    );

    const member = await tenantRole(owner, tenantId, 'member');
    const updated = await expectJson<{ role: RoleBody }>(
      await patch(owner.browser, `/tenants/${tenantId}/roles/${member.id}`, {
        permissions: [...member.permissions, 'books:read', 'books:archive'],
      }),
      200,
    );
    expect(updated.role.permissions).toEqual(expect.arrayContaining(['books:read', 'books:archive']));
  });

  it('never holds a global permission through the tenant, not even with its *', async () => {
    const env = await booksApp();
    const owner = await signedIn(env, 'global-owner@example.com');
    const tenantId = await createTenant(owner, 'global');
    const refused = await expectProblem(
      await owner.browser.request(`/tenants/${tenantId}/reports`),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    expect(refused.detail).toContain('reports:export');
    await expectProblem(
      await owner.browser.request(`/tenants/${tenantId}/users`),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    await expectProblem(await owner.browser.request('/admin/api/users'), 403, 'LIFT_PERMISSION_DENIED');
  });

  it('keeps the owner’s *: narrowing the owner role is refused', async () => {
    const env = await booksApp();
    const owner = await signedIn(env, 'keep-owner@example.com');
    const tenantId = await createTenant(owner, 'keep');
    const role = await tenantRole(owner, tenantId, 'owner');
    expect(role.permissions).toContain('*');
    await expectProblem(
      await patch(owner.browser, `/tenants/${tenantId}/roles/${role.id}`, { permissions: ['tenant:*'] }),
      409,
      'LIFT_ROLE_PROTECTED',
    );
  });

  it('applyToExisting adds a template permission to existing tenants’ roles too', async () => {
    const env = await booksApp();
    const { app } = env;
    const owner = await signedIn(env, 'apply-owner@example.com');
    const reader = await signedIn(env, 'apply-member@example.com');
    const before = await createTenant(owner, 'before');
    const member = await tenantRole(owner, before, 'member');
    await app.access.memberships.add(before, reader.userId);
    const subject = { type: 'user' as const, id: reader.userId };
    await app.access.grants.add({ subject, roleId: member.id, tenantId: before });
    await app.access.control.changed({ kind: 'grant', tenantId: before, subjects: [subject] });
    await expectProblem(
      await reader.browser.request(`/tenants/${before}/books`),
      403,
      'LIFT_PERMISSION_DENIED',
    );

    // Without applyToExisting only later tenants get it; with it, the existing tenant's member role too.
    await addTemplatePermissions(app.storage.sql.db, { member: ['books:read'] });
    await app.access.control.reload();
    await expectProblem(
      await reader.browser.request(`/tenants/${before}/books`),
      403,
      'LIFT_PERMISSION_DENIED',
    );
    await addTemplatePermissions(app.storage.sql.db, { member: ['books:read'] }, { applyToExisting: true });
    await app.access.control.reload();
    await expectJson(await reader.browser.request(`/tenants/${before}/books`), 200);
    expect((await tenantRole(owner, before, 'member')).permissions).toContain('books:read');

    const after = await createTenant(owner, 'after');
    expect((await tenantRole(owner, after, 'member')).permissions).toContain('books:read');
  });
});

describe('migration 0010 on an existing database', () => {
  it('gives the owner template and the owners of existing tenants *', async () => {
    const database = openSqlDatabase('sqlite::memory:', { poolSize: 1 });
    try {
      const upTo0008 = { name: 'lift', migrations: liftMigrations.migrations.slice(0, 8) };
      expect(upTo0008.migrations.at(-1)?.name).toBe('0008_default_roles');
      await runMigrations(database, [upTo0008]);
      const roles = new SqlRoleStore(database);
      const template = (await roles.list({ scope: 'template' })).find((role) => role.name === 'owner');
      // As 0008 seeded it, and as tenants made before 0009 copied it.
      const db = database.db as unknown as Kysely<LiftTables>;
      await db
        .updateTable('lift_roles')
        .set({ permissions: JSON.stringify(['tenant:*']) })
        .where('id', '=', template?.id ?? '')
        .execute();
      const old = await roles.create({
        owner: { scope: 'tenant', tenantId: 'old-tenant' },
        name: 'owner',
        permissions: ['tenant:*'],
      });
      const result = await runMigrations(database, [liftMigrations]);
      expect(result.applied).toContain('lift/0010_tenant_owner_holds_every_permission');
      const owner = await roles.get({ scope: 'tenant', tenantId: 'old-tenant' }, old.id);
      expect(owner?.permissions).toEqual(['tenant:*', '*']);
      const migrated = await roles.get({ scope: 'template' }, template?.id ?? '');
      expect(migrated?.permissions).toContain('*');
    } finally {
      await database.close();
    }
  });
});
