import { sqlEventRows } from '../../test/support/event-rows.ts';
import { onEverySqlDatabase } from '../../test/support/stores.ts';
import { revocationStoreConformance } from './revocation-store.conformance.ts';
import { SqlRevocationStore } from './sql-revocation-store.ts';

await onEverySqlDatabase('SqlRevocationStore', 'revocations', (target) => {
  revocationStoreConformance(`SqlRevocationStore on ${target.name}`, async () => {
    const { database, close } = await target.open();
    const events = await sqlEventRows(database);
    return { store: new SqlRevocationStore(database, { eventRows: events.eventRows }), events, close };
  });
});
