import { onEverySqlDatabase, sqlAccessStores } from '../../test/support/stores.ts';
import { accessSnapshotConformance } from './access-snapshot.conformance.ts';

await onEverySqlDatabase(
  'SqlAccessSnapshot',
  'access_snapshot',
  (target) => accessSnapshotConformance(`SqlAccessSnapshot on ${target.name}`, sqlAccessStores(target)),
  { withoutDefaultRoles: true },
);
