import type { Announcing } from '../core/events.ts';
/**
 * The `SessionStore` port (DESIGN §2): where sessions live. The session manager (session-manager.ts) is the
 * only caller; it owns every policy (expiry, renewal, rotation, caps). Stores only keep and find records.
 *
 * Adapters: `SqlSessionStore` (embedded default, `lift_sessions`) and `RedisSessionStore` (reads from Redis,
 * writes through to SQL, and on a Redis miss reads SQL and repopulates, so a Redis restart loses nothing).
 * Both pass `session-store.conformance.ts`.
 */

/** One session as stored. Times are milliseconds since the epoch. */
export interface SessionRecord {
  /** Public id (128-bit random, base64url): shown in session lists and used to revoke one session. */
  id: string;
  /** base64url SHA-256 of the 256-bit session token. The token itself is never stored. */
  tokenHash: string;
  userId: string;
  createdAt: number;
  /** Last time a request used the session, written at most once per renewal interval. */
  lastSeenAt: number;
  /** `lastSeenAt` + idle timeout, capped by `absoluteExpiresAt`. */
  idleExpiresAt: number;
  /** Creation of the first session of this login + absolute lifetime; rotation keeps it. */
  absoluteExpiresAt: number;
  /** When the user last proved who they are (login, MFA, step-up). */
  authTime: number;
  /** RFC 8176 authentication method references: `pwd`, `otp`, `email` … */
  amr: string[];
  ip: string | null;
  userAgent: string | null;
  /** Coarse user-agent family (`chrome`, `firefox`, `curl` …) for anomaly binding. */
  uaFamily: string;
  /** The client address's /24 (IPv4) or /48 (IPv6) for anomaly binding. */
  ipPrefix: string;
  /** The active tenant (`POST /auth/tenant`), or null; switching it rotates the session. */
  tenantId: string | null;
}

export interface SessionStore {
  /** Stores a new record. Ids and token hashes are unique; a duplicate is a bug and throws. */
  create(record: SessionRecord): Promise<void>;
  /** The record whose token hash this is, expired or not (the manager decides); null when unknown. */
  findByTokenHash(tokenHash: string): Promise<SessionRecord | null>;
  findById(id: string): Promise<SessionRecord | null>;
  /** Sliding renewal: moves `lastSeenAt` and `idleExpiresAt`. No-op for an unknown id. */
  touch(id: string, lastSeenAt: number, idleExpiresAt: number): Promise<void>;
  /**
   * Removes one session; returns the removed record, or null when there was none. `announce` (the
   * transactional outbox, core/events.ts): the events to write with the removal, in its transaction.
   */
  delete(id: string, options?: Announcing<SessionRecord | null>): Promise<SessionRecord | null>;
  /** Removes every session of a user except `exceptId`; returns the removed records. `announce` as above. */
  deleteByUser(
    userId: string,
    options?: { exceptId?: string } & Announcing<SessionRecord[]>,
  ): Promise<SessionRecord[]>;
  /** Every stored session of a user (expired ones included), oldest first. */
  listByUser(userId: string): Promise<SessionRecord[]>;
  /** Removes sessions whose idle or absolute expiry is at or before `now`; returns how many. */
  purgeExpired(now: number): Promise<number>;
  /** How many sessions are live at `now` (neither expiry passed): the `sessions_active` gauge, read when scraped. */
  countActive(now: number): Promise<number>;
  /** Releases what the store itself opened (not the shared SQL database or Redis connection). */
  close(): Promise<void>;
}
