import { onEverySqlDatabase, sqlAccessStores } from '../../../test/support/stores.ts';
import { membershipStoreConformance } from './membership-store.conformance.ts';

await onEverySqlDatabase(
  'SqlMembershipStore',
  'memberships',
  (target) => membershipStoreConformance(`SqlMembershipStore on ${target.name}`, sqlAccessStores(target)),
  { withoutDefaultRoles: true },
);
