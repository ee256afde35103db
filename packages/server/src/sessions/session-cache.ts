import type { Clock } from '../core/clock.ts';
import type { SessionRecord } from './session-store.ts';

export interface CacheEntry {
  record: SessionRecord;
  checkedAt: number;
  /** Client shapes already reported as anomalies for this session (one event each). */
  anomalies?: Set<string> | undefined;
  /** The last user agent and IP seen that matched the binding, so a repeat skips the classification. */
  matched?: { userAgent: string | null | undefined; ip: string | null | undefined } | undefined;
}

/**
 * The session manager's per-node cache (`session-manager.ts` says when an entry is trusted): at most
 * `cacheSize` entries, the oldest going first when full. A revoked id leaves a tombstone for `cacheTtlMs`, so
 * a read that raced the revocation cannot cache the session again.
 */
export class SessionCache {
  readonly #clock: Clock;
  /** The manager's settings object, read at each use. */
  readonly #settings: { readonly cacheSize: number; readonly cacheTtlMs: number };
  /** tokenHash → entry, insertion-ordered; the oldest entry goes first when full. */
  readonly #cache = new Map<string, CacheEntry>();
  /** session id → tokenHash, for invalidation by id. */
  readonly #ids = new Map<string, string>();
  /** Recently revoked ids → until when they may not be cached. */
  readonly #tombstones = new Map<string, number>();

  constructor(clock: Clock, settings: { readonly cacheSize: number; readonly cacheTtlMs: number }) {
    this.#clock = clock;
    this.#settings = settings;
  }

  get size(): number {
    return this.#cache.size;
  }

  get(tokenHash: string): CacheEntry | undefined {
    return this.#cache.get(tokenHash);
  }

  remember(tokenHash: string, record: SessionRecord, now: number, anomalies?: Set<string>): CacheEntry {
    const entry: CacheEntry = { record, checkedAt: now, anomalies };
    const tombstone = this.#tombstones.get(record.id);
    if (tombstone !== undefined) {
      if (tombstone > now) return entry; // revoked a moment ago: answer this once, never cache it
      this.#tombstones.delete(record.id);
    }
    if (this.#settings.cacheSize === 0) return entry;
    if (this.#cache.size >= this.#settings.cacheSize) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.drop(oldest.value);
    }
    this.#cache.set(tokenHash, entry);
    this.#ids.set(record.id, tokenHash);
    return entry;
  }

  drop(tokenHash: string): void {
    const entry = this.#cache.get(tokenHash);
    if (entry === undefined) return;
    this.#cache.delete(tokenHash);
    this.#ids.delete(entry.record.id);
  }

  /** Drops the sessions and refuses to cache them again for one `cacheTtlMs`. */
  forget(ids: string[]): void {
    const until = this.#clock.now() + this.#settings.cacheTtlMs;
    for (const id of ids) {
      const tokenHash = this.#ids.get(id);
      if (tokenHash !== undefined) this.drop(tokenHash);
      this.#tombstones.set(id, until);
    }
    if (this.#tombstones.size > 10_000) {
      const now = this.#clock.now();
      for (const [id, expiry] of this.#tombstones) if (expiry <= now) this.#tombstones.delete(id);
    }
  }

  /** Empties the cache; tombstones stay. */
  clear(): void {
    this.#cache.clear();
    this.#ids.clear();
  }
}
