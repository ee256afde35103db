import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import { TENANT_OWNER_ROLE } from '../default-roles.ts';
import type { Grant, ListMembersInput } from '../stores/index.ts';
import { LastOwnerError } from '../tenant-errors.ts';
import {
  assertCanDelegate,
  assertFresh,
  type Caller,
  callerUserId,
  denied,
  emitEvent,
  permissionsOfGrants,
  requireTenantRole,
  type TenantFlowDeps,
  tenantGrantsOf,
  tenantRoleNamed,
  userSubject,
} from './tenant-flow-deps.ts';

/**
 * Members of a tenant: listing them, changing a member's role, removing a member, leaving, and handing the
 * tenant over. Two rules hold throughout:
 *
 * - Nobody touches someone more powerful: changing or removing a member needs every permission the member
 *   holds there (and, for a new role, every permission it gives), so an `admin` cannot demote or remove an
 *   `owner`.
 * - The tenant keeps an owner: the last user granted `owner` cannot leave, be removed or be demoted
 *   (409 `LIFT_LAST_OWNER`); they transfer ownership first.
 */

/** What the old owner becomes on a transfer. */
const FORMER_OWNER_ROLE = 'admin';

export interface MemberView {
  user_id: string;
  /** null when the account no longer exists. */
  email: string | null;
  name: string | null;
  joined_at: string;
  /** The roles granted in the tenant itself, by name, sorted (inherited ones are not listed). */
  roles: string[];
}

export interface MemberPageView {
  members: MemberView[];
  next_cursor: string | null;
}

export async function listMembers(
  deps: TenantFlowDeps,
  tenantId: string,
  input: ListMembersInput,
): Promise<MemberPageView> {
  const page = await deps.access.memberships.list(tenantId, input);
  const roles = [
    ...(await deps.access.roles.list({ scope: 'tenant', tenantId })),
    ...(await deps.access.roles.list({ scope: 'system' })),
  ];
  const nameOf = new Map(roles.map((role) => [role.id, role.name]));
  const members: MemberView[] = [];
  for (const membership of page.members) {
    const user = await deps.identity.users.findById(membership.userId);
    const grants = await tenantGrantsOf(deps, tenantId, membership.userId);
    const names = new Set(grants.flatMap((grant) => nameOf.get(grant.roleId) ?? []));
    members.push({
      user_id: membership.userId,
      email: user?.email ?? null,
      name: user?.name ?? null,
      joined_at: membership.createdAt.toISOString(),
      roles: [...names].sort(),
    });
  }
  return { members, next_cursor: page.nextCursor };
}

async function requireMember(deps: TenantFlowDeps, tenantId: string, userId: string): Promise<void> {
  if (!(await deps.access.memberships.isMember(tenantId, userId)))
    throw new NotFoundError('No member of this tenant has this id.');
}

/** Refuses when `userId` is the only user granted the tenant's `owner` role. */
async function assertOwnerRemains(
  deps: TenantFlowDeps,
  caller: Caller,
  tenantId: string,
  userId: string,
): Promise<void> {
  const owner = await tenantRoleNamed(deps, tenantId, TENANT_OWNER_ROLE);
  if (owner === null) return;
  const holders = new Set(
    (await deps.access.grants.listByRole(owner.id, tenantId))
      .filter((grant) => grant.subject.type === 'user')
      .map((grant) => grant.subject.id),
  );
  if (!holders.has(userId) || holders.size > 1) return;
  throw await denied(deps, caller, 'last_owner', { tenantId, userId }, new LastOwnerError());
}

/** Makes the user's grants in the tenant exactly `roleIds` (new ones first, so they never hold nothing). */
async function replaceTenantRoles(
  deps: TenantFlowDeps,
  caller: Caller,
  tenantId: string,
  userId: string,
  current: readonly Grant[],
  roleIds: readonly string[],
): Promise<void> {
  const subject = userSubject(userId);
  for (const roleId of roleIds)
    await deps.access.grants.add({ subject, roleId, tenantId, createdBy: caller.principal.id });
  for (const grant of current)
    if (!roleIds.includes(grant.roleId))
      await deps.access.grants.remove({ subject, roleId: grant.roleId, tenantId });
}

/** Replaces the member's tenant roles by the one named `roleName`. */
export async function changeMemberRole(
  deps: TenantFlowDeps,
  caller: Caller,
  tenantId: string,
  userId: string,
  roleName: string,
): Promise<{ user_id: string; roles: string[] }> {
  await requireMember(deps, tenantId, userId);
  const role = await requireTenantRole(deps, tenantId, roleName);
  const current = await tenantGrantsOf(deps, tenantId, userId);
  await assertCanDelegate(deps, caller, tenantId, [
    ...deps.access.control.rolePermissions(role.id),
    ...permissionsOfGrants(deps, current),
  ]);
  if (role.name !== TENANT_OWNER_ROLE) await assertOwnerRemains(deps, caller, tenantId, userId);
  try {
    await replaceTenantRoles(deps, caller, tenantId, userId, current, [role.id]);
  } finally {
    await deps.access.control.changed({ kind: 'grant', tenantId, subjects: [userSubject(userId)] });
  }
  await emitEvent(deps, caller, {
    type: 'member.role_changed',
    subject: userId,
    data: { tenantId, role: role.name },
  });
  return { user_id: userId, roles: [role.name] };
}

/** Removes a member and their grants in the tenant. */
export async function removeMember(
  deps: TenantFlowDeps,
  caller: Caller,
  tenantId: string,
  userId: string,
): Promise<void> {
  await requireMember(deps, tenantId, userId);
  const current = await tenantGrantsOf(deps, tenantId, userId);
  await assertCanDelegate(deps, caller, tenantId, permissionsOfGrants(deps, current));
  await assertOwnerRemains(deps, caller, tenantId, userId);
  const removed = await deps.access.memberships.remove(tenantId, userId);
  await deps.access.control.changed({ kind: 'grant', tenantId, subjects: [userSubject(userId)] });
  if (!removed) throw new NotFoundError('No member of this tenant has this id.');
  await emitEvent(deps, caller, { type: 'member.removed', subject: userId, data: { tenantId } });
}

/** The caller leaves the tenant (the route checks membership). */
export async function leaveTenant(deps: TenantFlowDeps, caller: Caller, tenantId: string): Promise<void> {
  const userId = await callerUserId(deps, caller, tenantId);
  await assertOwnerRemains(deps, caller, tenantId, userId);
  await deps.access.memberships.remove(tenantId, userId);
  await deps.access.control.changed({ kind: 'grant', tenantId, subjects: [userSubject(userId)] });
  await emitEvent(deps, caller, { type: 'member.left', data: { tenantId } });
}

/**
 * Makes another member an owner (fresh session needed). A caller who held `owner` keeps `admin` only; a
 * caller who reached this through a global grant (a system admin) keeps whatever they had.
 */
export async function transferOwnership(
  deps: TenantFlowDeps,
  caller: Caller,
  tenantId: string,
  targetId: string,
): Promise<{ owner: string }> {
  const userId = await callerUserId(deps, caller, tenantId);
  await assertFresh(deps, caller, tenantId);
  if (targetId === userId) {
    throw new ValidationError([
      { location: 'body', path: 'user_id', message: 'Name another member.', code: 'same_user' },
    ]);
  }
  await requireMember(deps, tenantId, targetId);
  const owner = await tenantRoleNamed(deps, tenantId, TENANT_OWNER_ROLE);
  if (owner === null) throw new ConflictError(`This tenant has no "${TENANT_OWNER_ROLE}" role to transfer.`);
  await assertCanDelegate(deps, caller, tenantId, deps.access.control.rolePermissions(owner.id));
  const targetGrants = await tenantGrantsOf(deps, tenantId, targetId);
  const callerGrants = await tenantGrantsOf(deps, tenantId, userId);
  try {
    await replaceTenantRoles(deps, caller, tenantId, targetId, targetGrants, [owner.id]);
    if (callerGrants.some((grant) => grant.roleId === owner.id)) {
      const admin = await tenantRoleNamed(deps, tenantId, FORMER_OWNER_ROLE);
      const kept = callerGrants.map((grant) => grant.roleId).filter((roleId) => roleId !== owner.id);
      await replaceTenantRoles(deps, caller, tenantId, userId, callerGrants, admin ? [admin.id] : kept);
    }
  } finally {
    await deps.access.control.changed({
      kind: 'grant',
      tenantId,
      subjects: [userSubject(targetId), userSubject(userId)],
    });
  }
  await emitEvent(deps, caller, {
    type: 'tenant.ownership_transferred',
    subject: targetId,
    data: { tenantId, from: userId },
  });
  return { owner: targetId };
}
