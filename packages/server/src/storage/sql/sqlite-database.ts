import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { lazyRequire } from '../../core/lazy-require.ts';
import type { LiftTables, SqlDatabase, SqliteNow, SqliteStatement } from '../ports.ts';
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
    // Every commit synced to disk, on every start: better-sqlite3 is built so that a database *reopened* in WAL
    // mode gets NORMAL (a power loss may lose the last commits), while a new one keeps FULL. Writes that may be
    // lost ask for it per transaction (`immediate(work, { durable: false })`: rate-limit counters).
    connection.pragma('synchronous = FULL');
    connection.pragma('foreign_keys = ON');
    connection.pragma('busy_timeout = 5000');
    // SQLite's own lower() folds ASCII only, PostgreSQL's every letter: without this, a case-insensitive
    // search for "ÉLODIE" finds "Élodie" on one and not the other (UserStore conformance suite).
    connection.function('lower', { deterministic: true }, (value: unknown) =>
      typeof value === 'string' ? value.toLowerCase() : value === null ? null : String(value),
    );
    return connection;
  };
  // One connection for Kysely and the synchronous path: whichever asks first opens it.
  let connection: Database.Database | undefined;
  const opened = (): Database.Database => {
    connection ??= open();
    return connection;
  };
  const db = new (kysely().Kysely)<LiftTables>({
    dialect: new (kysely().SqliteDialect)({ database: async () => opened() }),
  });
  return kyselyDatabase('sqlite', db, sqliteNow(opened));
}

function sqliteNow(connection: () => Database.Database): SqliteNow {
  const statements = new Map<string, SqliteStatement>();
  let begin: Database.Statement | undefined;
  let commit: Database.Statement | undefined;
  let rollback: Database.Statement | undefined;
  /**
   * The connection's `synchronous` level, read once, to set back after a transaction that need not survive a
   * power loss. A PRAGMA takes effect when it is prepared, so these are executed afresh, never cached.
   */
  let level: number | undefined;
  return {
    statement(text) {
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = connection().prepare(text) as unknown as SqliteStatement;
        statements.set(text, statement);
      }
      return statement;
    },
    immediate(work, options) {
      const db = connection();
      // A Kysely transaction between two of its awaits: joining it would tie this write to its fate.
      if (db.inTransaction) return undefined;
      begin ??= db.prepare('BEGIN IMMEDIATE');
      commit ??= db.prepare('COMMIT');
      rollback ??= db.prepare('ROLLBACK');
      // WAL with synchronous = NORMAL: the commit is not synced to disk (a power loss may lose it, never
      // corrupt the database); the next FULL commit of any transaction syncs it with its own.
      level ??= Number(db.pragma('synchronous', { simple: true }));
      // Already NORMAL (1) or OFF (0): nothing to relax.
      const relax = options?.durable === false && level > 1;
      if (relax) db.exec('PRAGMA synchronous = NORMAL');
      try {
        begin.run();
        try {
          const value = work();
          commit.run();
          return { value };
        } catch (error) {
          if (db.inTransaction) rollback.run();
          throw error;
        }
      } finally {
        if (relax) db.exec(`PRAGMA synchronous = ${level}`);
      }
    },
  };
}
