import type { Announcing } from '../core/events.ts';

/**
 * Where token revocations are kept durably, so a node that missed the broker message (it started later, or the
 * broker was unreachable) can read them back. One row per (kind, value); rows are useless once `until` has
 * passed, since no token they match can still be valid.
 */

export type RevocationKind = 'jti' | 'sid' | 'user';

export interface RevocationEntry {
  kind: RevocationKind;
  value: string;
  /** For `user`: tokens issued before this time (ms) are revoked; 0 for the other kinds. */
  at: number;
  /** When the entry can be forgotten (ms): the latest expiry of a token it matches. */
  until: number;
}

export interface RevocationStore {
  /**
   * Writes an entry; an existing one keeps the later `at` and `until`. `announce` (the transactional outbox,
   * core/events.ts): the events to write with the entry, in its transaction.
   */
  save(entry: RevocationEntry, options?: Announcing<void>): Promise<void>;
  /** Every entry still in force at `now`. */
  live(now: number): Promise<RevocationEntry[]>;
  /** Deletes entries whose `until` has passed; returns how many. */
  purgeExpired(now: number): Promise<number>;
}
