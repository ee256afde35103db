import { onEverySqlDatabase } from '../../../test/support/stores.ts';
import { refreshTokenStoreConformance } from './refresh-token-store.conformance.ts';
import { SqlRefreshTokenStore } from './sql-refresh-token-store.ts';

await onEverySqlDatabase('SqlRefreshTokenStore', 'refresh_store', (target) => {
  refreshTokenStoreConformance(`SqlRefreshTokenStore on ${target.name}`, async () => {
    const { database, close } = await target.open();
    return { store: new SqlRefreshTokenStore(database), close };
  });
});
