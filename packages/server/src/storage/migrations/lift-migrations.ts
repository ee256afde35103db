import { sql } from 'kysely';
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
    {
      name: '0002_create_users',
      async up(db) {
        await db.schema
          .createTable('lift_users')
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('email', 'text', (column) => column.notNull())
          .addColumn('email_normalized', 'text', (column) => column.notNull())
          .addColumn('name', 'text')
          .addColumn('status', 'text', (column) => column.notNull().defaultTo('active'))
          .addColumn('email_verified_at', 'bigint')
          .addColumn('password_hash', 'text')
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('updated_at', 'bigint', (column) => column.notNull())
          .addUniqueConstraint('lift_users_email_normalized_key', ['email_normalized'])
          .addCheckConstraint('lift_users_status_check', sql`status in ('active', 'disabled')`)
          .execute();
        // Listing pages by (created_at, id); the id breaks ties between users created in the same ms.
        await db.schema
          .createIndex('lift_users_created_at')
          .on('lift_users')
          .columns(['created_at', 'id'])
          .execute();
      },
      async down(db) {
        await db.schema.dropTable('lift_users').execute();
      },
    },
  ],
};
