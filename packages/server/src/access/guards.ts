import type { Context as HonoContext } from 'hono';
import { principalOf } from '../core/authenticate.ts';
import { Context } from '../core/context.ts';
import { guardMiddleware } from '../core/guard.ts';
import { requestHeader } from '../core/request-headers.ts';
import { requestScope } from '../core/request-scope.ts';
import type { Principal } from '../core/request-state.ts';
import { describeMiddleware } from '../core/route-registry.ts';
import type { Middleware } from '../core/routes.ts';
import { noopTracer, type Tracer } from '../core/tracing.ts';
import { requestOrigin } from '../sessions/index.ts';
import type { AccessControl, AccessTarget } from './access-control.ts';
import { type AccessScope, GLOBAL } from './access-scope.ts';
import { parseCheckedPermission } from './engine/permission.ts';
import { PermissionCatalog } from './permission-catalog.ts';
import { NotTenantMemberError, PermissionDeniedError, RoleRequiredError } from './permission-denied-error.ts';
import { TenantMfaRequiredError } from './tenant-mfa.ts';

/**
 * Route guards bound to one `AccessControl`. They run after `requireAuth()`. The active tenant is the
 * `:tenantId` path parameter, else the `X-Tenant-Id` header, else the principal's active tenant (an access
 * token's `tid`, or the session's tenant from `POST /auth/tenant`); none means global grants only. A refusal is
 * 403 with a code per guard — `LIFT_PERMISSION_DENIED`, `LIFT_NOT_TENANT_MEMBER`, `LIFT_ROLE_REQUIRED` — and an
 * `access.denied` event. In a tenant whose settings say `require_mfa: true`, a
 * user allowed by the check but whose login had no second factor is refused with 403 `LIFT_MFA_REQUIRED`
 * (reason `mfa_required`); the check comes first, so only those it lets in learn the tenant requires MFA.
 */

export interface TenantGuardOptions {
  /** Path parameter naming the tenant. Default `tenantId`. */
  param?: string;
  /**
   * Decide on global grants alone, ignoring any tenant the request names: for system endpoints
   * (`/admin/api/*`), so no tenant role can open them.
   */
  global?: boolean;
}

export interface AccessGuards {
  /** Allows the request when the principal holds `permission` (`resource:action`) in the active tenant. */
  requirePermission(permission: string, options?: TenantGuardOptions): Middleware;
  /**
   * Allows the request when the principal's user is a member of the active tenant (a route without one is
   * refused). Membership comes from the memberships table, not from grants: a member may hold no role, and a
   * global grant makes nobody a member. Decided from memory (see `AccessControl.isMember`).
   */
  requireTenantMember(options?: TenantGuardOptions): Middleware;
  /**
   * Allows the request when the principal holds a role of one of these names in the active tenant (a system
   * role, or that tenant's role), directly or through inheritance: a tenant `owner` passes
   * `requireRole('admin')`. Prefer `requirePermission`: roles are data an admin can rename.
   */
  requireRole(names: string | readonly string[], options?: TenantGuardOptions): Middleware;
  /** Throws the 403 unless the principal may apply `permission` to `target` (`:own` grants included). */
  authorize(ctx: Context | HonoContext, permission: string, target: AccessTarget): Promise<void>;
}

export function activeTenant(c: HonoContext, principal: Principal, param = 'tenantId'): string | null {
  return c.req.param(param) ?? requestHeader(c, 'x-tenant-id') ?? principal.tenantId ?? null;
}

/** Where a guard decides: `GLOBAL` for system endpoints and for requests in no tenant, else the active tenant. */
function guardScope(c: HonoContext, principal: Principal, options: TenantGuardOptions): AccessScope {
  if (options.global === true) return GLOBAL;
  return activeTenant(c, principal, options.param) ?? GLOBAL;
}

/** The tenant a scope names, for events and the MFA check; null for `GLOBAL`. */
function tenantOf(scope: AccessScope): string | null {
  return scope === GLOBAL ? null : scope;
}

/** The tenant a guard decides in, kept for the access line's `tenant` (http/access-log). */
function decidedIn(c: HonoContext, scope: AccessScope): string | null {
  const tenantId = tenantOf(scope);
  if (tenantId !== null) requestScope(c).tenantId = tenantId;
  return tenantId;
}

/**
 * `permissions` are the declared ones (default: Lift's own); a guard naming another throws
 * `UndeclaredPermissionError` (with the closest declared name) when it is made.
 * `access` may be a getter, so guards can be declared before the app's storage is opened (routes are
 * registered at import time; the `AccessControl` is made on the first request).
 */
export function accessGuards(
  source: AccessControl | (() => AccessControl),
  permissions: PermissionCatalog = new PermissionCatalog(),
  tracer: Tracer = noopTracer,
): AccessGuards {
  const refusals = new Refusals(source, tracer);
  return {
    requirePermission: (permission, options = {}) =>
      permissionGuard(refusals, permissions, permission, options),
    requireTenantMember: (options = {}) => tenantMemberGuard(refusals, options),
    requireRole: (names, options = {}) => roleGuard(refusals, names, options),
    authorize: (ctx, permission, target) => authorizeTarget(refusals, permissions, ctx, permission, target),
  };
}

type Needed = { permission: string } | { roles: readonly string[] };

/** The access control the guards ask (resolved on first use), and how they refuse. */
class Refusals {
  #source: AccessControl | (() => AccessControl);
  #resolved: AccessControl | undefined;
  readonly #tracer: Tracer;

  constructor(source: AccessControl | (() => AccessControl), tracer: Tracer) {
    this.#source = source;
    this.#resolved = typeof source === 'function' ? undefined : source;
    this.#tracer = tracer;
  }

  /**
   * `check()`'s answer, as an `access.check` span when tracing is on: what was needed (`lift.access.guard`,
   * `lift.access.needed`), where (`lift.access.tenant_id`, absent for global) and `lift.access.decision`.
   */
  decide(guard: Needed | { member: true }, tenantId: string | null, check: () => boolean): boolean {
    if (!this.#tracer.enabled) return check();
    const needed =
      'permission' in guard ? guard.permission : 'roles' in guard ? guard.roles.join(',') : undefined;
    const span = this.#tracer.startSpan('access.check', {
      'lift.access.guard': 'permission' in guard ? 'permission' : 'roles' in guard ? 'role' : 'member',
      'lift.access.needed': needed,
      'lift.access.tenant_id': tenantId ?? undefined,
    });
    const allowed = check();
    span.setAttribute('lift.access.decision', allowed ? 'allowed' : 'denied');
    span.end();
    return allowed;
  }

  get control(): AccessControl {
    this.#resolved ??= (this.#source as () => AccessControl)();
    return this.#resolved;
  }

  deny(
    c: HonoContext,
    principal: Principal,
    tenantId: string | null,
    reason: 'missing_permission' | 'not_member' | 'missing_role' | 'mfa_required',
    needed?: Needed,
  ): void {
    this.control.events.emit('access.denied', {
      actor: principal.id,
      ...requestOrigin(c),
      reason,
      data: { ...needed, tenantId },
    });
  }

  /**
   * The refusal after a passed check when `lacksRequiredMfa` (one Set lookup, asked synchronously by each
   * guard so the allowed path awaits nothing more than before).
   */
  refuseWithoutMfa(c: HonoContext, principal: Principal, tenantId: string | null, needed?: Needed): never {
    this.deny(c, principal, tenantId, 'mfa_required', needed);
    throw new TenantMfaRequiredError();
  }
}

function permissionGuard(
  refusals: Refusals,
  permissions: PermissionCatalog,
  permission: string,
  options: TenantGuardOptions,
): Middleware {
  // A typo in a permission name fails when the route is declared, not on the first request.
  parseCheckedPermission(permission);
  permissions.assertDeclared(permission);
  const fact = { kind: 'permission', permission, global: options.global === true } as const;
  return describeMiddleware(
    guardMiddleware(function permissionGuard(c) {
      const principal = principalOf(c);
      const scope = guardScope(c, principal, options);
      const tenantId = decidedIn(c, scope);
      if (
        !refusals.decide({ permission }, tenantId, () => refusals.control.can(principal, permission, scope))
      ) {
        refusals.deny(c, principal, tenantId, 'missing_permission', { permission });
        throw new PermissionDeniedError(permission);
      }
      if (refusals.control.lacksRequiredMfa(principal, tenantId))
        refusals.refuseWithoutMfa(c, principal, tenantId, { permission });
    }),
    fact,
  );
}

function tenantMemberGuard(refusals: Refusals, options: TenantGuardOptions): Middleware {
  return describeMiddleware(
    guardMiddleware(function tenantMemberGuard(c) {
      const principal = principalOf(c);
      const tenantId = decidedIn(c, guardScope(c, principal, options));
      const member = () => tenantId !== null && refusals.control.isMember(principal, tenantId);
      if (!refusals.decide({ member: true }, tenantId, member)) {
        refusals.deny(c, principal, tenantId, 'not_member');
        throw new NotTenantMemberError();
      }
      if (refusals.control.lacksRequiredMfa(principal, tenantId))
        refusals.refuseWithoutMfa(c, principal, tenantId);
    }),
    { kind: 'tenantMember' },
  );
}

function roleGuard(
  refusals: Refusals,
  names: string | readonly string[],
  options: TenantGuardOptions,
): Middleware {
  const wanted = typeof names === 'string' ? [names] : [...names];
  if (wanted.length === 0) throw new TypeError('requireRole() needs at least one role name.');
  return describeMiddleware(
    guardMiddleware(function roleGuard(c) {
      const principal = principalOf(c);
      const scope = guardScope(c, principal, options);
      const tenantId = decidedIn(c, scope);
      const holds = () => wanted.some((name) => refusals.control.holdsRole(principal, name, scope));
      if (!refusals.decide({ roles: wanted }, tenantId, holds)) {
        refusals.deny(c, principal, tenantId, 'missing_role', { roles: wanted });
        throw new RoleRequiredError(wanted);
      }
      if (refusals.control.lacksRequiredMfa(principal, tenantId))
        refusals.refuseWithoutMfa(c, principal, tenantId, { roles: wanted });
    }),
    { kind: 'role', roles: wanted },
  );
}

async function authorizeTarget(
  refusals: Refusals,
  permissions: PermissionCatalog,
  ctx: Context | HonoContext,
  permission: string,
  target: AccessTarget,
): Promise<void> {
  // Checked at the call (an object check has no registration): a typo is a server error, not a denial.
  permissions.assertDeclared(permission);
  const c = ctx instanceof Context ? ctx.raw : ctx;
  const principal = principalOf(c);
  // With no tenant in play the decision is simply the target's tenant's.
  const tenantId = activeTenant(c, principal) ?? undefined;
  const allowed = () => refusals.control.authorize(principal, permission, target, tenantId);
  if (!refusals.decide({ permission }, target.tenantId ?? tenantId ?? null, allowed)) {
    refusals.deny(c, principal, target.tenantId ?? null, 'missing_permission', { permission });
    throw new PermissionDeniedError(permission);
  }
  // The decision was made in the target's tenant (the active one when the target names none).
  const decidedIn = target.tenantId ?? tenantId ?? null;
  if (refusals.control.lacksRequiredMfa(principal, decidedIn))
    refusals.refuseWithoutMfa(c, principal, decidedIn, { permission });
}
