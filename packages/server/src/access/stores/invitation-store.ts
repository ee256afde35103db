import type { Announcing } from '../../core/events.ts';

export interface Invitation {
  /** Random, 128 bits, base64url: the handle for lists and revocation. Never the token. */
  id: string;
  tenantId: string;
  /** Normalised by `normalizeEmail`. */
  email: string;
  /** The role the invitee receives in the tenant, or null for plain membership. */
  roleId: string | null;
  invitedBy: string;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
}

export interface IssueInvitationInput {
  tenantId: string;
  email: string;
  roleId?: string | null;
  invitedBy: string;
  /** Default `INVITATION_TTL_MS` (7 days). */
  ttlMs?: number;
}

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface IssuedInvitation {
  /** 256 random bits, base64url; only its SHA-256 is stored, so this is the one chance to mail it. */
  token: string;
  invitation: Invitation;
}

/** Invitations to join a tenant. */
export interface InvitationStore {
  /**
   * Throws `ValidationError` for a malformed address. `announce` (the transactional outbox,
   * core/events.ts): the events to write with the invitation, in its transaction; the same for `revoke`.
   */
  issue(input: IssueInvitationInput, options?: Announcing<IssuedInvitation>): Promise<IssuedInvitation>;
  /**
   * Marks the invitation accepted and returns it, when the token is live, unused, and was issued to
   * `email` (in any form `normalizeEmail` accepts); otherwise null. Exactly one of any number of
   * concurrent calls with the same token succeeds.
   */
  consume(token: string, email: string): Promise<Invitation | null>;
  /** The invitation behind a live, unused token, changing nothing (the page a mailed link opens); else null. */
  peek(token: string): Promise<Invitation | null>;
  /**
   * `consume` by the invitation's id instead of its token, for an acceptance decided earlier by the token's
   * holder (the invitee signed up from the invitation and has now verified the address).
   */
  consumeById(id: string, email: string): Promise<Invitation | null>;
  /** Deletes a pending invitation of the tenant; false when none matches. */
  revoke(tenantId: string, id: string, options?: Announcing<boolean>): Promise<boolean>;
  /** The tenant's invitations not yet accepted and not expired, newest first. */
  listPending(tenantId: string): Promise<Invitation[]>;
}
