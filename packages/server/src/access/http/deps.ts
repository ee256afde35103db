import type { Clock } from '../../core/clock.ts';
import type { LiftConfig } from '../../core/config/schema.ts';
import type { LiftCapabilities, PermissionGuard } from '../../core/module.ts';
import type { Identity } from '../../identity/index.ts';
import type { Sessions } from '../../sessions/index.ts';
import type { Access } from '../access.ts';
import type { AccessGuards } from '../guards.ts';
import type { TenantFlowDeps } from '../tenants/tenant-flow-deps.ts';

/** What the access-control endpoints are built from; getters, because routes exist before storage opens. */
export interface AccessRouteDeps {
  config: LiftConfig;
  access: () => Access;
  /** Identity's face: its user directory, the origin check and the throttle the invitation signup reuses. */
  identity: () => Identity;
  /** The sessions module's face: a tenant switch rotates the session and sets its cookie. */
  sessions: () => Sessions;
  /** The `tokenIssuer` capability (the tokens module's), or undefined when the app has none. */
  tokenIssuer: () => LiftCapabilities['tokenIssuer'] | undefined;
  /** What the tenant, member and invitation flows run on. */
  flows: () => TenantFlowDeps;
  clock: Clock;
  /** Tenant-aware guards (`requirePermission('members:invite')` reads the `:tenantId` parameter). */
  guards: AccessGuards;
  /** Global-only permission guard for `/admin/api/*`. */
  permit: PermissionGuard;
}
