import { describe } from 'vitest';
import { freshPostgresSchemaUrl, postgresUrl } from '../../test/support/services.ts';
import { ManualClock } from '../core/clock.ts';
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
});

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
