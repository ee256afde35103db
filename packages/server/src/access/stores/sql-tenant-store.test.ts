import { describe, expect, it } from 'vitest';
import { migratedSqlTargets, type OpenSql } from '../../../test/support/stores.ts';
import { ManualClock } from '../../core/clock.ts';
import type { SqlDatabase } from '../../storage/ports.ts';
import { SqlGrantStore } from './sql-grant-store.ts';
import { SqlInvitationStore } from './sql-invitation-store.ts';
import { SqlMembershipStore } from './sql-membership-store.ts';
import { SqlRoleStore } from './sql-role-store.ts';
import { SqlTenantStore } from './sql-tenant-store.ts';

const START = Date.UTC(2026, 0, 1);

function stores({ database, close }: OpenSql) {
  const clock = new ManualClock(START);
  return {
    database,
    clock,
    close,
    tenants: new SqlTenantStore(database, { clock }),
    members: new SqlMembershipStore(database, { clock }),
    roles: new SqlRoleStore(database, { clock }),
    grants: new SqlGrantStore(database, { clock }),
    invitations: new SqlInvitationStore(database, { clock }),
  };
}

async function count(
  database: SqlDatabase,
  table: 'lift_memberships' | 'lift_grants' | 'lift_invitations' | 'lift_roles',
  tenantId: string | null,
) {
  let query = database.db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n'));
  query = tenantId === null ? query.where('tenant_id', 'is', null) : query.where('tenant_id', '=', tenantId);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}

for (const target of await migratedSqlTargets('tenants', { withoutDefaultRoles: true })) {
  describe(`SqlTenantStore on ${target.name}`, () => {
    it('creates a tenant with its creator as the first member, found by id and any casing of its slug', async () => {
      const { tenants, members, close } = stores(await target.open());
      const tenant = await tenants.create({
        name: ' Acme ',
        slug: 'Acme-Corp',
        settings: { require_mfa: false },
        createdBy: 'user-1',
      });
      expect(tenant).toEqual({
        id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        name: 'Acme',
        slug: 'acme-corp',
        settings: { require_mfa: false },
        createdBy: 'user-1',
        createdAt: new Date(START),
        updatedAt: new Date(START),
      });
      expect(await tenants.get(tenant.id)).toEqual(tenant);
      expect(await tenants.getBySlug(' ACME-corp')).toEqual(tenant);
      expect(await tenants.getBySlug('other')).toBeNull();
      expect(await tenants.get('missing')).toBeNull();
      expect(await members.isMember(tenant.id, 'user-1')).toBe(true);
      expect(await tenants.listForUser('user-1')).toEqual([tenant]);
      expect(await tenants.listForUser('user-2')).toEqual([]);
      await close();
    });

    it('refuses a taken slug on create and on update with LIFT_TENANT_SLUG_TAKEN, and a malformed one', async () => {
      const { tenants, database, close } = stores(await target.open());
      await tenants.create({ name: 'Acme', slug: 'acme', createdBy: 'user-1' });
      await expect(
        tenants.create({ name: 'Other', slug: 'ACME', createdBy: 'user-2' }),
      ).rejects.toMatchObject({
        code: 'LIFT_TENANT_SLUG_TAKEN',
        status: 409,
      });
      // The failed create left no membership behind.
      expect(await tenants.listForUser('user-2')).toEqual([]);
      const other = await tenants.create({ name: 'Other', slug: 'other', createdBy: 'user-2' });
      await expect(tenants.update(other.id, { slug: 'Acme' })).rejects.toMatchObject({
        code: 'LIFT_TENANT_SLUG_TAKEN',
      });
      expect((await tenants.get(other.id))?.slug).toBe('other');
      expect(await tenants.update(other.id, { slug: 'other' })).toMatchObject({ slug: 'other' });
      for (const slug of ['', '-acme', 'acme-', 'a b', 'a'.repeat(64), 'ünï']) {
        await expect(tenants.create({ name: 'X', slug, createdBy: 'user-3' })).rejects.toMatchObject({
          code: 'LIFT_VALIDATION_FAILED',
          issues: [expect.objectContaining({ path: 'slug' })],
        });
      }
      await expect(tenants.create({ name: '  ', slug: 'x', createdBy: 'user-3' })).rejects.toMatchObject({
        issues: [expect.objectContaining({ path: 'name' })],
      });
      await expect(
        database.db
          .insertInto('lift_tenants')
          .values({
            id: 'dup',
            name: 'Dup',
            slug: 'acme',
            settings: '{}',
            created_by: 'u',
            created_at: 0,
            updated_at: 0,
          })
          .execute(),
      ).rejects.toThrow();
      await close();
    });

    it('updates name and settings, moving updatedAt, and returns null for an unknown tenant', async () => {
      const { tenants, clock, close } = stores(await target.open());
      const tenant = await tenants.create({ name: 'Acme', slug: 'acme', createdBy: 'user-1' });
      expect(tenant.settings).toEqual({});
      clock.advance(1_000);
      const updated = await tenants.update(tenant.id, { name: 'Acme Inc', settings: { require_mfa: true } });
      expect(updated).toEqual({
        ...tenant,
        name: 'Acme Inc',
        settings: { require_mfa: true },
        updatedAt: new Date(START + 1_000),
      });
      expect(await tenants.get(tenant.id)).toEqual(updated);
      expect(await tenants.update('missing', { name: 'X' })).toBeNull();
      expect(await tenants.update('missing', { slug: 'free' })).toBeNull();
      await close();
    });

    it('lists only the tenants the user belongs to, oldest membership first', async () => {
      const { tenants, members, clock, close } = stores(await target.open());
      const a = await tenants.create({ name: 'A', slug: 'a', createdBy: 'user-1' });
      clock.advance(1);
      const b = await tenants.create({ name: 'B', slug: 'b', createdBy: 'user-2' });
      clock.advance(1);
      await members.add(b.id, 'user-1');
      expect((await tenants.listForUser('user-1')).map((tenant) => tenant.slug)).toEqual(['a', 'b']);
      expect((await tenants.listForUser('user-2')).map((tenant) => tenant.id)).toEqual([b.id]);
      expect(a.id).not.toBe(b.id);
      await close();
    });

    it("deletes a tenant with its memberships, grants, invitations and roles, and nothing of another tenant's", async () => {
      const { tenants, members, roles, grants, invitations, database, close } = stores(await target.open());
      const a = await tenants.create({ name: 'A', slug: 'a', createdBy: 'user-1' });
      const b = await tenants.create({ name: 'B', slug: 'b', createdBy: 'user-1' });
      const system = await roles.create({ owner: { scope: 'system' }, name: 'admin', permissions: ['*'] });
      for (const tenant of [a, b]) {
        await members.add(tenant.id, 'user-2');
        const editor = await roles.create({
          owner: { scope: 'tenant', tenantId: tenant.id },
          name: 'editor',
        });
        await grants.add({ subject: { type: 'user', id: 'user-2' }, roleId: editor.id, tenantId: tenant.id });
        await grants.add({ subject: { type: 'user', id: 'user-2' }, roleId: system.id, tenantId: tenant.id });
        await invitations.issue({ tenantId: tenant.id, email: 'eve@example.com', invitedBy: 'user-1' });
      }
      await grants.add({ subject: { type: 'user', id: 'user-2' }, roleId: system.id, tenantId: null });

      expect(await tenants.delete(a.id)).toBe(true);
      expect(await tenants.delete(a.id)).toBe(false);
      expect(await tenants.get(a.id)).toBeNull();
      for (const table of ['lift_memberships', 'lift_grants', 'lift_invitations', 'lift_roles'] as const) {
        expect(await count(database, table, a.id)).toBe(0);
      }
      expect(await count(database, 'lift_memberships', b.id)).toBe(2);
      expect(await count(database, 'lift_grants', b.id)).toBe(2);
      expect(await count(database, 'lift_invitations', b.id)).toBe(1);
      expect(await count(database, 'lift_roles', b.id)).toBe(1);
      expect(await roles.get({ scope: 'system' }, system.id)).toEqual(system);
      expect(await grants.listBySubject({ type: 'user', id: 'user-2' }, null)).toHaveLength(1);
      expect(await tenants.listForUser('user-1')).toEqual([b]);
      await close();
    });
  });
}
