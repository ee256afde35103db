import { afterAll, describe, it } from 'vitest';
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
import { captureBaseline, type DatabaseBaseline } from './database-baseline.ts';
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
  /** PostgreSQL only: the URL of the database's schema, for another pool on it (a second server process). */
  url?: string;
  /** Ends the test's use of the database: closes it, on PostgreSQL drops its schema, or keeps it for the next test. */
  close(): Promise<void>;
}

export interface SqlTarget {
  name: string;
  /**
   * A database as Lift's migrations leave it, for this test alone until it calls `close` (the database may be
   * one an earlier test closed, put back to that state).
   */
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
  /** PostgreSQL connections per pool, for tests that hold more transactions at once; 10 by default. */
  postgresPoolSize?: number;
  /**
   * Delete the roles and grants migration 0008 seeds (system `admin`, the tenant templates), for store tests
   * that start from empty tables; the seeds have their own tests.
   */
  withoutDefaultRoles?: boolean;
}

async function migrated(database: SqlDatabase, options: MigratedSqlOptions): Promise<SqlDatabase> {
  await runMigrations(database, [liftMigrations]);
  if (options.withoutDefaultRoles) {
    await database.db.deleteFrom('lift_grants').execute();
    await database.db.deleteFrom('lift_roles').execute();
  }
  return database;
}

interface NewDatabase {
  database: SqlDatabase;
  url?: string;
  /** Closes it for good and, on PostgreSQL, drops its schema. */
  discard(): Promise<void>;
}

/**
 * Opens a target's databases. The first one is kept for the file and handed out again, back at its migrated
 * state (`DatabaseBaseline`), whenever the test before closed it; while it is out, or when a test changed its
 * schema or closed it itself, a new one is opened. It is discarded after the file's last test.
 */
function reusedDatabases(open: () => Promise<NewDatabase>): () => Promise<OpenSql> {
  let kept: { opened: NewDatabase; baseline: DatabaseBaseline; lent: boolean } | undefined;
  afterAll(async () => {
    await kept?.opened.discard();
    kept = undefined;
  });

  async function lendKept(): Promise<OpenSql | undefined> {
    if (kept !== undefined && !kept.lent && !(await kept.baseline.restore())) {
      await kept.opened.discard();
      kept = undefined;
    }
    if (kept === undefined) {
      const opened = await open();
      kept = { opened, baseline: await captureBaseline(opened.database), lent: false };
    } else if (kept.lent) {
      return undefined;
    }
    const lent = kept;
    lent.lent = true;
    let closedByTest = false;
    const database: SqlDatabase = {
      ...lent.opened.database,
      close() {
        closedByTest = true;
        return lent.opened.database.close();
      },
    };
    return {
      database,
      ...(lent.opened.url === undefined ? {} : { url: lent.opened.url }),
      async close() {
        if (kept !== lent) return;
        if (closedByTest) {
          kept = undefined;
          await lent.opened.discard();
        } else {
          lent.lent = false;
        }
      },
    };
  }

  return async () => {
    const reused = await lendKept();
    if (reused !== undefined) return reused;
    const { database, url, discard } = await open();
    return { database, ...(url === undefined ? {} : { url }), close: discard };
  };
}

/** The targets this file made, by options: suites of one file with the same options share databases. */
const targetsByOptions = new Map<string, Promise<SqlTarget[]>>();

/**
 * SQLite in memory and, when it answers, a PostgreSQL schema named after `prefix` (the first one a file asks
 * for with these options: its suites share the databases). Call it while the file's tests are collected: it
 * registers an `afterAll` that closes the databases it keeps between tests.
 */
export function migratedSqlTargets(prefix: string, options: MigratedSqlOptions = {}): Promise<SqlTarget[]> {
  const key = JSON.stringify([options.withoutDefaultRoles ?? false, options.postgresPoolSize]);
  let targets = targetsByOptions.get(key);
  if (targets === undefined) {
    targets = newSqlTargets(prefix, options);
    targetsByOptions.set(key, targets);
  }
  return targets;
}

async function newSqlTargets(prefix: string, options: MigratedSqlOptions): Promise<SqlTarget[]> {
  const targets: SqlTarget[] = [
    {
      name: 'SQLite',
      open: reusedDatabases(async () => {
        const database = await migrated(openSqlDatabase('sqlite::memory:', { poolSize: 1 }), options);
        return { database, discard: () => database.close() };
      }),
    },
  ];
  if ((await postgresUrl()) !== undefined) {
    targets.push({
      name: 'PostgreSQL',
      open: reusedDatabases(async () => {
        const schema = await freshPostgresSchemaUrl(prefix);
        const database = await migrated(
          openSqlDatabase(schema.url, { poolSize: options.postgresPoolSize ?? POSTGRES_POOL_SIZE }),
          options,
        );
        return {
          database,
          url: schema.url,
          async discard() {
            await database.close();
            await schema.drop();
          },
        };
      }),
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
