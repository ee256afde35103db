import { describe, expect, it } from 'vitest';
import { migratedSqlTargets, onEverySqlDatabase, sqlAccessStores } from '../../../test/support/stores.ts';
import { roleStoreConformance } from './role-store.conformance.ts';

await onEverySqlDatabase(
  'SqlRoleStore',
  'roles',
  (target) => roleStoreConformance(`SqlRoleStore on ${target.name}`, sqlAccessStores(target)),
  { withoutDefaultRoles: true },
);

for (const target of await migratedSqlTargets('roles_sql', { withoutDefaultRoles: true })) {
  describe(`SqlRoleStore on ${target.name}: the table itself`, () => {
    it('ties tenant_id to the scope in the database itself', async () => {
      const { database, close } = await target.open();
      await expect(
        database.db
          .insertInto('lift_roles')
          .values({
            id: 'bad',
            tenant_id: 'tenant-a',
            scope: 'system',
            name: 'bad',
            description: null,
            permissions: '[]',
            inherits: '[]',
            created_at: 0,
            updated_at: 0,
          })
          .execute(),
      ).rejects.toThrow(/lift_roles_tenant_check/);
      await close();
    });
  });
}
