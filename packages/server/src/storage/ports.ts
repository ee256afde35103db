import type { ColumnType, Kysely } from 'kysely';

/**
 * Storage ports: the only storage interfaces domain modules see. Adapters (memory/, sql/, redis/) implement
 * them; `createStorage()` in this folder is the one place that builds adapters from URLs.
 */

/** Something the readiness check can ask "do you answer?". */
export interface Pingable {
  /** Resolves when the backing store answers; rejects otherwise. */
  ping(): Promise<void>;
}

export interface KvSetOptions {
  /** Time to live in milliseconds; omitted = no expiry. */
  ttlMs?: number;
  /** Only set when the key does not exist (or has expired). */
  ifNotExists?: boolean;
}

/**
 * Hot state with TTL and atomic increment: counters, nonces, one-time tickets, revocation entries.
 * Keys and values are strings; callers namespace keys (`ratelimit:…`, `nonce:…`). Expired keys behave
 * exactly like missing ones.
 */
export interface KeyValueStore extends Pingable {
  get(key: string): Promise<string | null>;
  /** Returns true when the value was written (false only when `ifNotExists` and the key exists). */
  set(key: string, value: string, options?: KvSetOptions): Promise<boolean>;
  /** Returns true when a live key was removed. */
  delete(key: string): Promise<boolean>;
  /**
   * Atomically adds `by` (default 1) to an integer value, creating it at 0 first. `ttlMs` applies only when
   * the key is created by this call, so a fixed window does not slide. Returns the new value.
   */
  increment(key: string, by?: number, options?: { ttlMs?: number }): Promise<number>;
  /** Remaining lifetime in ms; null when the key does not exist; Infinity when it has no expiry. */
  ttl(key: string): Promise<number | null>;
  close(): Promise<void>;
}

export type BrokerHandler = (message: string, channel: string) => void;

/**
 * Publish/subscribe between every process of a deployment. At-most-once, no history: receivers must
 * tolerate a missed message. Whoever keeps state in step through the broker registers `onResync` and rereads
 * that state from its durable source when messages may have been lost; caches' TTLs are the last backstop.
 * A subscriber also receives its own process's publications.
 */
export interface Broker extends Pingable {
  /** Rejects (`StoreUnavailableError`) when the message could not be handed to the broker. */
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once the subscription is active; the returned function unsubscribes. */
  subscribe(channel: string, handler: BrokerHandler): Promise<() => Promise<void>>;
  /**
   * Calls `listener` whenever messages may have been missed and are now flowing again: this process's
   * subscriptions were restored after a drop, or a process reported publications it could not make during an
   * outage. Subscriptions are active again when it is called. Returns the function that removes the listener.
   */
  onResync(listener: () => void): () => void;
  close(): Promise<void>;
}

export type SqlDialectName = 'sqlite' | 'postgres';

/**
 * `lift_kv`, the table of the SQL key-value adapter (created by Lift's first migration). `expires_at` is
 * milliseconds since the epoch; PostgreSQL returns a `bigint` as a string, SQLite as a number.
 */
export interface LiftKvTable {
  key: string;
  value: string;
  expires_at: ColumnType<number | string | null, number | null, number | null>;
}

/**
 * Tables Lift itself owns. Modules extend this interface by declaration merging in their own folder
 * (`declare module '../storage/ports.ts' { interface LiftTables { users: UserRow } }`).
 */
export interface LiftTables {
  lift_kv: LiftKvTable;
}

export interface SqlDatabase extends Pingable {
  readonly dialect: SqlDialectName;
  /**
   * The Kysely instance. Typed loosely on purpose: Lift's own tables are `LiftTables`, and apps add theirs by
   * calling `db.withTables<…>()`.
   */
  readonly db: Kysely<LiftTables>;
  /**
   * SQLite only: the database's one connection, synchronously, for short writes on a hot path (a rate-limit
   * decision) that must not queue behind Kysely's promises. Undefined on PostgreSQL.
   */
  readonly sqlite?: SqliteNow;
  close(): Promise<void>;
}

/** A prepared statement of `SqliteNow`: parameters are positional (`?`). */
export interface SqliteStatement {
  /** The first row, or undefined. */
  get(...parameters: unknown[]): unknown;
  run(...parameters: unknown[]): { changes: number };
}

/**
 * Synchronous access to the SQLite connection Kysely uses. Nothing here awaits: a statement runs to its end
 * before any other code does. Another process holding the write lock makes `immediate` wait up to the
 * connection's busy timeout (5 s), as every SQLite write through Kysely does.
 */
export interface SqliteNow {
  /**
   * The statement for this SQL text, prepared once and cached. Not for PRAGMAs: SQLite applies (or reads) a
   * PRAGMA when it is prepared, not when it runs.
   */
  statement(text: string): SqliteStatement;
  /**
   * Runs `work` in its own `BEGIN IMMEDIATE` transaction (committed when it returns, rolled back when it
   * throws) and returns `{ value }`, or returns undefined without running it when a transaction is already open
   * on the connection (a Kysely transaction between two of its awaits): the caller then takes Kysely's path.
   * `durable: false` commits without syncing to disk (`synchronous = NORMAL` for that commit, in WAL mode): a
   * power loss may lose it but never corrupts the database. For state that may be lost (rate-limit counters).
   */
  immediate<T>(work: () => T, options?: { durable?: boolean }): { value: T } | undefined;
}

export interface MigrationInfo {
  /** The set the migration belongs to (`lift`, `notes`). */
  set: string;
  name: string;
  /** When it ran; null when pending. */
  executedAt: Date | null;
}

export interface MigrationRunResult {
  /** Migrations applied by this run, in order, as `<set>/<name>` (`lift/0001_create_kv`). */
  applied: string[];
}

/**
 * A migration written once for both dialects. `dialect` lets a step differ where SQLite and PostgreSQL must
 * (types, partial indexes); most steps use Kysely's schema builder and need no branch.
 */
export interface LiftMigration {
  name: string;
  up(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void>;
  down?(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void>;
}

/** A named set of migrations with its own bookkeeping table (Lift's own, or an app's). */
export interface MigrationSet {
  /** `lift` for Lift's built-in set; apps use their own name (`notes`). Also names the bookkeeping table. */
  name: string;
  migrations: LiftMigration[];
}

export interface Storage {
  sql: SqlDatabase;
  kv: KeyValueStore;
  broker: Broker;
  /** Applies pending migrations of every set (Lift's first), in name order within a set. */
  migrate(): Promise<MigrationRunResult>;
  /** Every known migration of every set with its state. */
  migrationStatus(): Promise<MigrationInfo[]>;
  /** Named readiness checks: `sql`, `kv`, `broker`. */
  components(): Array<{ name: string; check: Pingable }>;
  /** Closes broker, kv and sql, in that order; safe to call twice. */
  close(): Promise<void>;
}
