export { type CreateStorageOptions, createStorage } from './create-storage.ts';
export { STORAGE_ERRORS } from './error-codes.ts';
export { KvNotACounterError } from './kv-counter.ts';
export {
  type BrokerRelayMessage,
  installClusterBrokerRelay,
  isBrokerRelayMessage,
} from './memory/cluster-broker-relay.ts';
export { MemoryBroker, type MemoryBrokerOptions } from './memory/memory-broker.ts';
export { MemoryKeyValueStore, type MemoryKeyValueStoreOptions } from './memory/memory-key-value-store.ts';
export { mergeMigrationSets } from './migrations/merge-sets.ts';
export { MigrationFailedError } from './migrations/migration-failed-error.ts';
export { migrationStatus, runMigrations } from './migrations/migrator.ts';
export {
  assertLiftMigrated,
  MigrationsPendingError,
  migrationsComponent,
  pendingMigrations,
} from './migrations/pending-migrations.ts';
export { LIFT_MIGRATION_SET, storageMigrations } from './migrations/storage-migrations.ts';
export {
  ChangeFeedBroker,
  changeAnnounced,
  type Job,
  type JobHandler,
  type JobQueue,
  Outbox,
  type OutboxStats,
  outboxEventSink,
  outboxMigrations,
  outboxOrigin,
  outboxOwner,
  SqlEventRows,
  SqlOutboxStore,
} from './outbox/index.ts';
export type * from './ports.ts';
export { RedisBroker, type RedisBrokerOptions } from './redis/redis-broker.ts';
export { openRedisConnection, RedisConnection } from './redis/redis-connection.ts';
export { RedisKeyValueStore, type RedisKeyValueStoreOptions } from './redis/redis-key-value-store.ts';
export {
  decodeKeysetCursor,
  encodeKeysetCursor,
  type KeysetPosition,
  pageIssue,
} from './sql/keyset-cursor.ts';
export { kysely, sql } from './sql/kysely-runtime.ts';
export { type OpenSqlDatabaseOptions, openSqlDatabase } from './sql/open-sql-database.ts';
export { resealColumn, sealedColumnOpens } from './sql/sealed-columns.ts';
export { SqlKeyValueStore, type SqlKeyValueStoreOptions } from './sql/sql-key-value-store.ts';
