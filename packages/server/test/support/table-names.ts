import { sql } from 'kysely';
import type { SqlDatabase } from '../../src/storage/ports.ts';

/**
 * The tables of this database's own schema, sorted. Not Kysely's introspection: on PostgreSQL it reads every
 * schema, and fails when a test running alongside drops its schema in the middle of the read.
 */
export async function tableNames(database: SqlDatabase): Promise<string[]> {
  const query =
    database.dialect === 'postgres'
      ? sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE'`
      : sql<{
          name: string;
        }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`;
  const { rows } = await query.execute(database.db);
  return rows.map((row) => row.name).sort();
}
