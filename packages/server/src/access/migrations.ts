import type { Kysely } from 'kysely';
import type { LiftTables, MigrationSet } from '../storage/index.ts';
import { sql } from '../storage/index.ts';
import {
  giveOwnersEveryPermission,
  moveSystemRolesToGrants,
  seedDefaultRoles,
} from './stores/sql-default-roles.ts';

/**
 * The access module's tables (tenants, memberships, roles, grants, invitations) and the seeding of its default
 * roles. `0005_create_system_roles` is here too: the global roles it held became the access module's grants in
 * `0008_default_roles`, which drops it.
 * Part of Lift's historical `lift` set: the four original modules contribute their steps to it by name (names and
 * order unchanged), so databases migrated before modules owned their migrations see nothing new. Append new steps
 * with a name that sorts after every shipped one; never edit one that has shipped. A new module uses its own set
 * (`name: '<module>'`, its own bookkeeping table) instead; see storage/README.md.
 */
export const accessMigrations: MigrationSet = {
  name: 'lift',
  migrations: [
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
      name: '0007_create_access',
      async up(db) {
        // Access control (packages/server/src/access/stores/README.md). No foreign keys: SQLite enforces them
        // only with a per-connection pragma, so the stores delete dependent rows themselves, in one transaction.
        await createTenantTables(db);
        await createRoleTables(db);
        await createGrantTables(db);
        await createInvitationTables(db);
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
        // The system admin role and the tenant templates (default-roles.ts); the admins of lift_system_roles
        // become global grants of that role, and the old table goes. This step also added lift_sessions.tenant_id
        // until modules owned their migrations; that column is now the sessions module's own step
        // (0008_sessions_active_tenant), which adds it only where this step has not.
        const liftDb = db as unknown as Kysely<LiftTables>;
        const { systemAdminId } = await seedDefaultRoles(liftDb, Date.now());
        await moveSystemRolesToGrants(liftDb, systemAdminId);
        await db.schema.dropTable('lift_system_roles').execute();
      },
      async down(db) {
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

/** `0007_create_access`: tenants and their memberships. */
async function createTenantTables(db: Kysely<unknown>): Promise<void> {
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
  await db.schema.createIndex('lift_memberships_user_id').on('lift_memberships').column('user_id').execute();
}

/** `0007_create_access`: roles. */
async function createRoleTables(db: Kysely<unknown>): Promise<void> {
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
}

/** `0007_create_access`: grants. */
async function createGrantTables(db: Kysely<unknown>): Promise<void> {
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
    .addCheckConstraint('lift_grants_subject_type_check', sql`subject_type in ('user', 'api_key', 'service')`)
    .execute();
  await db.schema.createIndex('lift_grants_tenant_id').on('lift_grants').column('tenant_id').execute();
  await db.schema.createIndex('lift_grants_role_id').on('lift_grants').column('role_id').execute();
}

/** `0007_create_access`: invitations. */
async function createInvitationTables(db: Kysely<unknown>): Promise<void> {
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
}
