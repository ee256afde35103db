import { sqlEventRows } from '../../../test/support/event-rows.ts';
import { onEverySqlDatabase } from '../../../test/support/stores.ts';
import { refreshTokenStoreConformance } from './refresh-token-store.conformance.ts';
import { SqlRefreshTokenStore } from './sql-refresh-token-store.ts';

await onEverySqlDatabase('SqlRefreshTokenStore', 'refresh_store', (target) => {
  refreshTokenStoreConformance(`SqlRefreshTokenStore on ${target.name}`, async () => {
    const { database, close } = await target.open();
    const events = await sqlEventRows(database);
    return { store: new SqlRefreshTokenStore(database, { eventRows: events.eventRows }), events, close };
  });
});
