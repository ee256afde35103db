import { describe, expect, it } from 'vitest';
import { migratedSqlTargets, onEverySqlDatabase, sqlAccessStores } from '../../../test/support/stores.ts';
import { grantStoreConformance } from './grant-store.conformance.ts';
import { SqlGrantStore } from './sql-grant-store.ts';
import { SqlRoleStore } from './sql-role-store.ts';

await onEverySqlDatabase(
  'SqlGrantStore',
  'grants',
  (target) => grantStoreConformance(`SqlGrantStore on ${target.name}`, sqlAccessStores(target)),
  { withoutDefaultRoles: true },
);

for (const target of await migratedSqlTargets('grants_sql', { withoutDefaultRoles: true })) {
  describe(`SqlGrantStore on ${target.name}: the table itself`, () => {
    it("stores a global grant under tenant_id '*', so the unique key holds it once", async () => {
      const { database, close } = await target.open();
      const roles = new SqlRoleStore(database);
      const grants = new SqlGrantStore(database);
      const admin = await roles.create({ owner: { scope: 'system' }, name: 'admin' });
      const editor = await roles.create({ owner: { scope: 'tenant', tenantId: 'tenant-a' }, name: 'editor' });
      const subject = { type: 'user' as const, id: 'ada' };
      await grants.add({ subject, roleId: admin.id, tenantId: null });
      await grants.add({ subject, roleId: admin.id, tenantId: null });
      await grants.add({ subject, roleId: editor.id, tenantId: 'tenant-a' });
      const rows = await database.db
        .selectFrom('lift_grants')
        .select(['tenant_id'])
        .orderBy('tenant_id')
        .execute();
      expect(rows.map((row) => row.tenant_id)).toEqual(['*', 'tenant-a']);
      await close();
    });
  });
}
