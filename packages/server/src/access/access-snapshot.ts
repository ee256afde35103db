import type { SqlDatabase } from '../storage/ports.ts';
import { GLOBAL_TENANT } from './stores/access-tables.ts';
import type { GrantSubjectType } from './stores/grant-store.ts';
import { parseStringArray } from './stores/json-text.ts';
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
}

/**
 * Where `AccessControl.start()` reads the whole model. The store ports are tenant-scoped by design (no call
 * lists every tenant's rows), so the one cross-tenant read lives here, apart from them.
 */
export interface AccessSnapshotSource {
  load(): Promise<AccessSnapshot>;
}

/** Reads `lift_roles` and `lift_grants` in full, on SQLite or PostgreSQL. */
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
    return {
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
}
