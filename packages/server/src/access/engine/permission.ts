import { InvalidPermissionError } from './access-errors.ts';

/** The permission that matches every check. */
export const ALL_PERMISSIONS = '*';

const MAX_PERMISSION_LENGTH = 200;
const SEGMENT = '[a-z0-9_.-]+';
const GRANTABLE = new RegExp(`^(?:\\*|${SEGMENT}:(?:\\*|${SEGMENT})(?::own)?)$`);
const CHECKABLE = new RegExp(`^${SEGMENT}:${SEGMENT}$`);
const SHAPE =
  'a permission is `resource:action`, `resource:*` or `*`, and a granted one may end in `:own`; ' +
  'each segment uses only a-z, 0-9, `_`, `-` and `.`';

/**
 * A permission a role may hold: `notes:read`, `notes:*`, `*`, `notes:update:own`, `notes:*:own`.
 * Throws `InvalidPermissionError` (LIFT_PERMISSION_INVALID) otherwise.
 */
export function assertGrantablePermission(permission: unknown): asserts permission is string {
  if (typeof permission !== 'string') throw new InvalidPermissionError(permission, 'it is not a string.');
  if (permission.length > MAX_PERMISSION_LENGTH) {
    throw new InvalidPermissionError(permission, `it is longer than ${MAX_PERMISSION_LENGTH} characters.`);
  }
  if (!GRANTABLE.test(permission)) throw new InvalidPermissionError(permission, `${SHAPE}.`);
}

/**
 * A permission being checked, with the granted strings that satisfy it precomputed so a check is a few set
 * lookups. `exact`, `anyAction` and `*` match unconditionally; `own` and `anyActionOwn` only for an object
 * the principal owns.
 */
export interface CheckedPermission {
  readonly exact: string;
  readonly anyAction: string;
  readonly own: string;
  readonly anyActionOwn: string;
}

/**
 * Parses a permission being checked: exactly `resource:action`. Wildcards and `:own` belong to grants; the
 * condition of a check comes from the object (`AccessEngine.authorize`), never from the string.
 */
export function parseCheckedPermission(permission: string): CheckedPermission {
  if (
    typeof permission !== 'string' ||
    permission.length > MAX_PERMISSION_LENGTH ||
    !CHECKABLE.test(permission)
  ) {
    assertGrantablePermission(permission);
    throw new InvalidPermissionError(
      permission,
      'a checked permission names one resource and one action (`notes:read`); wildcards and `:own` only appear in roles.',
    );
  }
  const resource = permission.slice(0, permission.indexOf(':'));
  return {
    exact: permission,
    anyAction: `${resource}:*`,
    own: `${permission}:own`,
    anyActionOwn: `${resource}:*:own`,
  };
}

/**
 * Whether holding the granted permission `granted` includes everything the granted permission `wanted` would
 * give (both in role form: wildcards and `:own` allowed). `*` covers all; `notes:*` covers `notes:read`,
 * `notes:read:own` and `notes:*:own`; `notes:read` covers `notes:read:own`; an `:own` grant covers only
 * narrower `:own` grants. For delegation: nobody may hand out more than they hold.
 */
export function permissionCovers(granted: string, wanted: string): boolean {
  if (granted === ALL_PERMISSIONS || granted === wanted) return true;
  if (wanted === ALL_PERMISSIONS) return false;
  const [grantedResource, grantedAction, grantedOwn] = granted.split(':');
  const [wantedResource, wantedAction, wantedOwn] = wanted.split(':');
  if (grantedResource !== wantedResource) return false;
  // An `:own` grant never covers an unconditional one.
  if (grantedOwn !== undefined && wantedOwn === undefined) return false;
  return grantedAction === '*' || grantedAction === wantedAction;
}
