import type { Kysely } from 'kysely';
import type { MigrationSet, SqlDialectName } from '../storage/index.ts';
import { sql } from '../storage/index.ts';

/**
 * The sessions module's table, `lift_sessions`.
 * Part of Lift's historical `lift` set: the four original modules contribute their steps to it by name (names and
 * order unchanged), so databases migrated before modules owned their migrations see nothing new. Append new steps
 * with a name that sorts after every shipped one; never edit one that has shipped. A new module uses its own set
 * (`name: '<module>'`, its own bookkeeping table) instead; see storage/README.md.
 */
export const sessionsMigrations: MigrationSet = {
  name: 'lift',
  migrations: [
    {
      name: '0003_create_sessions',
      async up(db) {
        // Sessions: the token is never stored, only its SHA-256 (token_hash). `id` is a separate public id
        // (session lists, revocation by id), so knowing an id never lets anyone present the session.
        await db.schema
          .createTable('lift_sessions')
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('token_hash', 'text', (column) => column.notNull())
          .addColumn('user_id', 'text', (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('last_seen_at', 'bigint', (column) => column.notNull())
          .addColumn('idle_expires_at', 'bigint', (column) => column.notNull())
          .addColumn('absolute_expires_at', 'bigint', (column) => column.notNull())
          .addColumn('auth_time', 'bigint', (column) => column.notNull())
          .addColumn('amr', 'text', (column) => column.notNull())
          .addColumn('ip', 'text')
          .addColumn('user_agent', 'text')
          .addColumn('ua_family', 'text', (column) => column.notNull())
          .addColumn('ip_prefix', 'text', (column) => column.notNull())
          .addUniqueConstraint('lift_sessions_token_hash_key', ['token_hash'])
          .execute();
        await db.schema.createIndex('lift_sessions_user_id').on('lift_sessions').column('user_id').execute();
        await db.schema
          .createIndex('lift_sessions_idle_expires_at')
          .on('lift_sessions')
          .column('idle_expires_at')
          .execute();
      },
      async down(db) {
        await db.schema.dropTable('lift_sessions').execute();
      },
    },
    {
      name: '0008_sessions_active_tenant',
      async up(db, dialect) {
        // Sessions remember the active tenant (POST /auth/tenant). Until modules owned their migrations the
        // access module's 0008_default_roles added this column, so a database migrated then has it already.
        if (await hasColumn(db, dialect, 'lift_sessions', 'tenant_id')) return;
        await db.schema.alterTable('lift_sessions').addColumn('tenant_id', 'text').execute();
      },
      async down(db) {
        await db.schema.alterTable('lift_sessions').dropColumn('tenant_id').execute();
      },
    },
  ],
};

async function hasColumn(
  db: Kysely<unknown>,
  dialect: SqlDialectName,
  table: string,
  column: string,
): Promise<boolean> {
  if (dialect === 'sqlite') {
    const { rows } = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db);
    return rows.some((row) => row.name === column);
  }
  const { rows } = await sql<{ name: string }>`
    select column_name as name from information_schema.columns
    where table_schema = current_schema() and table_name = ${table} and column_name = ${column}`.execute(db);
  return rows.length > 0;
}
