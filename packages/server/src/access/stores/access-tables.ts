import type { ColumnType } from 'kysely';

/** PostgreSQL returns a `bigint` as a string, SQLite as a number; Lift always writes numbers (ms). */
type Millis = ColumnType<number | string, number, number>;

/** `lift_tenants`, created by `lift/0007_create_access`. */
export interface LiftTenantsTable {
  id: string;
  name: string;
  /** Lower-case, unique. */
  slug: string;
  /** A JSON object. */
  settings: string;
  created_by: string;
  created_at: Millis;
  updated_at: Millis;
}

/** `lift_memberships`: primary key (tenant_id, user_id). */
export interface LiftMembershipsTable {
  tenant_id: string;
  user_id: string;
  created_at: Millis;
}

export type RoleScopeColumn = 'system' | 'tenant' | 'template';

/** `lift_roles`: tenant_id is set exactly when scope is 'tenant' (checked by the database). */
export interface LiftRolesTable {
  id: string;
  tenant_id: string | null;
  scope: RoleScopeColumn;
  name: string;
  description: string | null;
  /** JSON array of permission strings. */
  permissions: string;
  /** JSON array of role ids. */
  inherits: string;
  created_at: Millis;
  updated_at: Millis;
}

/** `lift_grants`: tenant_id is `GLOBAL_TENANT` ('*') for a grant that holds in every tenant. */
export interface LiftGrantsTable {
  id: string;
  subject_type: 'user' | 'api_key' | 'service';
  subject_id: string;
  role_id: string;
  tenant_id: string;
  created_by: string | null;
  created_at: Millis;
}

/** `lift_invitations`: keyed by the token's SHA-256; `id` is the public handle. */
export interface LiftInvitationsTable {
  token_hash: string;
  id: string;
  tenant_id: string;
  email_normalized: string;
  role_id: string | null;
  invited_by: string;
  created_at: Millis;
  expires_at: Millis;
  accepted_at: ColumnType<number | string | null, number | null, number | null>;
}

/** The tenant_id of a global grant; tenant ids are base64url, so it can never name a tenant. */
export const GLOBAL_TENANT = '*';

declare module '../../storage/ports.ts' {
  interface LiftTables {
    lift_tenants: LiftTenantsTable;
    lift_memberships: LiftMembershipsTable;
    lift_roles: LiftRolesTable;
    lift_grants: LiftGrantsTable;
    lift_invitations: LiftInvitationsTable;
  }
}
