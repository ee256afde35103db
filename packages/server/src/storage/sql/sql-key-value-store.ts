import type { Expression, SqlBool } from 'kysely';
import { type Clock, systemClock } from '../../core/clock.ts';
import { KvNotACounterError } from '../kv-counter.ts';
import type { KeyValueStore, KvSetOptions, SqlDatabase } from '../ports.ts';
import { sql } from './kysely-runtime.ts';

export interface SqlKeyValueStoreOptions {
  clock?: Clock;
  /** How often expired rows are deleted, in ms (default 60 000); 0 turns the timer off. */
  purgeIntervalMs?: number;
}

/**
 * Hot state in the `lift_kv` table, for the embedded shape and for deployments without Redis. Expired rows
 * read as missing at once and are deleted by a periodic purge. Every operation is one statement, so
 * concurrent callers (and processes sharing the database) never lose an update.
 */
export class SqlKeyValueStore implements KeyValueStore {
  readonly #database: SqlDatabase;
  readonly #clock: Clock;
  readonly #purgeTimer: NodeJS.Timeout | undefined;

  constructor(database: SqlDatabase, options: SqlKeyValueStoreOptions = {}) {
    this.#database = database;
    this.#clock = options.clock ?? systemClock;
    const interval = options.purgeIntervalMs ?? 60_000;
    if (interval > 0) {
      this.#purgeTimer = setInterval(() => {
        // A failed purge is retried next time; reads already ignore expired rows.
        this.purgeExpired().catch(() => {});
      }, interval);
      this.#purgeTimer.unref();
    }
  }

  get #db() {
    return this.#database.db;
  }

  async get(key: string): Promise<string | null> {
    const row = await this.#db
      .selectFrom('lift_kv')
      .select('value')
      .where('key', '=', key)
      .where(this.#isLive(this.#clock.now()))
      .executeTakeFirst();
    return row?.value ?? null;
  }

  async set(key: string, value: string, options: KvSetOptions = {}): Promise<boolean> {
    const now = this.#clock.now();
    const row = { key, value, expires_at: expiry(now, options.ttlMs) };
    const written = await this.#db
      .insertInto('lift_kv')
      .values(row)
      .onConflict((conflict) => {
        const update = conflict.column('key').doUpdateSet({ value, expires_at: row.expires_at });
        // With ifNotExists only an expired row may be replaced; a live one makes the insert a no-op.
        return options.ifNotExists ? update.where(this.#isExpired(now)) : update;
      })
      .returning('key')
      .executeTakeFirst();
    return written !== undefined;
  }

  async delete(key: string): Promise<boolean> {
    const removed = await this.#db
      .deleteFrom('lift_kv')
      .where('key', '=', key)
      .returning('expires_at')
      .executeTakeFirst();
    if (!removed) return false;
    return removed.expires_at === null || Number(removed.expires_at) > this.#clock.now();
  }

  async increment(key: string, by = 1, options: { ttlMs?: number } = {}): Promise<number> {
    const now = this.#clock.now();
    const expiresAt = expiry(now, options.ttlMs);
    const expired = this.#isExpired(now);
    // One statement on both dialects: an absent or expired row starts over at `by` with a fresh expiry;
    // a live row keeps its expiry (a fixed window does not slide).
    const row = await this.#db
      .insertInto('lift_kv')
      .values({ key, value: String(by), expires_at: expiresAt })
      .onConflict((conflict) =>
        conflict
          .column('key')
          .doUpdateSet({
            value: sql<string>`case when ${expired} then ${String(by)}
              else cast(cast(lift_kv.value as bigint) + cast(${by} as bigint) as text) end`,
            expires_at: sql<
              number | null
            >`case when ${expired} then ${expiresAt} else lift_kv.expires_at end`,
          })
          // A live non-integer value updates nothing, so no row comes back.
          .where(sql<SqlBool>`(${expired} or ${this.#holdsInteger()})`),
      )
      .returning('value')
      .executeTakeFirst();
    if (!row) throw new KvNotACounterError(key);
    return Number(row.value);
  }

  async ttl(key: string): Promise<number | null> {
    const now = this.#clock.now();
    const row = await this.#db
      .selectFrom('lift_kv')
      .select('expires_at')
      .where('key', '=', key)
      .where(this.#isLive(now))
      .executeTakeFirst();
    if (!row) return null;
    return row.expires_at === null ? Number.POSITIVE_INFINITY : Number(row.expires_at) - now;
  }

  /** Deletes expired rows now; returns how many. The timer calls this; tests and `lift` tasks may too. */
  async purgeExpired(): Promise<number> {
    const result = await this.#db
      .deleteFrom('lift_kv')
      .where('expires_at', '<=', this.#clock.now())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  ping(): Promise<void> {
    return this.#database.ping();
  }

  /** Stops the purge timer; the SQL database belongs to the caller and stays open. */
  async close(): Promise<void> {
    clearInterval(this.#purgeTimer);
  }

  #isLive(now: number): Expression<SqlBool> {
    return sql<SqlBool>`(lift_kv.expires_at is null or lift_kv.expires_at > ${now})`;
  }

  #holdsInteger(): Expression<SqlBool> {
    return this.#database.dialect === 'postgres'
      ? sql<SqlBool>`lift_kv.value ~ '^-?[0-9]+$'`
      : sql<SqlBool>`cast(cast(lift_kv.value as integer) as text) = lift_kv.value`;
  }

  #isExpired(now: number): Expression<SqlBool> {
    return sql<SqlBool>`(lift_kv.expires_at is not null and lift_kv.expires_at <= ${now})`;
  }
}

function expiry(now: number, ttlMs: number | undefined): number | null {
  return ttlMs === undefined ? null : now + ttlMs;
}
