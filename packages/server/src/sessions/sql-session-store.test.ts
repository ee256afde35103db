import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { freshPostgresSchemaUrl, postgresUrl } from '../../test/support/services.ts';
import { liftMigrations } from '../storage/migrations/lift-migrations.ts';
import { runMigrations } from '../storage/migrations/migrator.ts';
import { openSqlDatabase } from '../storage/sql/open-sql-database.ts';
import { sessionStoreConformance } from './session-store.conformance.ts';
import { SqlSessionStore } from './sql-session-store.ts';

describe('SqlSessionStore on SQLite', () => {
  sessionStoreConformance('sql (sqlite :memory:)', async () => {
    const database = openSqlDatabase('sqlite::memory:', { poolSize: 1 });
    await runMigrations(database, [liftMigrations]);
    const store = new SqlSessionStore(database);
    return {
      store,
      async close() {
        await store.close();
        await database.close();
      },
    };
  });

  // A file as well: WAL mode and a reopened connection must not change what comes back.
  sessionStoreConformance('sql (sqlite file)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'lift-sessions-'));
    const database = openSqlDatabase(`sqlite:${join(directory, 'lift.db')}`, { poolSize: 1 });
    await runMigrations(database, [liftMigrations]);
    const store = new SqlSessionStore(database);
    return {
      store,
      async close() {
        await store.close();
        await database.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  });
});

const pgUrl = await postgresUrl();

describe.skipIf(!pgUrl)('SqlSessionStore on PostgreSQL', () => {
  sessionStoreConformance('sql (postgres)', async () => {
    const schema = await freshPostgresSchemaUrl('sessions');
    const database = openSqlDatabase(schema.url, { poolSize: 3 });
    await runMigrations(database, [liftMigrations]);
    const store = new SqlSessionStore(database);
    return {
      store,
      async close() {
        await store.close();
        await database.close();
        await schema.drop();
      },
    };
  });
});
