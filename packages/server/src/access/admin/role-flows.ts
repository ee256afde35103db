import { type FieldIssue, NotFoundError, ValidationError } from '../../core/errors.ts';
import type { EventSpec } from '../../core/events.ts';
import type { Access } from '../access.ts';
import { SYSTEM_ADMIN_ROLE, TENANT_OWNER_ROLE } from '../default-roles.ts';
import { RoleCycleError } from '../engine/access-errors.ts';
import { ALL_PERMISSIONS, assertGrantablePermission } from '../engine/permission.ts';
import type { Role, RoleOwner } from '../stores/role-store.ts';
import { RoleProtectedError } from './admin-errors.ts';
import { type AdminActor, assertDelegable } from './delegation.ts';
import { RoleCatalog } from './role-catalog.ts';

/**
 * Creating, changing and deleting roles, for `/admin/api/roles` and `/tenants/:tenantId/roles`. Each write:
 * checks the permissions' shape (400 `LIFT_PERMISSION_INVALID`) and that they are declared and fit the role's
 * owner (400 `LIFT_VALIDATION_FAILED`); refuses to hand out what the actor does not
 * hold in the role's scope (a tenant role: that tenant; a system role or template: globally), counting what
 * the role inherits; names an inheritance cycle (409 `LIFT_ROLE_CYCLE`); then writes the store, calls
 * `changed()`; `role.created` / `role.updated` / `role.deleted` are written in the store's transaction.
 */

export interface RoleInput {
  name: string;
  description?: string | null;
  permissions?: string[];
  /** Role ids, or names (the owner's own role first, then a system role). */
  inherits?: string[];
}

export type RoleChanges = Partial<RoleInput>;

export function ownerOf(role: Role): RoleOwner {
  if (role.scope === 'tenant' && role.tenantId !== null) return { scope: 'tenant', tenantId: role.tenantId };
  return role.scope === 'template' ? { scope: 'template' } : { scope: 'system' };
}

/** The tenant a role's permissions are delegated in; null for system roles and templates. */
function delegationScope(owner: RoleOwner): string | null {
  return owner.scope === 'tenant' ? owner.tenantId : null;
}

/** `owner` (tenants and templates) and the system `admin`: Lift finds them by name. */
export function isProtectedRole(role: Role): boolean {
  return role.scope === 'system' ? role.name === SYSTEM_ADMIN_ROLE : role.name === TENANT_OWNER_ROLE;
}

/**
 * Each permission's shape (400 `LIFT_PERMISSION_INVALID`), then that it names a declared permission, and for
 * a role held in tenants (a tenant's role or a template) one that is not global-only: 400
 * `LIFT_VALIDATION_FAILED` with an entry per offending permission (`permissions.<index>`). A typo or a global
 * permission in a tenant role would otherwise be stored and silently give nothing.
 */
function checkPermissions(
  access: Access,
  owner: RoleOwner,
  permissions: readonly string[] | undefined,
): void {
  for (const permission of permissions ?? []) assertGrantablePermission(permission);
  const inTenant = owner.scope !== 'system';
  const issues: FieldIssue[] = [];
  (permissions ?? []).forEach((permission, index) => {
    const problem = access.permissions.roleProblem(permission, inTenant);
    if (problem !== null) issues.push({ location: 'body', path: `permissions.${index}`, ...problem });
  });
  if (issues.length > 0) throw new ValidationError(issues, issues[0]!.message);
}

export async function createRole(
  access: Access,
  actor: AdminActor,
  owner: RoleOwner,
  input: RoleInput,
): Promise<Role> {
  const permissions = input.permissions ?? [];
  checkPermissions(access, owner, permissions);
  const catalog = await RoleCatalog.load(access.roles, owner);
  const inherits = catalog.resolve(input.inherits ?? []);
  await assertDelegable(access, actor, catalog.gives(permissions, inherits), delegationScope(owner));
  const role = await access.events.change<Role>(
    (announce) =>
      access.roles.create(
        { owner, name: input.name, description: input.description ?? null, permissions, inherits },
        { announce },
      ),
    (made) => [roleEvent(actor, 'role.created', made)],
  );
  await access.control.changed({ kind: 'role', owner, ids: [role.id] });
  return role;
}

export async function updateRole(
  access: Access,
  actor: AdminActor,
  role: Role,
  changes: RoleChanges,
): Promise<Role> {
  const owner = ownerOf(role);
  if (changes.name !== undefined && changes.name.trim() !== role.name && isProtectedRole(role)) {
    throw new RoleProtectedError(role.name, 'renamed');
  }
  if (
    changes.permissions !== undefined &&
    role.scope !== 'system' &&
    isProtectedRole(role) &&
    !changes.permissions.includes(ALL_PERMISSIONS)
  ) {
    throw new RoleProtectedError(role.name, 'narrowed');
  }
  checkPermissions(access, owner, changes.permissions);
  const catalog = await RoleCatalog.load(access.roles, owner);
  const current = catalog.get(role.id) ?? role;
  const inherits = changes.inherits === undefined ? undefined : catalog.resolve(changes.inherits);
  const scope = delegationScope(owner);
  // Both what the role gives now and what it would give: editing a role above the actor is refused too.
  await assertDelegable(access, actor, catalog.givenBy(current), scope);
  await assertDelegable(
    access,
    actor,
    catalog.gives(changes.permissions ?? current.permissions, inherits ?? current.inherits),
    scope,
  );
  if (inherits !== undefined) {
    const cycle = catalog.cycle(current, inherits);
    if (cycle !== undefined) throw new RoleCycleError(cycle);
  }
  const values = {
    ...(changes.name === undefined ? {} : { name: changes.name }),
    ...(changes.description === undefined ? {} : { description: changes.description }),
    ...(changes.permissions === undefined ? {} : { permissions: changes.permissions }),
    ...(inherits === undefined ? {} : { inherits }),
  };
  const changed = Object.keys(changes).sort();
  const updated = await access.events.change<Role | null>(
    (announce) => access.roles.update(owner, role.id, values, { announce }),
    (result) => (result === null ? [] : [roleEvent(actor, 'role.updated', result, { changed })]),
  );
  if (updated === null) throw new NotFoundError('No such role.');
  await access.control.changed({ kind: 'role', owner, ids: [role.id] });
  return updated;
}

/** Deletes the role with its grants and pending invitations (the store's transaction). */
export async function deleteRole(access: Access, actor: AdminActor, role: Role): Promise<void> {
  if (isProtectedRole(role)) throw new RoleProtectedError(role.name, 'deleted');
  const owner = ownerOf(role);
  const catalog = await RoleCatalog.load(access.roles, owner);
  await assertDelegable(access, actor, catalog.givenBy(catalog.get(role.id) ?? role), delegationScope(owner));
  const deleted = await access.events.change<boolean>(
    (announce) => access.roles.delete(owner, role.id, { announce }),
    (done) => (done ? [roleEvent(actor, 'role.deleted', role)] : []),
  );
  if (!deleted) throw new NotFoundError('No such role.');
  await access.control.changed({ kind: 'role', owner, ids: [role.id] });
}

/** `role.created` / `role.updated` / `role.deleted`, written with the change (core/events.ts `change`). */
function roleEvent(
  actor: AdminActor,
  type: 'role.created' | 'role.updated' | 'role.deleted',
  role: Role,
  extra: Record<string, unknown> = {},
): EventSpec {
  const payload = {
    actor: actor.principal.id,
    ...actor.origin,
    data: { roleId: role.id, name: role.name, scope: role.scope, tenantId: role.tenantId, ...extra },
  };
  return { type, payload };
}
