import type { LiftConfig } from '../../core/config/schema.ts';
import type { PermissionGuard } from '../../core/module.ts';
import type { Identity } from '../../identity/index.ts';
import type { Access } from '../access.ts';
import type { AccessGuards } from '../guards.ts';

/** What the access-control endpoints are built from; getters, because routes exist before storage opens. */
export interface AccessRouteDeps {
  config: LiftConfig;
  access: () => Access;
  identity: () => Identity;
  /** Tenant-aware guards (`requirePermission('members:invite')` reads the `:tenantId` parameter). */
  guards: AccessGuards;
  /** Global-only permission guard for `/admin/api/*`. */
  permit: PermissionGuard;
}
