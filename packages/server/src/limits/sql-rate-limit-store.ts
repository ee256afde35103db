import type { ColumnType } from 'kysely';
import type { Clock } from '../core/clock.ts';
import { type SqlDatabase, type SqliteNow, sql } from '../storage/index.ts';
import type { GcraState } from './gcra.ts';
import type { RateLimitDecision, RateLimitRule } from './rate-limit-rule.ts';
import { decideRateLimit, type RateLimitState } from './rate-limit-step.ts';
import type { RateLimitStore } from './rate-limit-store.ts';
import type { SlidingWindowState } from './sliding-window.ts';

/** `lift_rate_limits` (limits/migrations.ts). PostgreSQL returns a `bigint` as a string, SQLite as a number. */
export interface RateLimitRow {
  key: string;
  a: number;
  b: ColumnType<number | string, number, number>;
  c: ColumnType<number | string, number, number>;
  expires_at: ColumnType<number | string, number, number>;
}

declare module '../storage/ports.ts' {
  interface LiftTables {
    lift_rate_limits: RateLimitRow;
  }
}

/** Expired rows are deleted every this many decisions of a process. */
const PURGE_EVERY = 1_000;

/** The SQLite statements of the synchronous path (`#consumeNow`), prepared once. */
const LOCK_ROW =
  'insert into lift_rate_limits (key, a, b, c, expires_at) values (?, 0, 0, 0, 0) ' +
  'on conflict (key) do update set key = excluded.key returning a, b, c, expires_at';
const STORE_ROW = 'update lift_rate_limits set a = ?, b = ?, c = ?, expires_at = ? where key = ?';
const PURGE = 'delete from lift_rate_limits where expires_at <= ?';

interface RateLimitColumns {
  a: number;
  b: number | string;
  c: number | string;
  expires_at: number | string;
}

/**
 * Counters in the SQL database, for the embedded shape with several processes and no Redis. One transaction
 * per decision: its first statement is an upsert, which takes the row's lock (PostgreSQL) or the write lock
 * (SQLite) before the state is read, so concurrent decisions on one key, from any process, run one after the
 * other and the limit is exact.
 *
 * On SQLite a decision runs synchronously on the connection (`SqlDatabase.sqlite`): three prepared statements
 * in one `BEGIN IMMEDIATE` transaction, 25–45 µs, no promise and no query building (through Kysely it cost ~10×
 * that: a query compiled and prepared per statement, and a wait behind Kysely's connection queue). Only while
 * a Kysely transaction is open on the connection does a decision take Kysely's path. On PostgreSQL it is a
 * round trip per statement; with a server, use Redis.
 */
export class SqlRateLimitStore implements RateLimitStore {
  readonly #sql: SqlDatabase;
  readonly #clock: Clock;
  #untilPurge = PURGE_EVERY;

  constructor(database: SqlDatabase, options: { clock: Clock }) {
    this.#sql = database;
    this.#clock = options.clock;
  }

  async consume(key: string, rule: RateLimitRule, cost: number): Promise<RateLimitDecision> {
    const now = this.#clock.now();
    const sqlite = this.#sql.sqlite;
    if (sqlite !== undefined) {
      // A counter lost to a power loss only forgets some attempts: not worth a disk sync per decision.
      const decided = sqlite.immediate(() => this.#consumeNow(sqlite, key, rule, cost, now), {
        durable: false,
      });
      if (decided !== undefined) return decided.value;
    }
    if (--this.#untilPurge <= 0) await this.#purge(now);
    return this.#sql.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('lift_rate_limits')
        .values({ key, a: 0, b: 0, c: 0, expires_at: 0 })
        .onConflict((conflict) => conflict.column('key').doUpdateSet({ key: sql<string>`excluded.key` }))
        .returning(['a', 'b', 'c', 'expires_at'])
        .executeTakeFirstOrThrow();
      const stored = Number(row.expires_at) > now ? stateOf(rule, row) : undefined;
      const { decision, state, expiresAt } = decideRateLimit(rule, stored, now, cost);
      await trx
        .updateTable('lift_rate_limits')
        .set({ ...columnsOf(state), expires_at: expiresAt })
        .where('key', '=', key)
        .execute();
      return decision;
    });
  }

  /** One decision inside the caller's SQLite transaction; the same statements as Kysely's path below. */
  #consumeNow(
    sqlite: SqliteNow,
    key: string,
    rule: RateLimitRule,
    cost: number,
    now: number,
  ): RateLimitDecision {
    if (--this.#untilPurge <= 0) {
      this.#untilPurge = PURGE_EVERY;
      sqlite.statement(PURGE).run(now);
    }
    const row = sqlite.statement(LOCK_ROW).get(key) as RateLimitColumns;
    const stored = Number(row.expires_at) > now ? stateOf(rule, row) : undefined;
    const { decision, state, expiresAt } = decideRateLimit(rule, stored, now, cost);
    const { a, b, c } = columnsOf(state);
    sqlite.statement(STORE_ROW).run(a, b, c, expiresAt, key);
    return decision;
  }

  async #purge(now: number): Promise<void> {
    this.#untilPurge = PURGE_EVERY;
    await this.#sql.db.deleteFrom('lift_rate_limits').where('expires_at', '<=', now).execute();
  }

  ping(): Promise<void> {
    return this.#sql.ping();
  }

  /** The database belongs to the app's storage, which closes it. */
  async close(): Promise<void> {}
}

function stateOf(
  rule: RateLimitRule,
  row: { a: number; b: number | string; c: number | string },
): RateLimitState {
  if (rule.algorithm === 'gcra') return { tat: Number(row.a) } satisfies GcraState;
  return {
    windowStart: Number(row.a),
    current: Number(row.b),
    previous: Number(row.c),
  } satisfies SlidingWindowState;
}

function columnsOf(state: RateLimitState): { a: number; b: number; c: number } {
  if ('tat' in state) return { a: state.tat, b: 0, c: 0 };
  return { a: state.windowStart, b: state.current, c: state.previous };
}
