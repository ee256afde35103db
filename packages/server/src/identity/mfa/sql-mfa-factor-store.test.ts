import { describe, expect, it } from 'vitest';
import { sqlEventRows } from '../../../test/support/event-rows.ts';
import { migratedSqlTargets, onEverySqlDatabase } from '../../../test/support/stores.ts';
import { ManualClock } from '../../core/clock.ts';
import { mfaFactorStoreConformance } from './mfa-factor-store.conformance.ts';
import { SqlMfaFactorStore } from './sql-mfa-factor-store.ts';

await onEverySqlDatabase('SqlMfaFactorStore', 'mfa_factors', (target) => {
  mfaFactorStoreConformance(`SqlMfaFactorStore on ${target.name}`, async (clock) => {
    const { database, close } = await target.open();
    const events = await sqlEventRows(database);
    return { store: new SqlMfaFactorStore(database, { clock, eventRows: events.eventRows }), events, close };
  });
});

for (const target of await migratedSqlTargets('mfa_factors_sql')) {
  describe(`SqlMfaFactorStore on ${target.name}: the table itself`, () => {
    it('keeps the sealed secret as given and the recovery codes as JSON text', async () => {
      const { database, close } = await target.open();
      const store = new SqlMfaFactorStore(database, { clock: new ManualClock() });
      expect(await store.savePending('user-1', 'v1.iv.first.tag')).toBe(true);
      const row = await database.db
        .selectFrom('lift_mfa_factors')
        .select(['secret_sealed', 'recovery_codes'])
        .executeTakeFirst();
      expect(row).toEqual({ secret_sealed: 'v1.iv.first.tag', recovery_codes: '[]' });
      await close();
    });
  });
}
