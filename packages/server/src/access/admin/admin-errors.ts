import { ConflictError, ForbiddenError } from '../../core/errors.ts';

/**
 * 403 `LIFT_PERMISSION_DENIED`: the caller would hand out (or take away) a permission they do not hold
 * themselves in that scope. Names the first such permission, never the caller's roles.
 */
export class DelegationDeniedError extends ForbiddenError {
  readonly permission: string;

  constructor(permission: string) {
    super(
      `You cannot hand out or withdraw the permission ${permission}: you do not hold it here.`,
      'LIFT_PERMISSION_DENIED',
    );
    this.permission = permission;
  }
}

/** 409 `LIFT_ROLE_PROTECTED`: a tenant's (or the templates') `owner`, or the system `admin`, kept by name. */
export class RoleProtectedError extends ConflictError {
  constructor(name: string, action: 'deleted' | 'renamed' | 'narrowed') {
    super(
      action === 'narrowed'
        ? `The role ${name} must keep *: a tenant's owner holds every permission in its tenant.`
        : `The role ${name} cannot be ${action}: Lift relies on it by name.`,
      'LIFT_ROLE_PROTECTED',
    );
  }
}
