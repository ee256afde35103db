import { type Kysely, sql } from 'kysely';
import {
  giveOwnersEveryPermission,
  moveSystemRolesToGrants,
  seedDefaultRoles,
} from '../../access/stores/sql-default-roles.ts';
import type { LiftTables, MigrationSet } from '../ports.ts';

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
    {
      name: '0005_create_system_roles',
      async up(db) {
        // Global roles (`admin`) until the access-control module brings grants and role hierarchies.
        await db.schema
          .createTable('lift_system_roles')
          .addColumn('user_id', 'text', (column) => column.notNull())
          .addColumn('role', 'text', (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addPrimaryKeyConstraint('lift_system_roles_pkey', ['user_id', 'role'])
          .execute();
      },
      async down(db) {
        await db.schema.dropTable('lift_system_roles').execute();
      },
    },
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
      name: '0007_create_access',
      async up(db) {
        // Access control (packages/server/src/access/stores/README.md). No foreign keys: SQLite enforces them
        // only with a per-connection pragma, so the stores delete dependent rows themselves, in one transaction.
        await db.schema
          .createTable('lift_tenants')
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('name', 'text', (column) => column.notNull())
          .addColumn('slug', 'text', (column) => column.notNull())
          .addColumn('settings', 'text', (column) => column.notNull().defaultTo('{}'))
          .addColumn('created_by', 'text', (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('updated_at', 'bigint', (column) => column.notNull())
          .addUniqueConstraint('lift_tenants_slug_key', ['slug'])
          .execute();
        await db.schema
          .createTable('lift_memberships')
          .addColumn('tenant_id', 'text', (column) => column.notNull())
          .addColumn('user_id', 'text', (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addPrimaryKeyConstraint('lift_memberships_pkey', ['tenant_id', 'user_id'])
          .execute();
        // Member lists page by (created_at, user_id) within a tenant; a user's tenants are found by user_id.
        await db.schema
          .createIndex('lift_memberships_tenant_created_at')
          .on('lift_memberships')
          .columns(['tenant_id', 'created_at', 'user_id'])
          .execute();
        await db.schema
          .createIndex('lift_memberships_user_id')
          .on('lift_memberships')
          .column('user_id')
          .execute();
        // permissions and inherits are JSON arrays of strings. tenant_id is set exactly for scope 'tenant'.
        await db.schema
          .createTable('lift_roles')
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('tenant_id', 'text')
          .addColumn('scope', 'text', (column) => column.notNull())
          .addColumn('name', 'text', (column) => column.notNull())
          .addColumn('description', 'text')
          .addColumn('permissions', 'text', (column) => column.notNull().defaultTo('[]'))
          .addColumn('inherits', 'text', (column) => column.notNull().defaultTo('[]'))
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('updated_at', 'bigint', (column) => column.notNull())
          .addCheckConstraint('lift_roles_scope_check', sql`scope in ('system', 'tenant', 'template')`)
          .addCheckConstraint(
            'lift_roles_tenant_check',
            sql`(scope = 'tenant' and tenant_id is not null) or (scope <> 'tenant' and tenant_id is null)`,
          )
          .execute();
        // NULLs are distinct in a unique index on both dialects, so one partial index per kind of owner.
        await db.schema
          .createIndex('lift_roles_global_name_key')
          .unique()
          .on('lift_roles')
          .columns(['scope', 'name'])
          .where(sql.ref('tenant_id'), 'is', null)
          .execute();
        await db.schema
          .createIndex('lift_roles_tenant_name_key')
          .unique()
          .on('lift_roles')
          .columns(['tenant_id', 'name'])
          .where(sql.ref('tenant_id'), 'is not', null)
          .execute();
        // tenant_id is '*' for a global grant, never NULL: a NULL would make the unique key below accept
        // duplicates of every global grant (NULLs are distinct in unique constraints).
        await db.schema
          .createTable('lift_grants')
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('subject_type', 'text', (column) => column.notNull())
          .addColumn('subject_id', 'text', (column) => column.notNull())
          .addColumn('role_id', 'text', (column) => column.notNull())
          .addColumn('tenant_id', 'text', (column) => column.notNull())
          .addColumn('created_by', 'text')
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addUniqueConstraint('lift_grants_subject_role_tenant_key', [
            'subject_type',
            'subject_id',
            'role_id',
            'tenant_id',
          ])
          .addCheckConstraint(
            'lift_grants_subject_type_check',
            sql`subject_type in ('user', 'api_key', 'service')`,
          )
          .execute();
        await db.schema.createIndex('lift_grants_tenant_id').on('lift_grants').column('tenant_id').execute();
        await db.schema.createIndex('lift_grants_role_id').on('lift_grants').column('role_id').execute();
        // Only the token's SHA-256 is stored; `id` is the public handle for lists and revocation.
        await db.schema
          .createTable('lift_invitations')
          .addColumn('token_hash', 'text', (column) => column.primaryKey())
          .addColumn('id', 'text', (column) => column.notNull())
          .addColumn('tenant_id', 'text', (column) => column.notNull())
          .addColumn('email_normalized', 'text', (column) => column.notNull())
          .addColumn('role_id', 'text')
          .addColumn('invited_by', 'text', (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addColumn('expires_at', 'bigint', (column) => column.notNull())
          .addColumn('accepted_at', 'bigint')
          .addUniqueConstraint('lift_invitations_id_key', ['id'])
          .execute();
        await db.schema
          .createIndex('lift_invitations_tenant_id')
          .on('lift_invitations')
          .columns(['tenant_id', 'created_at'])
          .execute();
      },
      async down(db) {
        await db.schema.dropTable('lift_invitations').execute();
        await db.schema.dropTable('lift_grants').execute();
        await db.schema.dropTable('lift_roles').execute();
        await db.schema.dropTable('lift_memberships').execute();
        await db.schema.dropTable('lift_tenants').execute();
      },
    },
    {
      name: '0008_default_roles',
      async up(db) {
        // The system admin role and the tenant templates (access/default-roles.ts); the admins of
        // lift_system_roles become global grants of that role, and the old table goes. Sessions remember the
        // active tenant (POST /auth/tenant).
        const liftDb = db as unknown as Kysely<LiftTables>;
        const { systemAdminId } = await seedDefaultRoles(liftDb, Date.now());
        await moveSystemRolesToGrants(liftDb, systemAdminId);
        await db.schema.dropTable('lift_system_roles').execute();
        await db.schema.alterTable('lift_sessions').addColumn('tenant_id', 'text').execute();
      },
      async down(db) {
        await db.schema.alterTable('lift_sessions').dropColumn('tenant_id').execute();
        await db.schema
          .createTable('lift_system_roles')
          .addColumn('user_id', 'text', (column) => column.notNull())
          .addColumn('role', 'text', (column) => column.notNull())
          .addColumn('created_at', 'bigint', (column) => column.notNull())
          .addPrimaryKeyConstraint('lift_system_roles_pkey', ['user_id', 'role'])
          .execute();
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
    {
      name: '0010_tenant_owner_holds_every_permission',
      async up(db) {
        // A tenant's owner held `tenant:*` plus what the templates gave when the tenant was made, so
        // permissions an app declared later were out of its reach. Owners (and the template) now hold `*`;
        // global permissions stay global (decided on global grants alone).
        await giveOwnersEveryPermission(db as unknown as Kysely<LiftTables>, Date.now());
      },
    },
  ],
};
