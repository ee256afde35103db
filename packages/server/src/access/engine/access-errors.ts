import { LiftError } from '../../core/errors.ts';

/** How an offending value appears in a detail: quoted, and cut short so a huge input cannot flood a log. */
export function quoteValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A permission string that is not `resource:action`, `resource:*` or `*` (optionally `:own`). */
export class InvalidPermissionError extends LiftError {
  readonly permission: unknown;
  constructor(permission: unknown, reason: string) {
    super('LIFT_PERMISSION_INVALID', 400, 'Invalid permission', {
      detail: `Permission ${quoteValue(permission)} is invalid: ${reason}`,
    });
    this.permission = permission;
  }
}

/** A role definition the engine cannot hold: no id, a duplicate id, or lists that are not string arrays. */
export class InvalidRoleError extends LiftError {
  constructor(detail: string) {
    super('LIFT_ROLE_INVALID', 400, 'Invalid role', { detail });
  }
}

/** Role inheritance must stay a DAG; `path` starts and ends with the same role. */
export class RoleCycleError extends LiftError {
  readonly path: readonly string[];
  constructor(path: readonly string[]) {
    super('LIFT_ROLE_CYCLE', 409, 'Role inheritance cycle', {
      detail: `Role inheritance would form a cycle: ${path.join(' → ')}.`,
      extensions: { path },
    });
    this.path = path;
  }
}

/**
 * A grant without a subject, a role, or an explicit scope. `tenantId` must be a tenant id or `null`: a missing
 * field is refused rather than read as "global", because a global grant applies in every tenant.
 */
export class InvalidAccessGrantError extends LiftError {
  constructor(detail: string) {
    super('LIFT_GRANT_INVALID', 400, 'Invalid grant', { detail });
  }
}
