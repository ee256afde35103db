import { type Clock, systemClock } from '../core/clock.ts';
import { LiftConfigError } from '../core/errors.ts';
import { MemoryBroker } from './memory/memory-broker.ts';
import { MemoryKeyValueStore } from './memory/memory-key-value-store.ts';
import { mergeMigrationSets } from './migrations/merge-sets.ts';
import { migrationStatus, runMigrations } from './migrations/migrator.ts';
import { LIFT_MIGRATION_SET, storageMigrations } from './migrations/storage-migrations.ts';
import type { Broker, KeyValueStore, MigrationSet, SqlDatabase, Storage } from './ports.ts';
import { RedisBroker } from './redis/redis-broker.ts';
import { RedisKeyValueStore } from './redis/redis-key-value-store.ts';
import { openSqlDatabase } from './sql/open-sql-database.ts';
import { SqlKeyValueStore } from './sql/sql-key-value-store.ts';
import { unsupportedUrlError, urlScheme } from './url-scheme.ts';

export interface CreateStorageOptions {
  /** SQL database: `sqlite:<path>`, `sqlite::memory:`, `postgres://…` (optionally `?schema=<name>`). */
  url: string;
  /** Key-value store: `sql` (the table `lift_kv` in `url`), `memory:`, or `redis://…` / `rediss://…`. */
  kv: string;
  /** Broker: `memory:` (relayed between cluster workers) or `redis://…` / `rediss://…`. */
  broker: string;
  /** PostgreSQL connections per process. */
  poolSize: number;
  /** Prepended to every Redis key and channel (default `lift:`), so apps sharing one Redis stay apart. */
  redisPrefix?: string;
  /**
   * The migrations of the app's modules (their `migrations`), run before the app's: those of a set named `lift`
   * join the storage layer's own steps in Lift's historical set, by name; any other set is a module's own.
   */
  moduleMigrations?: readonly MigrationSet[];
  /** The app's migration sets, run after Lift's. */
  migrationSets?: MigrationSet[];
  clock?: Clock;
  /**
   * Wraps the in-process broker (only when `broker` is `memory:`), so news can also cross to other processes
   * sharing the SQL database (the outbox's change feed).
   */
  wrapMemoryBroker?: (broker: Broker, sql: SqlDatabase) => Broker;
}

/** The `storage.redisPrefix` default: what Lift has always used, so existing deployments keep their keys. */
export const DEFAULT_REDIS_PREFIX = 'lift:';

/** The one place that turns storage URLs into adapters. Invalid URLs throw `LiftConfigError` at once. */
export function createStorage(options: CreateStorageOptions): Storage {
  const clock = options.clock ?? systemClock;
  if (options.migrationSets?.some((set) => set.name === LIFT_MIGRATION_SET)) {
    throw new LiftConfigError('The migration set name "lift" is reserved for Lift\'s own tables.');
  }
  const sets = [
    ...mergeMigrationSets([storageMigrations, ...(options.moduleMigrations ?? [])]),
    ...(options.migrationSets ?? []),
  ];
  // Parse every URL before opening anything, so a bad setting leaves no connection behind.
  const kvKind = kvKindOf(options.kv);
  const brokerKind = brokerKindOf(options.broker);
  const sql = openSqlDatabase(options.url, { poolSize: options.poolSize });
  const prefix = options.redisPrefix ?? DEFAULT_REDIS_PREFIX;
  const kv = openKeyValueStore(kvKind, options.kv, sql, clock, prefix);
  const wrap = options.wrapMemoryBroker ?? ((memory: Broker) => memory);
  const broker: Broker =
    brokerKind === 'memory'
      ? wrap(new MemoryBroker(), sql)
      : new RedisBroker({ url: options.broker, prefix });
  let closing: Promise<void> | undefined;
  return {
    sql,
    kv,
    broker,
    migrate: () => runMigrations(sql, sets),
    migrationStatus: () => migrationStatus(sql, sets),
    components: () => [
      { name: 'sql', check: sql },
      { name: 'kv', check: kv },
      { name: 'broker', check: broker },
    ],
    close() {
      closing ??= (async () => {
        await broker.close();
        await kv.close();
        await sql.close();
      })();
      return closing;
    },
  };
}

type KvKind = 'sql' | 'memory' | 'redis';

function kvKindOf(setting: string): KvKind {
  if (setting === 'sql') return 'sql';
  if (setting === 'memory:') return 'memory';
  if (isRedisUrl(setting)) return 'redis';
  throw unsupportedUrlError('storage.kv', setting, ['"sql"', '"memory:"', 'redis://…', 'rediss://…']);
}

function brokerKindOf(setting: string): 'memory' | 'redis' {
  if (setting === 'memory:') return 'memory';
  if (isRedisUrl(setting)) return 'redis';
  throw unsupportedUrlError('storage.broker', setting, ['"memory:"', 'redis://…', 'rediss://…']);
}

function isRedisUrl(setting: string): boolean {
  const scheme = urlScheme(setting);
  return scheme === 'redis' || scheme === 'rediss';
}

function openKeyValueStore(
  kind: KvKind,
  setting: string,
  sql: SqlDatabase,
  clock: Clock,
  prefix: string,
): KeyValueStore {
  switch (kind) {
    case 'sql':
      return new SqlKeyValueStore(sql, { clock });
    case 'memory':
      return new MemoryKeyValueStore({ clock });
    case 'redis':
      return new RedisKeyValueStore({ url: setting, prefix });
  }
}
