import { ForbiddenError } from '../core/errors.ts';

/*
 * The guards' three refusals, each with its own code so a client can tell them apart: a missing permission
 * (ask for it), no membership of the tenant (join or switch tenants), a missing role (ask a tenant admin).
 */

/** 403 `LIFT_PERMISSION_DENIED` naming the permission that was missing; never the caller's roles. */
export class PermissionDeniedError extends ForbiddenError {
  readonly permission: string;

  constructor(permission: string) {
    super(`This requires the permission ${permission}.`, 'LIFT_PERMISSION_DENIED');
    this.permission = permission;
  }
}

/** 403 `LIFT_NOT_TENANT_MEMBER` for a caller who is not a member of the route's tenant. */
export class NotTenantMemberError extends ForbiddenError {
  constructor() {
    super('This requires membership of the tenant.', 'LIFT_NOT_TENANT_MEMBER');
  }
}

/** 403 `LIFT_ROLE_REQUIRED` from `requireRole`, naming the roles that would do; never the caller's. */
export class RoleRequiredError extends ForbiddenError {
  readonly roles: readonly string[];

  constructor(roles: readonly string[]) {
    super(`This requires the role ${roles.join(' or ')}.`, 'LIFT_ROLE_REQUIRED');
    this.roles = roles;
  }
}
