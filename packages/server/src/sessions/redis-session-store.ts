import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../core/clock.ts';
import type { Announcing } from '../core/events.ts';
import type { SqlDatabase, SqlEventRows } from '../storage/index.ts';
import { openRedisConnection, type RedisConnection } from '../storage/index.ts';
import { PendingInvalidations } from './redis-pending-invalidations.ts';
import { parseRecord, storedFields } from './redis-session-record.ts';
import {
  CACHE_SCRIPT,
  FIND_BY_ID_SCRIPT,
  INVALIDATE_BATCH,
  INVALIDATE_SCRIPT,
} from './redis-session-scripts.ts';
import type { SessionRecord, SessionStore } from './session-store.ts';
import { type SessionKeys, SqlSessionStore } from './sql-session-store.ts';

/**
 * Sessions in Redis for speed, with `lift_sessions` in SQL as the source of truth.
 *
 * Keys (after the prefix, default `lift:`):
 * - `sess:t:<tokenHash>` → the record as JSON, expiring (PX) when the session's idle or absolute expiry
 *   passes by the store's clock; an already-expired record is not cached.
 * - `sess:i:<id>` → the token hash, with the same lifetime.
 * - `sess:u:<userId>` → set of the user's cached session ids, living as long as its longest member.
 * - `sess:x:<id>` → "revoked" marker for `revokedTtlMs` after a delete (see races below).
 *
 * Writes go to SQL first, then Redis. A write succeeds when SQL succeeds: SQL is the source of truth, and
 * failing a login or logout because a cache is down would turn a cache outage into an outage. Reads go to
 * Redis (`findByTokenHash` is one GET on a hit); on a miss they read SQL and put the record back, so a Redis
 * restart (everything gone) loses no session, it only costs one SQL read per session afterwards.
 *
 * When Redis is down or a command fails:
 * - reads use SQL (nothing is logged but the operation name and the driver's message; never a key, since keys
 *   hold token hashes);
 * - `create` skips Redis; the next read caches the record;
 * - `touch`, `delete` and `deleteByUser` leave a stale copy in Redis if Redis kept its data (a network
 *   partition rather than a restart). The store remembers those sessions as pending invalidations and applies
 *   them before its next Redis command (and at once when the connection is ready again); until they are
 *   applied it does not read Redis at all. Past `maxPendingInvalidations` it stops counting and, once Redis
 *   answers, drops every session key under its prefix instead (the cache refills from SQL).
 * - `purgeExpired` does not remember failures: purged records were expired, and their keys expire with them.
 * What this cannot cover: another process reading the same Redis during the partition sees the stale copy
 *   until this process reconnects, or until the key's own expiry if this process dies first. Revocation
 *   still reaches other nodes' in-memory caches through the session manager's broker message.
 *
 * Races: a read that missed Redis and read SQL just before a concurrent delete could write the deleted record
 * back after the delete cleared Redis. Deletes therefore leave a revoked marker, and the script that caches
 * a record refuses while the marker exists; a read whose SQL round trip took longer than half the marker's
 * lifetime does not cache at all.
 *
 * `listByUser` reads SQL: Redis holds only unexpired sessions, and after a restart only those used since, so
 * it cannot answer "every stored session". `deleteByUser` deletes in SQL, then removes the returned sessions
 * and every id in the user's Redis set (which also catches copies SQL no longer knows of).
 *
 * Needs a single Redis (or a primary behind Sentinel), not Redis Cluster: the scripts touch keys of several
 * hash slots.
 */

export interface RedisSessionStoreOptions {
  /** A Redis URL (the store opens its own connection and closes it in `close()`), or an ioredis client the caller owns. */
  redis: string | Redis;
  /** Prepended to every key (default `lift:`), so apps can share one Redis. */
  prefix?: string;
  /** Used for cache lifetimes and the slow-read check (default: the system clock). */
  clock?: Clock;
  /** Per-command deadline in ms for a connection the store opens (default 2000). */
  commandTimeoutMs?: number;
  /** Where deletes write the events that announce them, in their SQL transaction (storage/outbox/). */
  eventRows?: SqlEventRows;
  /** How long a deleted session may not be cached again, in ms (default 60 000). */
  revokedTtlMs?: number;
  /** Invalidations kept while Redis is unreachable before falling back to dropping every session key (default 10 000). */
  maxPendingInvalidations?: number;
  /** Where a Redis failure is reported, once per outage (default: nowhere). */
  log?: Pick<Logger, 'warn'>;
}

export class RedisSessionStore implements SessionStore {
  readonly #sql: SqlSessionStore;
  readonly #redis: Redis;
  readonly #ownConnection: RedisConnection | undefined;
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #revokedTtlMs: number;
  readonly #log: Pick<Logger, 'warn'> | undefined;
  /** Invalidations whose Redis side failed, applied before the next Redis command. */
  readonly #pending: PendingInvalidations;
  #flushing: Promise<boolean> | undefined;
  /** The connection closed since it was last ready: skip Redis instead of waiting for a command deadline. */
  #disconnected = false;
  /** A failure was reported and Redis has not answered since (one warning per outage). */
  #reported = false;

  readonly #onReady = () => {
    this.#disconnected = false;
    void this.#flush();
  };
  readonly #onClose = () => {
    this.#disconnected = true;
  };

  constructor(database: SqlDatabase, options: RedisSessionStoreOptions) {
    this.#sql = new SqlSessionStore(database, options.eventRows ? { eventRows: options.eventRows } : {});
    if (typeof options.redis === 'string') {
      this.#ownConnection = openRedisConnection(options.redis, {
        commandTimeoutMs: options.commandTimeoutMs ?? 2_000,
      });
      this.#redis = this.#ownConnection.client;
    } else {
      this.#redis = options.redis;
    }
    this.#prefix = options.prefix ?? 'lift:';
    this.#clock = options.clock ?? systemClock;
    this.#revokedTtlMs = options.revokedTtlMs ?? 60_000;
    this.#pending = new PendingInvalidations(options.maxPendingInvalidations ?? 10_000);
    this.#log = options.log;
    this.#redis.on('ready', this.#onReady);
    this.#redis.on('close', this.#onClose);
  }

  async create(record: SessionRecord): Promise<void> {
    await this.#sql.create(record);
    await this.#redisOr('create', () => this.#cache(record), undefined);
  }

  async findByTokenHash(tokenHash: string): Promise<SessionRecord | null> {
    const cached = await this.#redisOr(
      'findByTokenHash',
      () => this.#redis.get(this.#key('t', tokenHash)),
      false,
    );
    return this.#cachedOrSql(cached, () => this.#sql.findByTokenHash(tokenHash));
  }

  async findById(id: string): Promise<SessionRecord | null> {
    const cached = await this.#redisOr(
      'findById',
      async () =>
        (await this.#redis.eval(FIND_BY_ID_SCRIPT, 1, this.#key('i', id), this.#key('t', ''))) as
          | string
          | null,
      false,
    );
    return this.#cachedOrSql(cached, () => this.#sql.findById(id));
  }

  async touch(id: string, lastSeenAt: number, idleExpiresAt: number): Promise<void> {
    const record = await this.#sql.touchReturning(id, lastSeenAt, idleExpiresAt);
    if (!record) return;
    const cached = await this.#redisOr(
      'touch',
      async () => {
        // Now past its expiry: remove the old copy rather than leave it to its old lifetime.
        if ((await this.#cache(record)) === 'expired') await this.#invalidate([[record, false]]);
        return true;
      },
      false,
    );
    if (!cached) this.#pending.remember(record, false);
  }

  async delete(id: string, options: Announcing<SessionRecord | null> = {}): Promise<SessionRecord | null> {
    const record = await this.#sql.delete(id, options);
    // Even when SQL had nothing: a copy left by an earlier failure may still be in Redis.
    const keys = record ?? { id, tokenHash: '', userId: '' };
    const done = await this.#redisOr(
      'delete',
      () => this.#invalidate([[keys, true]]).then(() => true),
      false,
    );
    if (!done) this.#pending.remember(keys, true);
    return record;
  }

  async deleteByUser(
    userId: string,
    options: { exceptId?: string } & Announcing<SessionRecord[]> = {},
  ): Promise<SessionRecord[]> {
    const removed = await this.#sql.deleteByUser(userId, options);
    const exceptId = options.exceptId ?? '';
    const done = await this.#redisOr(
      'deleteByUser',
      async () => {
        const revoked = removed.map((record): [SessionKeys, boolean] => [record, true]);
        await this.#invalidate(revoked, { userId, exceptId });
        return true;
      },
      false,
    );
    if (!done) {
      for (const record of removed) this.#pending.remember(record, true);
      this.#pending.rememberSweep(userId, exceptId);
    }
    return removed;
  }

  listByUser(userId: string): Promise<SessionRecord[]> {
    return this.#sql.listByUser(userId);
  }

  /** Counted in the SQL database, which holds every session (Redis holds the hot copies). */
  countActive(now: number): Promise<number> {
    return this.#sql.countActive(now);
  }

  async purgeExpired(now: number): Promise<number> {
    const removed = await this.#sql.purgeExpiredReturning(now);
    for (let start = 0; start < removed.length; start += INVALIDATE_BATCH) {
      const batch = removed
        .slice(start, start + INVALIDATE_BATCH)
        .map((keys): [SessionKeys, boolean] => [keys, false]);
      await this.#redisOr('purgeExpired', () => this.#invalidate(batch), undefined);
    }
    return removed.length;
  }

  /** Applies pending invalidations if Redis answers, then releases the connection the store opened (if any). */
  async close(): Promise<void> {
    if (this.#available()) await this.#flush();
    this.#redis.off('ready', this.#onReady);
    this.#redis.off('close', this.#onClose);
    await this.#ownConnection?.close();
  }

  #key(kind: 't' | 'i' | 'u' | 'x', name: string): string {
    return `${this.#prefix}sess:${kind}:${name}`;
  }

  /**
   * A Redis answer, or the record from SQL. `cached` is false when Redis was not asked or failed (then SQL's
   * answer is not cached: Redis is unlikely to take it), null on a miss, a string on a hit.
   */
  async #cachedOrSql(
    cached: string | null | false,
    readSql: () => Promise<SessionRecord | null>,
  ): Promise<SessionRecord | null> {
    if (typeof cached === 'string') {
      const record = parseRecord(cached);
      if (record) return record;
    }
    const startedAt = this.#clock.now();
    const record = await readSql();
    // A slow SQL read may predate a delete whose revoked marker has expired by now; do not cache it.
    const fresh = this.#clock.now() - startedAt < this.#revokedTtlMs / 2;
    if (record && cached !== false && fresh) {
      await this.#redisOr('repopulate', () => this.#cache(record), undefined);
    }
    return record;
  }

  /** Writes the record's keys unless it has expired or was just revoked. */
  async #cache(record: SessionRecord): Promise<'cached' | 'revoked' | 'expired'> {
    const ttl = Math.floor(Math.min(record.idleExpiresAt, record.absoluteExpiresAt) - this.#clock.now());
    if (ttl <= 0) return 'expired';
    const written = await this.#redis.eval(
      CACHE_SCRIPT,
      4,
      this.#key('t', record.tokenHash),
      this.#key('i', record.id),
      this.#key('u', record.userId),
      this.#key('x', record.id),
      JSON.stringify(storedFields(record)),
      record.tokenHash,
      record.id,
      ttl,
      this.#key('i', ''),
    );
    return written === 1 ? 'cached' : 'revoked';
  }

  async #invalidate(
    sessions: Array<[SessionKeys, boolean]>,
    sweep: { userId: string; exceptId: string } = { userId: '', exceptId: '' },
  ): Promise<void> {
    const args: string[] = [this.#prefix, String(this.#revokedTtlMs), sweep.userId, sweep.exceptId];
    for (const [keys, revoke] of sessions)
      args.push(keys.id, keys.tokenHash, keys.userId, revoke ? '1' : '0');
    await this.#redis.eval(INVALIDATE_SCRIPT, 0, ...args);
  }

  /**
   * Runs `work` against Redis when Redis is usable (connected, nothing pending); returns `fallback` when it is
   * not, or when the command fails.
   */
  async #redisOr<T, const F>(operation: string, work: () => Promise<T>, fallback: F): Promise<T | F> {
    if (!this.#available()) {
      this.#report(operation, new Error(`the connection is ${this.#redis.status}`));
      return fallback;
    }
    if (!(await this.#flush())) return fallback;
    try {
      const result = await work();
      this.#reported = false;
      return result;
    } catch (error) {
      this.#report(operation, error);
      return fallback;
    }
  }

  /** Known down: skip Redis at once rather than wait for a command deadline on every request. */
  #available(): boolean {
    const status = this.#redis.status;
    if (status === 'ready') return true;
    return !this.#disconnected && (status === 'wait' || status === 'connecting' || status === 'connect');
  }

  /** Applies pending invalidations; true when nothing is left pending. Concurrent callers share one run. */
  async #flush(): Promise<boolean> {
    // A loop: invalidations that failed while a run was in progress are applied by the next one.
    while (!this.#pending.empty) {
      this.#flushing ??= this.#applyPending().finally(() => {
        this.#flushing = undefined;
      });
      if (!(await this.#flushing)) return false;
    }
    return true;
  }

  async #applyPending(): Promise<boolean> {
    const taken = this.#pending.take();
    try {
      if (taken.dropAll) {
        await this.#dropEverything();
      } else {
        for (let start = 0; start < taken.sessions.length; start += INVALIDATE_BATCH) {
          const batch = taken.sessions
            .slice(start, start + INVALIDATE_BATCH)
            .map(([id, entry]): [SessionKeys, boolean] => [{ id, ...entry }, entry.revoke]);
          await this.#invalidate(batch);
        }
        for (const [userId, exceptId] of taken.sweeps) await this.#invalidate([], { userId, exceptId });
      }
      this.#reported = false;
      return true;
    } catch (error) {
      // Put everything back, merged with what failed in the meantime; applying twice is harmless.
      this.#pending.restore(taken);
      this.#report('applyPending', error);
      return false;
    }
  }

  /** Every cached record, index and user set under the prefix (revoked markers stay). */
  async #dropEverything(): Promise<void> {
    const pattern = `${this.#prefix.replace(/[*?[\]\\]/g, '\\$&')}sess:[tiu]:*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length > 0) await this.#redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  #report(operation: string, error: unknown): void {
    if (this.#reported) return;
    this.#reported = true;
    // The driver's message only: ioredis attaches the failed command (with its keys, which hold token
    // hashes) to the error object.
    const reason = error instanceof Error ? error.message : 'unknown error';
    this.#log?.warn({ operation, reason }, 'Redis session cache unavailable; using SQL');
  }
}
