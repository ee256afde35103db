import type { CodesOf } from '../core/error-codes.ts';
import type { ErrorCodeSpec } from '../core/module.ts';

/** The error codes of the access module: guards, roles, grants, tenants, members and invitations. */
export const ACCESS_ERRORS = [
  {
    code: 'LIFT_PERMISSION_INVALID',
    status: 400,
    meaning: 'A permission string that is not `resource:action`, `resource:*` or `*`.',
  },
  {
    code: 'LIFT_ROLE_INVALID',
    status: 400,
    meaning: 'A role definition with a bad id, permission or inherits list.',
  },
  { code: 'LIFT_GRANT_INVALID', status: 400, meaning: 'A grant without a subject, role or explicit scope.' },
  {
    code: 'LIFT_INVITATION_INVALID',
    status: 400,
    meaning: 'An invitation token that is unknown, expired, used or for someone else.',
  },
  {
    code: 'LIFT_PERMISSION_DENIED',
    status: 403,
    meaning: 'The caller lacks the permission the detail names (to act, or to hand out).',
  },
  {
    code: 'LIFT_NOT_TENANT_MEMBER',
    status: 403,
    meaning: "The caller is not a member of the route's tenant.",
  },
  {
    code: 'LIFT_ROLE_REQUIRED',
    status: 403,
    meaning: '`requireRole()`: the caller holds none of the roles the detail names.',
  },
  {
    code: 'LIFT_MFA_REQUIRED',
    status: 403,
    meaning: 'A `require_mfa` tenant, and the login had no second factor.',
  },
  { code: 'LIFT_ROLE_CYCLE', status: 409, meaning: 'Role inheritance would form a cycle; `path` names it.' },
  { code: 'LIFT_TENANT_SLUG_TAKEN', status: 409, meaning: 'Another tenant has this slug.' },
  { code: 'LIFT_ROLE_NAME_TAKEN', status: 409, meaning: 'A role with this name exists in the same scope.' },
  {
    code: 'LIFT_LAST_OWNER',
    status: 409,
    meaning: 'The last owner of a tenant cannot leave, be removed or be demoted.',
  },
  {
    code: 'LIFT_INVITATION_LIMIT',
    status: 409,
    meaning: 'The tenant has as many pending invitations as it may.',
  },
  {
    code: 'LIFT_ROLE_PROTECTED',
    status: 409,
    meaning: 'A role Lift relies on by name cannot be deleted, renamed or narrowed.',
  },
] as const satisfies readonly ErrorCodeSpec[];

declare module '../core/error-codes.ts' {
  interface LiftErrorCodes extends CodesOf<typeof ACCESS_ERRORS> {}
}
