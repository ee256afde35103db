import type { MigrationSet } from '../ports.ts';

/** Lift's own tables. Append new steps; never edit one that has shipped. */
export const liftMigrations: MigrationSet = {
  name: 'lift',
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
