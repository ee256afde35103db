import { LiftConfigError } from '../core/errors.ts';
import { LIFT_PERMISSIONS } from './default-roles.ts';
import { ALL_PERMISSIONS, parseCheckedPermission, permissionCovers } from './engine/permission.ts';

/** What an app says about one of its permissions. */
export interface PermissionDeclaration {
  /** What holding it allows, for people reading roles. */
  description?: string;
  /**
   * Decided on global grants alone: no tenant grant gives it, not even a tenant owner's `*` (system-wide
   * actions such as Lift's `users:read`). Default false: the permission is held per tenant.
   */
  global?: boolean;
}

/** `{ 'notes:read': 'Read the tenant’s notes', 'reports:export': { global: true } }`. */
export type PermissionDeclarations = Readonly<Record<string, string | PermissionDeclaration>>;

/** One declared permission. */
export interface DeclaredPermission {
  readonly name: string;
  readonly description: string | null;
  readonly global: boolean;
}

/** Lift's own permissions; the ones only a global grant gives guard `/admin/api/*` and introspection. */
const LIFT_DECLARATIONS: PermissionDeclarations = {
  [LIFT_PERMISSIONS.tenantRead]: 'Read the tenant’s name, slug and settings.',
  [LIFT_PERMISSIONS.tenantUpdate]: 'Rename the tenant and change its settings.',
  [LIFT_PERMISSIONS.tenantDelete]: 'Delete the tenant.',
  [LIFT_PERMISSIONS.tenantTransfer]: 'Hand the owner role to another member.',
  [LIFT_PERMISSIONS.membersRead]: 'List the tenant’s members.',
  [LIFT_PERMISSIONS.membersInvite]: 'Invite people into the tenant.',
  [LIFT_PERMISSIONS.membersUpdate]: 'Change a member’s role.',
  [LIFT_PERMISSIONS.membersRemove]: 'Remove a member.',
  [LIFT_PERMISSIONS.rolesRead]: 'List roles (the tenant’s; globally, every owner’s).',
  [LIFT_PERMISSIONS.rolesWrite]: 'Create, change and delete roles.',
  [LIFT_PERMISSIONS.grantsRead]: 'List grants (the tenant’s; globally, any).',
  [LIFT_PERMISSIONS.grantsWrite]: 'Grant and revoke roles.',
  [LIFT_PERMISSIONS.usersRead]: { description: 'List and read every user.', global: true },
  [LIFT_PERMISSIONS.usersUpdate]: { description: 'Disable, enable and unlock users.', global: true },
  [LIFT_PERMISSIONS.usersMfaReset]: { description: 'Remove a user’s second factors.', global: true },
  [LIFT_PERMISSIONS.sessionsRevoke]: { description: 'End a user’s sessions.', global: true },
  [LIFT_PERMISSIONS.tokensIntrospect]: { description: 'Introspect tokens (RFC 7662).', global: true },
  [LIFT_PERMISSIONS.keysRotate]: { description: 'Rotate the token signing keys.', global: true },
  [LIFT_PERMISSIONS.accessCheck]: { description: 'Explain any subject’s permissions.', global: true },
  [LIFT_PERMISSIONS.metricsRead]: { description: 'Read the metrics scrape (`/metrics`).', global: true },
  [LIFT_PERMISSIONS.logsRead]: { description: 'Read each module’s log level.', global: true },
  [LIFT_PERMISSIONS.logsWrite]: { description: 'Change a module’s log level at run time.', global: true },
};

/** Why a role may not hold a permission: it names nothing declared, or only global ones in a tenant's role. */
export interface RolePermissionProblem {
  code: 'undeclared_permission' | 'global_permission';
  message: string;
}

/** A guard or check names a permission nobody declared: a typo, found when the route is declared. */
export class UndeclaredPermissionError extends LiftConfigError {
  readonly permission: string;
  readonly suggestion: string | null;

  constructor(permission: string, suggestion: string | null) {
    const hint =
      suggestion === null
        ? 'Declare it with createLift(config, { permissions }) or app.permissions.declare().'
        : `Did you mean "${suggestion}"? Otherwise declare it with createLift(config, { permissions }).`;
    super(`The permission "${permission}" is not declared. ${hint}`);
    this.permission = permission;
    this.suggestion = suggestion;
  }
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps), for "did you mean". */
function distance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The permissions an app may check: Lift's own, declared here, and the app's, declared at `createLift` or
 * with `declare()`. A guard naming anything else fails when it is declared, with the closest declared name.
 * Lookups are one `Map`/`Set` read, so `AccessControl.can()` may ask `isGlobal` on every request.
 */
export class PermissionCatalog {
  readonly #declared = new Map<string, DeclaredPermission>();
  readonly #global = new Set<string>();

  constructor(declarations: PermissionDeclarations = {}) {
    // Every permission Lift's endpoints check is declared, described or not, so a built-in guard never fails.
    const builtIn = Object.fromEntries(Object.values(LIFT_PERMISSIONS).map((name) => [name, {}]));
    this.declare({ ...builtIn, ...LIFT_DECLARATIONS });
    this.declare(declarations);
  }

  /**
   * Adds permissions (plain `resource:action`, no wildcards or `:own`: those belong in roles). Declaring a
   * name again is fine when it says the same about `global`; saying otherwise throws.
   */
  declare(declarations: PermissionDeclarations): void {
    const parsed: DeclaredPermission[] = [];
    for (const [name, value] of Object.entries(declarations)) {
      try {
        parseCheckedPermission(name);
      } catch (error) {
        throw new LiftConfigError(
          `Cannot declare the permission "${name}": ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      const declaration = typeof value === 'string' ? { description: value } : value;
      const permission = {
        name,
        description: declaration.description ?? null,
        global: declaration.global === true,
      };
      const known = this.#declared.get(name);
      if (known !== undefined && known.global !== permission.global) {
        throw new LiftConfigError(
          `The permission "${name}" is declared both global and per tenant; choose one.`,
        );
      }
      parsed.push(permission);
    }
    for (const permission of parsed) {
      if (!this.#declared.has(permission.name) || permission.description !== null)
        this.#declared.set(permission.name, permission);
      if (permission.global) this.#global.add(permission.name);
    }
  }

  has(permission: string): boolean {
    return this.#declared.has(permission);
  }

  /** Whether only global grants give `permission`. */
  isGlobal(permission: string): boolean {
    return this.#global.has(permission);
  }

  /** Every declared permission, by name. */
  list(): DeclaredPermission[] {
    return [...this.#declared.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Throws `UndeclaredPermissionError`, naming the closest declared permission, unless it is declared. */
  assertDeclared(permission: string): void {
    if (this.#declared.has(permission)) return;
    throw new UndeclaredPermissionError(permission, this.#closest(permission, this.#declared.keys()));
  }

  /**
   * Why a role may not hold `permission` (role form, its shape already checked), or null when it may. It must
   * name at least one declared permission: a declared one, or a wildcard (`*`, `notes:*`) or `:own` form
   * covering one — anything else is a typo nothing would ever check. A role held in tenants (`inTenant`: a
   * tenant's role or a template) must also name a permission that is not global-only, since no tenant grant
   * gives those. An undeclared one's message names the closest declared form when there is one.
   */
  roleProblem(permission: string, inTenant: boolean): RolePermissionProblem | null {
    if (permission === ALL_PERMISSIONS) return null;
    const [resource = '', action = '', own] = permission.split(':');
    const base = `${resource}:${action}`;
    const named = [...this.#declared.values()].filter((declared) => permissionCovers(base, declared.name));
    if (named.length === 0) {
      const candidates =
        action === '*'
          ? new Set([...this.#declared.keys()].map((name) => `${name.slice(0, name.indexOf(':'))}:*`))
          : this.#declared.keys();
      const closest = this.#closest(base, candidates);
      const hint =
        closest === null ? '' : ` Did you mean "${own === undefined ? closest : `${closest}:own`}"?`;
      return {
        code: 'undeclared_permission',
        message: `"${permission}" names no declared permission.${hint} Declare it with createLift(config, { permissions }) or app.permissions.declare().`,
      };
    }
    if (inTenant && named.every((declared) => declared.global)) {
      return {
        code: 'global_permission',
        message: `"${permission}" is decided on global grants alone, so a role held in a tenant gives nothing with it; put it in a system role.`,
      };
    }
    return null;
  }

  #closest(permission: string, candidates: Iterable<string>): string | null {
    let best: string | null = null;
    let bestDistance = Math.max(2, Math.floor(permission.length / 4)) + 1;
    for (const name of candidates) {
      const d = distance(permission, name);
      if (d < bestDistance) {
        best = name;
        bestDistance = d;
      }
    }
    return best;
  }
}
