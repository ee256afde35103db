import type { Announcing } from '../../core/events.ts';

/**
 * The `RefreshTokenStore` port: where refresh-token families and their tokens live. `RefreshTokens`
 * (refresh-tokens.ts) is the only caller and owns every policy (lifetimes, grace window, reuse detection);
 * the store keeps records, sees only token hashes and sealed successors, and makes each state change a
 * conditional write so concurrent callers, in one process or many, cannot both win.
 */

/** One login's chain of refresh tokens. Times are milliseconds since the epoch. */
export interface RefreshTokenFamily {
  /** 128-bit random, base64url; also the `sid` of the access tokens minted from this family. */
  id: string;
  userId: string;
  createdAt: number;
  /** The issue or the last successful rotation. */
  lastUsedAt: number;
  /** `lastUsedAt` + idle timeout, capped by `absoluteExpiresAt`. */
  idleExpiresAt: number;
  /** `createdAt` + absolute lifetime; rotation never moves it. */
  absoluteExpiresAt: number;
  /** When the user last proved who they are; carried into every access token of the family. */
  authTime: number;
  /** RFC 8176 authentication method references: `pwd`, `otp`, … */
  amr: string[];
  scope: string | null;
  tenantId: string | null;
  /** RFC 9449 thumbprint of the DPoP key the family is bound to. */
  dpopJkt: string | null;
  revokedAt: number | null;
  /** Why it was revoked (`reuse_detected`, `logout`, …); the first reason is kept. */
  revokedReason: string | null;
}

/** One refresh token of a family, as stored. */
export interface RefreshTokenRecord {
  /** base64url SHA-256 of the token. */
  tokenHash: string;
  familyId: string;
  /** 0 for the token issued at login, +1 per rotation. */
  generation: number;
  createdAt: number;
  /** When it was exchanged for its successor; null while it is the family's newest token. */
  rotatedAt: number | null;
  /** The successor, sealed, while a grace window may still hand it out again; otherwise null. */
  successorSealed: string | null;
}

export interface RefreshTokenWithFamily {
  token: RefreshTokenRecord;
  family: RefreshTokenFamily;
}

/** One exchange of a token for its successor. */
export interface RefreshRotation {
  tokenHash: string;
  familyId: string;
  now: number;
  successorHash: string;
  successorGeneration: number;
  /** Stored on the exchanged token for grace replays; null when there is no grace window. */
  successorSealed: string | null;
  /** The family's new idle expiry. */
  idleExpiresAt: number;
  /** Sealed successors of the family's tokens exchanged at or before this time are past their window: cleared. */
  clearSealedRotatedAtOrBefore: number;
}

export interface RefreshPurgeCutoffs {
  /** Families whose absolute expiry is at or before this go, with their tokens. */
  now: number;
  /** Families revoked at or before this go, with their tokens. */
  revokedAtOrBefore: number;
  /** Sealed successors of tokens exchanged at or before this are cleared. */
  sealedRotatedAtOrBefore: number;
}

export interface RefreshTokenStore {
  /** Stores a new family and its generation-0 token together. */
  createFamily(family: RefreshTokenFamily, tokenHash: string): Promise<void>;
  /** The token and its family, read in one statement so the two agree; null when the hash is unknown. */
  findByTokenHash(tokenHash: string): Promise<RefreshTokenWithFamily | null>;
  getFamily(id: string): Promise<RefreshTokenFamily | null>;
  /**
   * In one transaction: moves the family's last use and idle expiry (only if it is neither revoked nor
   * expired at `now`), marks the token rotated (only if it is not already), stores the successor and clears
   * stale sealed successors. Returns the updated family, or null with nothing changed when either condition
   * failed: then another caller rotated the token first, or the family ended. `announce` (the transactional
   * outbox, core/events.ts): called with the updated family only when the rotation happens, inside its
   * transaction; the events it returns are written in that transaction.
   */
  rotate(
    rotation: RefreshRotation,
    options?: Announcing<RefreshTokenFamily>,
  ): Promise<RefreshTokenFamily | null>;
  /**
   * Revokes a family that is not revoked yet and clears its sealed successors. Returns the family when this
   * call revoked it; null when it is unknown or was already revoked. `announce`: called with the revoked
   * family only when this call revoked it, inside the transaction that does.
   */
  revokeFamily(
    id: string,
    at: number,
    reason: string,
    options?: Announcing<RefreshTokenFamily>,
  ): Promise<RefreshTokenFamily | null>;
  /**
   * Revokes every unrevoked family of a user; returns the ids this call revoked. `announce`: called with those
   * ids (none included) inside the transaction that revokes them.
   */
  revokeUserFamilies(
    userId: string,
    at: number,
    reason: string,
    options?: Announcing<string[]>,
  ): Promise<string[]>;
  /** Deletes ended families with their tokens and clears old sealed successors; returns the families deleted. */
  purge(cutoffs: RefreshPurgeCutoffs): Promise<number>;
}
