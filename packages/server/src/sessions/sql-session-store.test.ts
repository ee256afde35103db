import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { sqlEventRows } from '../../test/support/event-rows.ts';
import { migratedSqlTargets, type OpenSql } from '../../test/support/stores.ts';
import { liftMigrations } from '../app/lift-migrations.ts';
import { runMigrations } from '../storage/migrations/migrator.ts';
import { openSqlDatabase } from '../storage/sql/open-sql-database.ts';
import { type SessionStoreTarget, sessionStoreConformance } from './session-store.conformance.ts';
import { SqlSessionStore } from './sql-session-store.ts';

async function sessionStoreOn(open: () => Promise<OpenSql>): Promise<SessionStoreTarget> {
  const { database, close } = await open();
  const events = await sqlEventRows(database);
  const store = new SqlSessionStore(database, { eventRows: events.eventRows });
  return {
    store,
    events,
    async close() {
      await store.close();
      await close();
    },
  };
}

for (const target of await migratedSqlTargets('sessions')) {
  describe(`SqlSessionStore on ${target.name}`, () => {
    sessionStoreConformance(`sql (${target.name})`, () => sessionStoreOn(() => target.open()));
  });
}

// A file as well: WAL mode and a reopened connection must not change what comes back.
describe('SqlSessionStore on a SQLite file', () => {
  sessionStoreConformance('sql (sqlite file)', () =>
    sessionStoreOn(async () => {
      const directory = mkdtempSync(join(tmpdir(), 'lift-sessions-'));
      const database = openSqlDatabase(`sqlite:${join(directory, 'lift.db')}`, { poolSize: 1 });
      await runMigrations(database, [liftMigrations]);
      return {
        database,
        async close() {
          await database.close();
          rmSync(directory, { recursive: true, force: true });
        },
      };
    }),
  );
});
