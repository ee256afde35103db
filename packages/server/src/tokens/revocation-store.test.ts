import { onEverySqlDatabase } from '../../test/support/stores.ts';
import { revocationStoreConformance } from './revocation-store.conformance.ts';
import { SqlRevocationStore } from './sql-revocation-store.ts';

await onEverySqlDatabase('SqlRevocationStore', 'revocations', (target) => {
  revocationStoreConformance(`SqlRevocationStore on ${target.name}`, async () => {
    const { database, close } = await target.open();
    return { store: new SqlRevocationStore(database), close };
  });
});
