import { ALL_PERMISSIONS } from './engine/permission.ts';

/**
 * The roles every Lift database starts with (migration `lift/0008_default_roles`), and the permissions Lift's
 * own endpoints check. Seeded once, in a migration, so the workers of a cluster never race to create them;
 * change them afterwards through the admin API (`/admin/api/roles`).
 *
 * - System role `admin`: `*`, granted globally, so it holds in every tenant.
 * - Tenant templates `owner` ⊃ `admin` ⊃ `member` ⊃ `viewer`: copied into each new tenant (as that tenant's
 *   own roles, inheritance included) when the tenant is created; the creator is granted the copy of `owner`,
 *   which holds `*` (migration 0009 gives it to the owners of tenants made before). Editing a template changes
 *   tenants created afterwards; `addTemplatePermissions(…, { applyToExisting: true })` reaches existing ones.
 */

/** Name of the system role that holds every permission everywhere. */
export const SYSTEM_ADMIN_ROLE = 'admin';

/** Name of the role a tenant's creator receives, and the one ownership transfer moves. */
export const TENANT_OWNER_ROLE = 'owner';

/** The permissions Lift's built-in endpoints check, by what they guard. */
export const LIFT_PERMISSIONS = {
  /** Reading a tenant's name, slug and settings. */
  tenantRead: 'tenant:read',
  /** Renaming a tenant, changing its settings. */
  tenantUpdate: 'tenant:update',
  /** Deleting a tenant (also needs a fresh session). */
  tenantDelete: 'tenant:delete',
  /** Handing the owner role to another member. */
  tenantTransfer: 'tenant:transfer',
  membersRead: 'members:read',
  membersInvite: 'members:invite',
  /** Changing a member's role. */
  membersUpdate: 'members:update',
  membersRemove: 'members:remove',
  rolesRead: 'roles:read',
  rolesWrite: 'roles:write',
  grantsRead: 'grants:read',
  grantsWrite: 'grants:write',
  usersRead: 'users:read',
  /** Disabling and enabling users. */
  usersUpdate: 'users:update',
  usersMfaReset: 'users:reset_mfa',
  sessionsRevoke: 'sessions:revoke',
  tokensIntrospect: 'tokens:introspect',
  keysRotate: 'keys:rotate',
  accessCheck: 'access:check',
  /** Reading the Prometheus scrape on the app port (telemetry/). */
  metricsRead: 'metrics:read',
  /** Reading the log level of each module (telemetry/log-level-routes.ts). */
  logsRead: 'logs:read',
  /** Changing a module's log level at run time. */
  logsWrite: 'logs:write',
} as const;

export interface DefaultTemplate {
  name: string;
  description: string;
  permissions: string[];
  /** Names of the templates it inherits. */
  inherits: string[];
}

/** In inheritance order: each template inherits only templates listed before it. */
export const DEFAULT_TENANT_TEMPLATES: readonly DefaultTemplate[] = [
  {
    name: 'viewer',
    description: 'Reads the tenant and its member list.',
    permissions: [LIFT_PERMISSIONS.tenantRead, LIFT_PERMISSIONS.membersRead],
    inherits: [],
  },
  {
    name: 'member',
    description: 'A viewer who also works on the tenant’s own objects.',
    permissions: [],
    inherits: ['viewer'],
  },
  {
    name: 'admin',
    description: 'Manages members, invitations, roles and settings.',
    permissions: [
      LIFT_PERMISSIONS.tenantUpdate,
      'members:*',
      LIFT_PERMISSIONS.rolesRead,
      LIFT_PERMISSIONS.rolesWrite,
      LIFT_PERMISSIONS.grantsRead,
      LIFT_PERMISSIONS.grantsWrite,
    ],
    inherits: ['member'],
  },
  {
    // `*`, not a list: the owner holds every permission in its tenant, including those an app declares after
    // the tenant was made. Global permissions stay out of reach (AccessControl decides them globally).
    name: TENANT_OWNER_ROLE,
    description: 'Owns the tenant: every permission in it, now and later; may delete it or hand it over.',
    permissions: [ALL_PERMISSIONS],
    inherits: ['admin'],
  },
];
