import { describe, expect, it } from 'vitest';
import { freshPostgresSchemaUrl, postgresUrl } from '../../test/support/services.ts';
import { ManualClock } from '../core/clock.ts';
import type { SqlDatabase } from '../storage/index.ts';
import { runMigrations } from '../storage/migrations/migrator.ts';
import { openSqlDatabase } from '../storage/sql/open-sql-database.ts';
import { limitsMigrations } from './migrations.ts';
import { rateLimitStoreConformance } from './rate-limit-store.conformance.ts';
import { SqlRateLimitStore } from './sql-rate-limit-store.ts';

describe('SqlRateLimitStore on SQLite', () => {
  rateLimitStoreConformance('sql (SQLite)', async () => {
    const database = openSqlDatabase('sqlite::memory:', { poolSize: 1 });
    await runMigrations(database, [limitsMigrations]);
    const clock = new ManualClock();
    return { store: new SqlRateLimitStore(database, { clock }), clock, close: () => database.close() };
  });

  // The path a decision takes while a Kysely transaction is open on the connection, on its own.
  rateLimitStoreConformance('sql (SQLite, through Kysely only)', async () => {
    const database = openSqlDatabase('sqlite::memory:', { poolSize: 1 });
    await runMigrations(database, [limitsMigrations]);
    const clock = new ManualClock();
    const kyselyOnly: SqlDatabase = { ...database, sqlite: undefined };
    return { store: new SqlRateLimitStore(kyselyOnly, { clock }), clock, close: () => database.close() };
  });

  const rule = { algorithm: 'sliding-window', limit: 3, windowMs: 60_000 } as const;

  it('decides on the connection synchronously, without a Kysely query, when no transaction is open', async () => {
    const database = openSqlDatabase('sqlite::memory:', { poolSize: 1 });
    await runMigrations(database, [limitsMigrations]);
    const counted = countingKysely(database);
    const store = new SqlRateLimitStore(counted.database, { clock: new ManualClock() });
    const allowed = [];
    for (let i = 0; i < 5; i++) allowed.push((await store.consume('k', rule, 1)).allowed);
    expect(allowed).toEqual([true, true, true, false, false]);
    expect(counted.uses()).toBe(0);
    await database.close();
  });

  it("takes Kysely's path while a Kysely transaction is open, and waits for it", async () => {
    const database = openSqlDatabase('sqlite::memory:', { poolSize: 1 });
    await runMigrations(database, [limitsMigrations]);
    const counted = countingKysely(database);
    const store = new SqlRateLimitStore(counted.database, { clock: new ManualClock() });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inside!: () => void;
    const opened = new Promise<void>((resolve) => {
      inside = resolve;
    });
    const transaction = database.db.transaction().execute(async () => {
      inside();
      await held;
    });
    await opened;
    let decided = false;
    const decision = store.consume('k', rule, 1).then((result) => {
      decided = true;
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(decided).toBe(false);
    release();
    await transaction;
    expect((await decision).allowed).toBe(true);
    expect(counted.uses()).toBeGreaterThan(0);
    await database.close();
  });
});

/** The database with its Kysely instance wrapped, counting the store's uses of it. */
function countingKysely(database: SqlDatabase): { database: SqlDatabase; uses: () => number } {
  let uses = 0;
  const db = new Proxy(database.db, {
    get(target, property) {
      uses++;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { database: { ...database, db }, uses: () => uses };
}

const postgres = await postgresUrl();

describe.skipIf(!postgres)('SqlRateLimitStore on PostgreSQL', () => {
  rateLimitStoreConformance('sql (PostgreSQL)', async () => {
    const schema = await freshPostgresSchemaUrl('limits');
    const database = openSqlDatabase(schema.url, { poolSize: 10 });
    await runMigrations(database, [limitsMigrations]);
    const clock = new ManualClock();
    return {
      store: new SqlRateLimitStore(database, { clock }),
      clock,
      async close() {
        await database.close();
        await schema.drop();
      },
    };
  });
});
