import type { MigrationSet } from '../storage/index.ts';
import { sql } from '../storage/index.ts';

/**
 * The tokens module's tables: signing keys, refresh-token families and tokens, access-token revocations.
 * Part of Lift's historical `lift` set: the four original modules contribute their steps to it by name (names and
 * order unchanged), so databases migrated before modules owned their migrations see nothing new. Append new steps
 * with a name that sorts after every shipped one; never edit one that has shipped. A new module uses its own set
 * (`name: '<module>'`, its own bookkeeping table) instead; see storage/README.md.
 */
export const tokensMigrations: MigrationSet = {
  name: 'lift',
  migrations: [
    {
      name: '0006_create_tokens',
      async up(db) {
        // Signing keys: the private half sealed with a key derived from the root secret; the public half as a
        // JWK. A retired key keeps verifying until verify_until (its last token's expiry), then leaves the JWKS.
        await db.schema
          .createTable('lift_signing_keys')
          .addColumn('kid', 'text', (column) => column.primaryKey())
          .addColumn('alg', 'text', (column) => column.notNull())
          .addColumn('public_jwk', 'text')
          .addColumn('private_sealed', 'text', (column) => column.notNull())
          .addColumn('status', 'text', (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('activated_at', 'bigint')
          .addColumn('retired_at', 'bigint')
          .addColumn('verify_until', 'bigint')
          .addCheckConstraint(
            'lift_signing_keys_status_check',
            sql`status in ('pending', 'active', 'retired')`,
          )
          .execute();
        // Refresh-token families: one per login; rotation keeps the family, reuse revokes it.
        await db.schema
          .createTable('lift_refresh_families')
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('user_id', 'text', (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('last_used_at', 'bigint', (column) => column.notNull())
          .addColumn('idle_expires_at', 'bigint', (column) => column.notNull())
          .addColumn('absolute_expires_at', 'bigint', (column) => column.notNull())
          .addColumn('auth_time', 'bigint', (column) => column.notNull())
          .addColumn('amr', 'text', (column) => column.notNull())
          .addColumn('scope', 'text')
          .addColumn('tenant_id', 'text')
          .addColumn('dpop_jkt', 'text')
          .addColumn('revoked_at', 'bigint')
          .addColumn('revoked_reason', 'text')
          .execute();
        await db.schema
          .createIndex('lift_refresh_families_user_id')
          .on('lift_refresh_families')
          .column('user_id')
          .execute();
        // Each refresh token of a family, stored as its SHA-256. rotated_at is set when it is exchanged;
        // successor_sealed holds the successor pair for the optional grace window, sealed, then cleared.
        await db.schema
          .createTable('lift_refresh_tokens')
          .addColumn('token_hash', 'text', (column) => column.primaryKey())
          .addColumn('family_id', 'text', (column) => column.notNull())
          .addColumn('generation', 'integer', (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('rotated_at', 'bigint')
          .addColumn('successor_sealed', 'text')
          .execute();
        await db.schema
          .createIndex('lift_refresh_tokens_family_id')
          .on('lift_refresh_tokens')
          .column('family_id')
          .execute();
      },
      async down(db) {
        await db.schema.dropTable('lift_refresh_tokens').execute();
        await db.schema.dropTable('lift_refresh_families').execute();
        await db.schema.dropTable('lift_signing_keys').execute();
      },
    },
    {
      name: '0009_create_token_revocations',
      async up(db) {
        // Access-token revocations (by jti, by sid, per-user not-before), durable so that a node that missed
        // the broker message reads them back at start and when the broker returns after an outage.
        await db.schema
          .createTable('lift_token_revocations')
          .addColumn('kind', 'text', (column) => column.notNull())
          .addColumn('value', 'text', (column) => column.notNull())
          .addColumn('not_before', 'bigint', (column) => column.notNull())
          .addColumn('expires_at', 'bigint', (column) => column.notNull())
          .addPrimaryKeyConstraint('lift_token_revocations_pkey', ['kind', 'value'])
          .addCheckConstraint('lift_token_revocations_kind_check', sql`kind in ('jti', 'sid', 'user')`)
          .execute();
        await db.schema
          .createIndex('lift_token_revocations_expires_at')
          .on('lift_token_revocations')
          .column('expires_at')
          .execute();
      },
      async down(db) {
        await db.schema.dropTable('lift_token_revocations').execute();
      },
    },
  ],
};
