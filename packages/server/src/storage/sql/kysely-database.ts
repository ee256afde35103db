import type { Kysely } from 'kysely';
import type { LiftTables, SqlDatabase, SqlDialectName, SqliteNow } from '../ports.ts';
import { sql } from './kysely-runtime.ts';

/** The SqlDatabase port over a Kysely instance: `ping` runs `select 1`; `close` is idempotent. */
export function kyselyDatabase(
  dialect: SqlDialectName,
  db: Kysely<LiftTables>,
  sqlite?: SqliteNow,
): SqlDatabase {
  let closing: Promise<void> | undefined;
  return {
    dialect,
    db,
    ...(sqlite === undefined ? {} : { sqlite }),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close() {
      closing ??= db.destroy();
      return closing;
    },
  };
}
