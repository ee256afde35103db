import type { SqlDatabase } from '../storage/index.ts';
import { GLOBAL_TENANT } from './stores/access-tables.ts';
import type { GrantSubjectType } from './stores/grant-store.ts';
import { parseJsonObject, parseStringArray } from './stores/json-text.ts';
import type { RoleOwner } from './stores/role-store.ts';

export interface SnapshotRole {
  id: string;
  owner: RoleOwner;
  name: string;
  permissions: string[];
  inherits: string[];
}

export interface SnapshotGrant {
  subject: { type: GrantSubjectType; id: string };
  roleId: string;
  /** null for a global grant. */
  tenantId: string | null;
}

/** Every role (system, templates, every tenant's) and every grant: what an `AccessControl` starts from. */
export interface AccessSnapshot {
  roles: SnapshotRole[];
  grants: SnapshotGrant[];
  /** The tenants whose settings say `require_mfa: true`. */
  mfaTenants: string[];
  /** Every membership. */
  memberships: Array<{ tenantId: string; userId: string }>;
}

/**
 * Where `AccessControl.start()` reads the whole model. The store ports are tenant-scoped by design (no call
 * lists every tenant's rows), so the one cross-tenant read lives here, apart from them.
 */
export interface AccessSnapshotSource {
  load(): Promise<AccessSnapshot>;
  /** Whether tenant `tenantId` requires MFA now (false for an unknown tenant), after a `tenant` change. */
  requiresMfa(tenantId: string): Promise<boolean>;
  /** The user ids of every member of `tenantId` now (none for an unknown tenant), after a `tenant` change. */
  membersOf(tenantId: string): Promise<string[]>;
}

/** `require_mfa` in a tenant's settings: only the JSON value `true` turns it on. */
export function settingsRequireMfa(settingsText: string): boolean {
  return parseJsonObject(settingsText).require_mfa === true;
}

/** Reads `lift_roles` and `lift_grants` in full (and the tenants requiring MFA), on SQLite or PostgreSQL. */
export class SqlAccessSnapshot implements AccessSnapshotSource {
  readonly #database: SqlDatabase;

  constructor(database: SqlDatabase) {
    this.#database = database;
  }

  async load(): Promise<AccessSnapshot> {
    const db = this.#database.db;
    const roles = await db
      .selectFrom('lift_roles')
      .select(['id', 'scope', 'tenant_id', 'name', 'permissions', 'inherits'])
      .execute();
    const grants = await db
      .selectFrom('lift_grants')
      .select(['subject_type', 'subject_id', 'role_id', 'tenant_id'])
      .execute();
    // Only settings that mention the key need parsing; the JSON decides.
    const tenants = await db
      .selectFrom('lift_tenants')
      .select(['id', 'settings'])
      .where('settings', 'like', '%require_mfa%')
      .execute();
    const memberships = await db.selectFrom('lift_memberships').select(['tenant_id', 'user_id']).execute();
    return {
      memberships: memberships.map((row) => ({ tenantId: row.tenant_id, userId: row.user_id })),
      mfaTenants: tenants.filter((row) => settingsRequireMfa(row.settings)).map((row) => row.id),
      roles: roles.map((row) => ({
        id: row.id,
        owner:
          row.scope === 'tenant' && row.tenant_id !== null
            ? { scope: 'tenant', tenantId: row.tenant_id }
            : { scope: row.scope === 'template' ? 'template' : 'system' },
        name: row.name,
        permissions: parseStringArray(row.permissions),
        inherits: parseStringArray(row.inherits),
      })),
      grants: grants.map((row) => ({
        subject: { type: row.subject_type, id: row.subject_id },
        roleId: row.role_id,
        tenantId: row.tenant_id === GLOBAL_TENANT ? null : row.tenant_id,
      })),
    };
  }

  async requiresMfa(tenantId: string): Promise<boolean> {
    const row = await this.#database.db
      .selectFrom('lift_tenants')
      .select('settings')
      .where('id', '=', tenantId)
      .executeTakeFirst();
    return row !== undefined && settingsRequireMfa(row.settings);
  }

  async membersOf(tenantId: string): Promise<string[]> {
    const rows = await this.#database.db
      .selectFrom('lift_memberships')
      .select('user_id')
      .where('tenant_id', '=', tenantId)
      .execute();
    return rows.map((row) => row.user_id);
  }
}
