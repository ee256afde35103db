import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import type { EventSpec } from '../../core/events.ts';
import { TENANT_OWNER_ROLE } from '../default-roles.ts';
import type { KeepOwnerOutcome, ListMembersInput, MemberChange } from '../stores/index.ts';
import { LastOwnerError } from '../tenant-errors.ts';
import {
  assertCanDelegate,
  assertFresh,
  byCaller,
  type Caller,
  callerUserId,
  denied,
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
  const page = await deps.access.memberships.listDetailed(tenantId, input);
  const members = page.members.map((member) => ({
    user_id: member.userId,
    email: member.email,
    name: member.name,
    joined_at: member.createdAt.toISOString(),
    roles: member.roles,
  }));
  return { members, next_cursor: page.nextCursor };
}

async function requireMember(deps: TenantFlowDeps, tenantId: string, userId: string): Promise<void> {
  if (!(await deps.access.memberships.isMember(tenantId, userId)))
    throw new NotFoundError('No member of this tenant has this id.');
}

/**
 * Removes the member or sets their tenant roles, in one store transaction that keeps the tenant an owner:
 * 409 `LIFT_LAST_OWNER` (and `access.denied`) when `userId` is the only user granted `owner` and the change
 * takes it away; 404 when they are no longer a member. `announced` is written with the change, in its
 * transaction, when it is made. Announces the change (to the member's node caches) either way.
 */
async function changeKeepingOwner(
  deps: TenantFlowDeps,
  caller: Caller,
  target: { tenantId: string; userId: string },
  change: MemberChange,
  announced: readonly EventSpec[],
): Promise<void> {
  const { tenantId, userId } = target;
  let outcome: KeepOwnerOutcome;
  try {
    const owner = await tenantRoleNamed(deps, tenantId, TENANT_OWNER_ROLE);
    outcome = await deps.access.events.change<KeepOwnerOutcome>(
      (announce) =>
        deps.access.memberships.changeKeepingOwner(
          { tenantId, userId, ownerRoleId: owner?.id ?? null, change },
          { announce },
        ),
      (result) => (result === 'changed' ? announced : []),
    );
  } finally {
    await deps.access.control.changed({ kind: 'grant', tenantId, subjects: [userSubject(userId)] });
  }
  if (outcome === 'not_member') throw new NotFoundError('No member of this tenant has this id.');
  if (outcome === 'last_owner')
    throw await denied(deps, caller, 'last_owner', { tenantId, userId }, new LastOwnerError());
}

function setRoles(caller: Caller, roleIds: readonly string[]): MemberChange {
  return { action: 'set_roles', roleIds, createdBy: caller.principal.id };
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
  await changeKeepingOwner(deps, caller, { tenantId, userId }, setRoles(caller, [role.id]), [
    {
      type: 'member.role_changed',
      payload: byCaller(caller, { subject: userId, data: { tenantId, role: role.name } }),
    },
  ]);
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
  await changeKeepingOwner(deps, caller, { tenantId, userId }, { action: 'remove' }, [
    { type: 'member.removed', payload: byCaller(caller, { subject: userId, data: { tenantId } }) },
  ]);
}

/** The caller leaves the tenant (the route checks membership). */
export async function leaveTenant(deps: TenantFlowDeps, caller: Caller, tenantId: string): Promise<void> {
  const userId = await callerUserId(deps, caller, tenantId);
  await changeKeepingOwner(deps, caller, { tenantId, userId }, { action: 'remove' }, [
    { type: 'member.left', payload: byCaller(caller, { data: { tenantId } }) },
  ]);
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
  const callerGrants = await tenantGrantsOf(deps, tenantId, userId);
  const demote = callerGrants.some((grant) => grant.roleId === owner.id);
  // Written with the transfer's last change: the promotion, or the caller's demotion when one follows.
  const transferred: EventSpec[] = [
    {
      type: 'tenant.ownership_transferred',
      payload: byCaller(caller, {
        subject: targetId,
        data: { tenantId, from: userId },
      }),
    },
  ];
  const promotion = setRoles(caller, [owner.id]);
  await changeKeepingOwner(
    deps,
    caller,
    { tenantId, userId: targetId },
    promotion,
    demote ? [] : transferred,
  );
  if (demote) {
    // The target holds owner by now, so this demotion fails only if they lost it again in between.
    const admin = await tenantRoleNamed(deps, tenantId, FORMER_OWNER_ROLE);
    const kept = callerGrants.map((grant) => grant.roleId).filter((roleId) => roleId !== owner.id);
    const demotion = setRoles(caller, admin ? [admin.id] : kept);
    await changeKeepingOwner(deps, caller, { tenantId, userId }, demotion, transferred);
  }
  return { owner: targetId };
}
