import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { lazyRequire } from '../../core/lazy-require.ts';
import type { LiftTables, SqlDatabase } from '../ports.ts';
import { kyselyDatabase } from './kysely-database.ts';
import { kysely } from './kysely-runtime.ts';

const BetterSqlite = lazyRequire<typeof Database>('better-sqlite3');

/** `:memory:` or a file path (relative to the working directory); the parent directory is created. */
export function openSqliteDatabase(location: string): SqlDatabase {
  // Opened by the first query, so building an app does no I/O (the module contract's build step).
  const open = (): Database.Database => {
    const inMemory = location === ':memory:';
    if (!inMemory) mkdirSync(dirname(resolve(location)), { recursive: true });
    const connection = new (BetterSqlite())(inMemory ? ':memory:' : resolve(location));
    if (!inMemory) connection.pragma('journal_mode = WAL');
    connection.pragma('foreign_keys = ON');
    connection.pragma('busy_timeout = 5000');
    // SQLite's own lower() folds ASCII only, PostgreSQL's every letter: without this, a case-insensitive
    // search for "ÉLODIE" finds "Élodie" on one and not the other (UserStore conformance suite).
    connection.function('lower', { deterministic: true }, (value: unknown) =>
      typeof value === 'string' ? value.toLowerCase() : value === null ? null : String(value),
    );
    return connection;
  };
  const db = new (kysely().Kysely)<LiftTables>({
    dialect: new (kysely().SqliteDialect)({ database: async () => open() }),
  });
  return kyselyDatabase('sqlite', db);
}
