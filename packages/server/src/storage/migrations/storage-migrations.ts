import type { MigrationSet } from '../ports.ts';

/**
 * The set Lift's modules contribute their migrations to (`lift_migrations` is its bookkeeping table). Named
 * once, here, because the storage layer runs it and refuses it as an app's set name.
 */
export const LIFT_MIGRATION_SET = 'lift';

/**
 * The storage layer's own table: the SQL key-value store (`storage.kv = sql`).
 * Part of Lift's historical `lift` set: the four original modules contribute their steps to it by name (names and
 * order unchanged), so databases migrated before modules owned their migrations see nothing new. Append new steps
 * with a name that sorts after every shipped one; never edit one that has shipped. A new module uses its own set
 * (`name: '<module>'`, its own bookkeeping table) instead; see storage/README.md.
 */
export const storageMigrations: MigrationSet = {
  name: LIFT_MIGRATION_SET,
  migrations: [
    {
      name: '0001_create_kv',
      async up(db) {
        await db.schema
          .createTable('lift_kv')
          .addColumn('key', 'text', (column) => column.primaryKey())
          .addColumn('value', 'text', (column) => column.notNull())
          .addColumn('expires_at', 'bigint')
          .execute();
        await db.schema.createIndex('lift_kv_expires_at').on('lift_kv').column('expires_at').execute();
      },
      async down(db) {
        await db.schema.dropTable('lift_kv').execute();
      },
    },
  ],
};
