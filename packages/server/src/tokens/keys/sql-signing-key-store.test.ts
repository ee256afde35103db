import { describe, expect, it } from 'vitest';
import { sqlEventRows } from '../../../test/support/event-rows.ts';
import { migratedSqlTargets, onEverySqlDatabase } from '../../../test/support/stores.ts';
import { signingKeyStoreConformance } from './signing-key-store.conformance.ts';
import { SqlSigningKeyStore } from './sql-signing-key-store.ts';

await onEverySqlDatabase('SqlSigningKeyStore', 'signing_keys', (target) => {
  signingKeyStoreConformance(`SqlSigningKeyStore on ${target.name}`, async () => {
    const { database, close } = await target.open();
    const events = await sqlEventRows(database);
    return { store: new SqlSigningKeyStore(database, { eventRows: events.eventRows }), events, close };
  });
});

for (const target of await migratedSqlTargets('signing_keys_sql')) {
  describe(`SqlSigningKeyStore on ${target.name}: the table itself`, () => {
    it('refuses a status outside pending/active/retired in the database, and an unknown alg on read', async () => {
      const { database, close } = await target.open();
      const store = new SqlSigningKeyStore(database);
      await store.insert({
        kid: 'a',
        alg: 'EdDSA',
        publicJwk: null,
        privateSealed: 'v1.sealed-a',
        createdAt: Date.UTC(2026, 0, 1),
      });
      await expect(
        database.db
          .updateTable('lift_signing_keys')
          .set({ status: 'revoked' as 'active' })
          .where('kid', '=', 'a')
          .execute(),
      ).rejects.toThrow(/lift_signing_keys_status_check/);
      await database.db
        .updateTable('lift_signing_keys')
        .set({ alg: 'none' as 'EdDSA' })
        .where('kid', '=', 'a')
        .execute();
      await expect(store.list()).rejects.toMatchObject({ code: 'LIFT_CONFIG_INVALID' });
      await close();
    });
  });
}
