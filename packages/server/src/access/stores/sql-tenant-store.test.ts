import { describe, expect, it } from 'vitest';
import { migratedSqlTargets, onEverySqlDatabase, sqlAccessStores } from '../../../test/support/stores.ts';
import { SqlTenantStore } from './sql-tenant-store.ts';
import { tenantStoreConformance } from './tenant-store.conformance.ts';

await onEverySqlDatabase(
  'SqlTenantStore',
  'tenants',
  (target) => tenantStoreConformance(`SqlTenantStore on ${target.name}`, sqlAccessStores(target)),
  { withoutDefaultRoles: true },
);

for (const target of await migratedSqlTargets('tenants_sql')) {
  describe(`SqlTenantStore on ${target.name}: the table itself`, () => {
    it('refuses a second row with a taken slug in the database itself', async () => {
      const { database, close } = await target.open();
      await new SqlTenantStore(database).create({ name: 'Acme', slug: 'acme', createdBy: 'user-1' });
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
  });
}
