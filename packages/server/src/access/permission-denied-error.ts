import { ForbiddenError } from '../core/errors.ts';

/** 403 `LIFT_FORBIDDEN` naming the permission that was missing; never the caller's roles. */
export class PermissionDeniedError extends ForbiddenError {
  readonly permission: string;

  constructor(permission: string) {
    super(`This requires the permission ${permission}.`);
    this.permission = permission;
  }
}

/** 403 `LIFT_FORBIDDEN` for a caller who is not a member of the route's tenant. */
export class NotTenantMemberError extends ForbiddenError {
  constructor() {
    super('This requires membership of the tenant.');
  }
}

/** 403 `LIFT_FORBIDDEN` from `requireRole`, naming the roles that would do; never the caller's. */
export class RoleRequiredError extends ForbiddenError {
  readonly roles: readonly string[];

  constructor(roles: readonly string[]) {
    super(`This requires the role ${roles.join(' or ')}.`);
    this.roles = roles;
  }
}
