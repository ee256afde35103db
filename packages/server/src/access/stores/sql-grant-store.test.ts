import { describe, expect, it } from 'vitest';
import { migratedSqlTargets, type OpenSql } from '../../../test/support/stores.ts';
import { ManualClock } from '../../core/clock.ts';
import type { GrantSubject } from './grant-store.ts';
import { SqlGrantStore } from './sql-grant-store.ts';
import { SqlRoleStore } from './sql-role-store.ts';

const START = Date.UTC(2026, 0, 1);
const ADA: GrantSubject = { type: 'user', id: 'ada' };
const KEY: GrantSubject = { type: 'api_key', id: 'key-1' };

async function fixture({ database, close }: OpenSql) {
  const clock = new ManualClock(START);
  const roles = new SqlRoleStore(database, { clock });
  const admin = await roles.create({ owner: { scope: 'system' }, name: 'admin' });
  const editorA = await roles.create({ owner: { scope: 'tenant', tenantId: 'tenant-a' }, name: 'editor' });
  const editorB = await roles.create({ owner: { scope: 'tenant', tenantId: 'tenant-b' }, name: 'editor' });
  const template = await roles.create({ owner: { scope: 'template' }, name: 'viewer' });
  return {
    database,
    clock,
    close,
    grants: new SqlGrantStore(database, { clock }),
    admin,
    editorA,
    editorB,
    template,
  };
}

for (const target of await migratedSqlTargets('grants', { withoutDefaultRoles: true })) {
  describe(`SqlGrantStore on ${target.name}`, () => {
    it('adds a tenant grant and a global grant, each idempotently', async () => {
      const { grants, clock, admin, editorA, database, close } = await fixture(await target.open());
      const tenantGrant = await grants.add({
        subject: ADA,
        roleId: editorA.id,
        tenantId: 'tenant-a',
        createdBy: 'root',
      });
      expect(tenantGrant).toEqual({
        id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        subject: ADA,
        roleId: editorA.id,
        tenantId: 'tenant-a',
        createdBy: 'root',
        createdAt: new Date(START),
      });
      const global = await grants.add({ subject: ADA, roleId: admin.id, tenantId: null });
      expect(global).toMatchObject({ tenantId: null, createdBy: null });
      clock.advance(1_000);
      expect(await grants.add({ subject: ADA, roleId: editorA.id, tenantId: 'tenant-a' })).toEqual(
        tenantGrant,
      );
      // The case a NULL tenant_id would get wrong: a second global grant must not become a second row.
      expect(await grants.add({ subject: ADA, roleId: admin.id, tenantId: null })).toEqual(global);
      const rows = await database.db
        .selectFrom('lift_grants')
        .select(['tenant_id'])
        .orderBy('tenant_id')
        .execute();
      expect(rows.map((row) => row.tenant_id)).toEqual(['*', 'tenant-a']);
      await close();
    });

    it("refuses another tenant's role, a template, a tenant role granted globally and an unknown subject type", async () => {
      const { grants, editorA, editorB, template, close } = await fixture(await target.open());
      for (const input of [
        { roleId: editorB.id, tenantId: 'tenant-a' },
        { roleId: template.id, tenantId: 'tenant-a' },
        { roleId: editorA.id, tenantId: null },
        { roleId: 'missing', tenantId: 'tenant-a' },
      ]) {
        await expect(grants.add({ subject: ADA, ...input })).rejects.toMatchObject({
          code: 'LIFT_VALIDATION_FAILED',
          issues: [expect.objectContaining({ path: 'roleId' })],
        });
      }
      await expect(
        grants.add({
          subject: { type: 'robot' as 'user', id: 'r' },
          roleId: editorA.id,
          tenantId: 'tenant-a',
        }),
      ).rejects.toMatchObject({ issues: [expect.objectContaining({ path: 'subject.type' })] });
      await expect(grants.add({ subject: ADA, roleId: editorA.id, tenantId: '*' })).rejects.toMatchObject({
        issues: [expect.objectContaining({ path: 'tenantId' })],
      });
      expect(await grants.listByTenant('tenant-a')).toEqual([]);
      await close();
    });

    it("lists by subject (tenant plus global), by tenant and by role, never another tenant's", async () => {
      const { grants, clock, admin, editorA, editorB, close } = await fixture(await target.open());
      const a = await grants.add({ subject: ADA, roleId: editorA.id, tenantId: 'tenant-a' });
      clock.advance(1);
      const b = await grants.add({ subject: ADA, roleId: editorB.id, tenantId: 'tenant-b' });
      clock.advance(1);
      const global = await grants.add({ subject: ADA, roleId: admin.id, tenantId: null });
      clock.advance(1);
      const keyInA = await grants.add({ subject: KEY, roleId: admin.id, tenantId: 'tenant-a' });

      expect(await grants.listBySubject(ADA, 'tenant-a')).toEqual([a, global]);
      expect(await grants.listBySubject(ADA, 'tenant-b')).toEqual([b, global]);
      expect(await grants.listBySubject(ADA, null)).toEqual([global]);
      expect(await grants.listBySubject(ADA, 'tenant-c')).toEqual([global]);
      expect(await grants.listBySubject({ type: 'service', id: 'ada' }, 'tenant-a')).toEqual([]);
      expect(await grants.listByTenant('tenant-a')).toEqual([a, keyInA]);
      expect(await grants.listByTenant('tenant-b')).toEqual([b]);
      expect(await grants.listByRole(admin.id, 'tenant-a')).toEqual([keyInA]);
      expect(await grants.listByRole(admin.id, null)).toEqual([global]);
      expect(await grants.listByRole(editorA.id, 'tenant-b')).toEqual([]);
      await close();
    });

    it('removes exactly the grant named, global or in a tenant', async () => {
      const { grants, admin, close } = await fixture(await target.open());
      await grants.add({ subject: ADA, roleId: admin.id, tenantId: 'tenant-a' });
      const global = await grants.add({ subject: ADA, roleId: admin.id, tenantId: null });
      expect(await grants.remove({ subject: ADA, roleId: admin.id, tenantId: 'tenant-b' })).toBe(false);
      expect(await grants.remove({ subject: ADA, roleId: admin.id, tenantId: 'tenant-a' })).toBe(true);
      expect(await grants.listBySubject(ADA, 'tenant-a')).toEqual([global]);
      expect(await grants.remove({ subject: ADA, roleId: admin.id, tenantId: null })).toBe(true);
      expect(await grants.listBySubject(ADA, 'tenant-a')).toEqual([]);
      await close();
    });
  });
}
