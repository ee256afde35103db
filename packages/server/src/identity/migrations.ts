import type { MigrationSet } from '../storage/index.ts';
import { sql } from '../storage/index.ts';

/**
 * The identity module's tables: users, single-use mail tokens and MFA factors.
 * Part of Lift's historical `lift` set: the four original modules contribute their steps to it by name (names and
 * order unchanged), so databases migrated before modules owned their migrations see nothing new. Append new steps
 * with a name that sorts after every shipped one; never edit one that has shipped. A new module uses its own set
 * (`name: '<module>'`, its own bookkeeping table) instead; see storage/README.md.
 */
export const identityMigrations: MigrationSet = {
  name: 'lift',
  migrations: [
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
    {
      name: '0004_create_identity_credentials',
      async up(db) {
        // Single-use mail tokens (verify email, reset password, set password): only the SHA-256 is stored.
        await db.schema
          .createTable('lift_email_tokens')
          .addColumn('token_hash', 'text', (column) => column.primaryKey())
          .addColumn('user_id', 'text', (column) => column.notNull())
          .addColumn('purpose', 'text', (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('expires_at', 'bigint', (column) => column.notNull())
          .addColumn('used_at', 'bigint')
          .execute();
        await db.schema
          .createIndex('lift_email_tokens_user_id')
          .on('lift_email_tokens')
          .columns(['user_id', 'purpose'])
          .execute();
        // One TOTP factor per user; the secret is sealed with a key derived from the root secret.
        // recovery_codes is a JSON array of SHA-256 hashes, a used code's slot set to null.
        await db.schema
          .createTable('lift_mfa_factors')
          .addColumn('user_id', 'text', (column) => column.primaryKey())
          .addColumn('type', 'text', (column) => column.notNull())
          .addColumn('secret_sealed', 'text', (column) => column.notNull())
          .addColumn('confirmed_at', 'bigint')
          .addColumn('last_used_step', 'bigint')
          .addColumn('recovery_codes', 'text', (column) => column.notNull().defaultTo('[]'))
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('updated_at', 'bigint', (column) => column.notNull())
          .execute();
        // NIST 800-63B: after 100 consecutive failures the account needs a password reset; this must
        // survive a key-value store that forgets.
        await db.schema
          .alterTable('lift_users')
          .addColumn('password_reset_required', 'integer', (column) => column.notNull().defaultTo(0))
          .execute();
      },
      async down(db) {
        await db.schema.alterTable('lift_users').dropColumn('password_reset_required').execute();
        await db.schema.dropTable('lift_mfa_factors').execute();
        await db.schema.dropTable('lift_email_tokens').execute();
      },
    },
  ],
};
