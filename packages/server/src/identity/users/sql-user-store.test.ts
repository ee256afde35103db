import { describe, expect, it } from 'vitest';
import { sqlEventRows } from '../../../test/support/event-rows.ts';
import { migratedSqlTargets, onEverySqlDatabase } from '../../../test/support/stores.ts';
import { ManualClock } from '../../core/clock.ts';
import { SqlUserStore } from './sql-user-store.ts';
import { userStoreConformance } from './user-store.conformance.ts';

await onEverySqlDatabase('SqlUserStore', 'users', (target) => {
  userStoreConformance(`SqlUserStore on ${target.name}`, async (clock) => {
    const { database, close } = await target.open();
    const events = await sqlEventRows(database);
    return { store: new SqlUserStore(database, { clock, eventRows: events.eventRows }), events, close };
  });
});

for (const target of await migratedSqlTargets('users_sql')) {
  describe(`SqlUserStore on ${target.name}: the table itself`, () => {
    it('refuses a status outside active/disabled in the database itself', async () => {
      const { database, close } = await target.open();
      const store = new SqlUserStore(database, { clock: new ManualClock() });
      const { id } = await store.create({ email: 'ada@example.com' });
      await expect(
        database.db
          .updateTable('lift_users')
          .set({ status: 'deleted' as 'active' })
          .where('id', '=', id)
          .execute(),
      ).rejects.toThrow(/lift_users_status_check/);
      await close();
    });
  });
}
