import type { Announcing } from '../../core/events.ts';

export interface Membership {
  tenantId: string;
  userId: string;
  createdAt: Date;
}

export interface ListMembersInput {
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** Page size, 1 to `MAX_MEMBER_PAGE_SIZE`. */
  limit: number;
}

export const MAX_MEMBER_PAGE_SIZE = 200;

export interface MemberPage {
  /** Oldest first; members who joined in the same millisecond are ordered by user id. */
  members: Membership[];
  /** Opaque; null on the last page. */
  nextCursor: string | null;
}

/** A member with what a member list shows: their account's address and name, and their tenant roles. */
export interface MemberDetail extends Membership {
  /** null when the account no longer exists. */
  email: string | null;
  name: string | null;
  /** Names of the roles granted in the tenant itself (not global grants, not inherited), distinct, sorted. */
  roles: string[];
}

export interface MemberDetailPage {
  members: MemberDetail[];
  nextCursor: string | null;
}

/** What `changeKeepingOwner` does to one member: leave the tenant, or hold exactly these tenant roles. */
export type MemberChange =
  | { action: 'remove' }
  | {
      action: 'set_roles';
      /** The member's tenant grants become exactly these roles (system roles or the tenant's own). */
      roleIds: readonly string[];
      createdBy: string | null;
    };

export interface KeepOwnerInput {
  tenantId: string;
  userId: string;
  /** The tenant's `owner` role; null when it has none (then nothing is checked). */
  ownerRoleId: string | null;
  change: MemberChange;
}

/** `last_owner`: nothing was changed, the user is the only one granted the owner role. */
export type KeepOwnerOutcome = 'changed' | 'not_member' | 'last_owner';

/** Which users belong to which tenant. Every method is scoped to the tenant it is given. */
export interface MembershipStore {
  /**
   * Idempotent: adding a member again returns the existing membership unchanged. `announce` (the
   * transactional outbox, core/events.ts): the events to write with the membership, in its transaction.
   */
  add(tenantId: string, userId: string, options?: Announcing<Membership>): Promise<Membership>;
  /** Also removes the user's grants in that tenant (not global ones), in one transaction. */
  remove(tenantId: string, userId: string): Promise<boolean>;
  /** Throws `ValidationError` for a limit out of range or a cursor this store did not make. */
  list(tenantId: string, input: ListMembersInput): Promise<MemberPage>;
  /**
   * The same page as `list`, with each member's account and tenant roles: two queries whatever the page size
   * (the page joined with the users, then the page's grants in the tenant joined with their roles).
   */
  listDetailed(tenantId: string, input: ListMembersInput): Promise<MemberDetailPage>;
  isMember(tenantId: string, userId: string): Promise<boolean>;
  /**
   * Removes a member (with their tenant grants) or replaces their tenant grants, unless afterwards no user
   * would hold `ownerRoleId` in the tenant while this one did: then nothing changes and the answer is
   * `last_owner`. One transaction that locks the tenant row before counting the owners, so two owners
   * removing, demoting or leaving each other at the same instant cannot both succeed. `not_member` (nothing
   * changed) when the user is no member or the tenant is gone. The events `announce` returns for the outcome
   * are written in that transaction.
   */
  changeKeepingOwner(
    input: KeepOwnerInput,
    options?: Announcing<KeepOwnerOutcome>,
  ): Promise<KeepOwnerOutcome>;
}
