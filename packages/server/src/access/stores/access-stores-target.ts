import type { Clock } from '../../core/clock.ts';
import type { LiftEvent } from '../../core/events.ts';
import type { AccessSnapshotSource } from '../access-snapshot.ts';
import type { GrantStore } from './grant-store.ts';
import type { InvitationStore } from './invitation-store.ts';
import type { MembershipStore } from './membership-store.ts';
import type { RoleStore } from './role-store.ts';
import type { TenantStore } from './tenant-store.ts';

/**
 * What the access stores' conformance suites open for each test: the five stores of one adapter set on one
 * fresh, empty database (no seeded roles), since the stores' contracts span each other (deleting a tenant
 * removes its grants, removing a member their grants, deleting a role its invitations).
 */
export interface AccessStoresTarget {
  tenants: TenantStore;
  memberships: MembershipStore;
  roles: RoleStore;
  grants: GrantStore;
  invitations: InvitationStore;
  accessSnapshot: AccessSnapshotSource;
  /** What the stores wrote to the outbox; every adapter set writes the events its changes announce. */
  events: { written(): Promise<LiftEvent[]> };
  /** Puts an account where `MembershipStore.listDetailed` reads a member's address and name from. */
  seedUser(user: { id: string; email: string; name: string | null }): Promise<void>;
  /** Closes the stores and whatever the factory opened for them. */
  close(): Promise<void>;
}

export type OpenAccessStores = (clock: Clock) => Promise<AccessStoresTarget>;
