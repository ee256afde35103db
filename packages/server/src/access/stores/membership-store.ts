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

/** Which users belong to which tenant. Every method is scoped to the tenant it is given. */
export interface MembershipStore {
  /** Idempotent: adding a member again returns the existing membership unchanged. */
  add(tenantId: string, userId: string): Promise<Membership>;
  /** Also removes the user's grants in that tenant (not global ones), in one transaction. */
  remove(tenantId: string, userId: string): Promise<boolean>;
  /** Throws `ValidationError` for a limit out of range or a cursor this store did not make. */
  list(tenantId: string, input: ListMembersInput): Promise<MemberPage>;
  isMember(tenantId: string, userId: string): Promise<boolean>;
}
