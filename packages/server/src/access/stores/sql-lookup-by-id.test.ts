import { describe, expect, it } from 'vitest';
import { migratedSqlTargets } from '../../../test/support/stores.ts';
import { SqlGrantStore } from './sql-grant-store.ts';
import { SqlRoleStore } from './sql-role-store.ts';

/** The admin API's lookups by id alone: `RoleStore.findById` and `GrantStore.get`, on both dialects. */

for (const target of await migratedSqlTargets('lookups', { withoutDefaultRoles: true })) {
  describe(`lookups by id on ${target.name}`, () => {
    it('finds a role of any owner by id, and nothing for an unknown or deleted id', async () => {
      const { database, close } = await target.open();
      const roles = new SqlRoleStore(database);
      const system = await roles.create({ owner: { scope: 'system' }, name: 'auditor', permissions: ['*'] });
      const template = await roles.create({ owner: { scope: 'template' }, name: 'viewer' });
      const tenant = await roles.create({
        owner: { scope: 'tenant', tenantId: 'tenant-a' },
        name: 'editor',
        permissions: ['notes:write'],
        inherits: [system.id],
      });
      expect(await roles.findById(system.id)).toEqual(system);
      expect(await roles.findById(template.id)).toEqual(template);
      expect(await roles.findById(tenant.id)).toEqual(tenant);
      expect(await roles.findById('missing')).toBeNull();
      await roles.delete({ scope: 'tenant', tenantId: 'tenant-a' }, tenant.id);
      expect(await roles.findById(tenant.id)).toBeNull();
      await close();
    });

    it('finds a tenant or global grant by id, and nothing once it is removed', async () => {
      const { database, close } = await target.open();
      const roles = new SqlRoleStore(database);
      const grants = new SqlGrantStore(database);
      const admin = await roles.create({ owner: { scope: 'system' }, name: 'admin', permissions: ['*'] });
      const editor = await roles.create({ owner: { scope: 'tenant', tenantId: 'tenant-a' }, name: 'editor' });
      const subject = { type: 'user' as const, id: 'ada' };
      const global = await grants.add({ subject, roleId: admin.id, tenantId: null });
      const local = await grants.add({ subject, roleId: editor.id, tenantId: 'tenant-a', createdBy: 'root' });
      expect(await grants.get(global.id)).toEqual(global);
      expect(await grants.get(local.id)).toEqual(local);
      expect(await grants.get('missing')).toBeNull();
      await grants.remove({ subject, roleId: editor.id, tenantId: 'tenant-a' });
      expect(await grants.get(local.id)).toBeNull();
      expect(await grants.get(global.id)).toEqual(global);
      await close();
    });
  });
}
