import { describe, it } from 'vitest';
import { sqlAccessPorts } from '../../src/access/adapters.ts';
import type { OpenAccessStores } from '../../src/access/stores/access-stores-target.ts';
import { liftMigrations } from '../../src/app/lift-migrations.ts';
import type { ManualClock } from '../../src/core/clock.ts';
import { MemoryKeyValueStore } from '../../src/storage/memory/memory-key-value-store.ts';
import { runMigrations } from '../../src/storage/migrations/migrator.ts';
import type { KeyValueStore, SqlDatabase } from '../../src/storage/ports.ts';
import { RedisKeyValueStore } from '../../src/storage/redis/redis-key-value-store.ts';
import { openSqlDatabase } from '../../src/storage/sql/open-sql-database.ts';
import { SqlKeyValueStore } from '../../src/storage/sql/sql-key-value-store.ts';
import { sqlEventRows } from './event-rows.ts';
import {
  freshPostgresSchemaUrl,
  POSTGRES_SKIP_REASON,
  postgresUrl,
  redisUrl,
  uniqueRedisPrefix,
} from './services.ts';

/**
 * The stores a suite runs against, one `describe.each` row each. PostgreSQL and Redis targets are left out
 * when the service does not answer; `postgresUrl()` / `redisUrl()` print why, so nothing is skipped silently.
 */

export interface OpenSql {
  database: SqlDatabase;
  /** Closes the database and, on PostgreSQL, drops its schema. */
  close(): Promise<void>;
}

export interface SqlTarget {
  name: string;
  /** A new, empty database with Lift's migrations applied. */
  open(): Promise<OpenSql>;
}

export interface OpenKv {
  kv: KeyValueStore;
  close(): Promise<void>;
}

export interface KvTarget {
  name: string;
  /** True when keys expire by the manual clock (memory, SQL); Redis expires them by its own, real clock. */
  clockDrivesExpiry: boolean;
  open(clock: ManualClock): Promise<OpenKv>;
}

/** PostgreSQL gets enough pooled connections for tests that run up to ten queries side by side. */
const POSTGRES_POOL_SIZE = 10;

export interface MigratedSqlOptions {
  /**
   * Delete the roles and grants migration 0008 seeds (system `admin`, the tenant templates), for store tests
   * that start from empty tables; the seeds have their own tests.
   */
  withoutDefaultRoles?: boolean;
}

async function migrated(
  database: SqlDatabase,
  close: () => Promise<void>,
  options: MigratedSqlOptions,
): Promise<OpenSql> {
  await runMigrations(database, [liftMigrations]);
  if (options.withoutDefaultRoles) {
    await database.db.deleteFrom('lift_grants').execute();
    await database.db.deleteFrom('lift_roles').execute();
  }
  return { database, close };
}

/** SQLite in memory and, when it answers, a fresh PostgreSQL schema named after `prefix`. */
export async function migratedSqlTargets(
  prefix: string,
  options: MigratedSqlOptions = {},
): Promise<SqlTarget[]> {
  const targets: SqlTarget[] = [
    {
      name: 'SQLite',
      open() {
        const database = openSqlDatabase('sqlite::memory:', { poolSize: 1 });
        return migrated(database, () => database.close(), options);
      },
    },
  ];
  if ((await postgresUrl()) !== undefined) {
    targets.push({
      name: 'PostgreSQL',
      async open() {
        const schema = await freshPostgresSchemaUrl(prefix);
        const database = openSqlDatabase(schema.url, { poolSize: POSTGRES_POOL_SIZE });
        return migrated(
          database,
          async () => {
            await database.close();
            await schema.drop();
          },
          options,
        );
      },
    });
  }
  return targets;
}

/**
 * Registers a port's conformance suite once per SQL database (`register` calls the suite). When PostgreSQL
 * is absent, a skipped suite named after `port` says why, so the run shows what it did not cover.
 */
export async function onEverySqlDatabase(
  port: string,
  prefix: string,
  register: (target: SqlTarget) => void,
  options: MigratedSqlOptions = {},
): Promise<void> {
  const targets = await migratedSqlTargets(prefix, options);
  for (const target of targets) register(target);
  if (!targets.some((target) => target.name === 'PostgreSQL')) {
    describe.skip(`${port} on PostgreSQL: ${POSTGRES_SKIP_REASON}`, () => {
      it('runs the conformance suite on PostgreSQL', () => {});
    });
  }
}

/** The access module's SQL stores on a fresh database of `target`, as its conformance suites open them. */
export function sqlAccessStores(target: SqlTarget): OpenAccessStores {
  return async (clock) => {
    const { database, close } = await target.open();
    const events = await sqlEventRows(database);
    return {
      ...sqlAccessPorts(database, clock, events.eventRows),
      events,
      async seedUser({ id, email, name }) {
        const now = clock.now();
        await database.db
          .insertInto('lift_users')
          .values({
            id,
            email,
            email_normalized: email.toLowerCase(),
            name,
            email_verified_at: now,
            password_hash: null,
            created_at: now,
            updated_at: now,
          })
          .execute();
      },
      close,
    };
  };
}

/** Memory, SQL on every target of `migratedSqlTargets`, and Redis when it answers. */
export async function kvTargets(prefix: string): Promise<KvTarget[]> {
  const memory: KvTarget = {
    name: 'memory',
    clockDrivesExpiry: true,
    async open(clock) {
      const kv = new MemoryKeyValueStore({ clock });
      return { kv, close: () => kv.close() };
    },
  };
  const sql = (await migratedSqlTargets(prefix)).map(
    (target): KvTarget => ({
      name: `SQL on ${target.name}`,
      clockDrivesExpiry: true,
      async open(clock) {
        const { database, close } = await target.open();
        const kv = new SqlKeyValueStore(database, { clock, purgeIntervalMs: 0 });
        return {
          kv,
          close: async () => {
            await kv.close();
            await close();
          },
        };
      },
    }),
  );
  const redis = await redisUrl();
  const remote: KvTarget[] =
    redis === undefined
      ? []
      : [
          {
            name: 'Redis',
            clockDrivesExpiry: false,
            async open() {
              const kv = new RedisKeyValueStore({ url: redis, prefix: uniqueRedisPrefix(prefix) });
              return { kv, close: () => kv.close() };
            },
          },
        ];
  return [memory, ...sql, ...remote];
}
