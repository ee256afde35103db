import type { Grant } from '../stores/grant-store.ts';
import type { Role } from '../stores/role-store.ts';

/** The JSON shapes of the roles and grants endpoints (snake_case, ISO times). */

export interface RoleView {
  id: string;
  scope: Role['scope'];
  tenant_id: string | null;
  name: string;
  description: string | null;
  permissions: string[];
  /** Ids of the roles inherited. */
  inherits: string[];
  created_at: string;
  updated_at: string;
}

export interface GrantView {
  id: string;
  subject: Grant['subject'];
  role_id: string;
  /** null for a global grant. */
  tenant_id: string | null;
  created_by: string | null;
  created_at: string;
}

export function roleView(role: Role): RoleView {
  return {
    id: role.id,
    scope: role.scope,
    tenant_id: role.tenantId,
    name: role.name,
    description: role.description,
    permissions: role.permissions,
    inherits: role.inherits,
    created_at: role.createdAt.toISOString(),
    updated_at: role.updatedAt.toISOString(),
  };
}

export function grantView(grant: Grant): GrantView {
  return {
    id: grant.id,
    subject: grant.subject,
    role_id: grant.roleId,
    tenant_id: grant.tenantId,
    created_by: grant.createdBy,
    created_at: grant.createdAt.toISOString(),
  };
}
