import { NotFoundError } from '../../core/errors.ts';
import type { Announce } from '../../core/events.ts';
import { normalizeEmail } from '../../identity/index.ts';
import type { Invitation, IssuedInvitation } from '../stores/index.ts';
import { InvitationInvalidError, InvitationLimitError } from '../tenant-errors.ts';
import {
  assertCanDelegate,
  byCaller,
  type Caller,
  callerUserId,
  emitEvent,
  publicLink,
  requireTenantRole,
  type TenantFlowDeps,
  userSubject,
} from './tenant-flow-deps.ts';
import { type TenantWithRoles, withCallerRoles } from './tenant-flows.ts';

/**
 * Invitations: a member with `members:invite` asks someone to join with a role they could grant themselves;
 * the store keeps the SHA-256 of a single-use token (valid `access.invitationTtlMs`, 7 days by default) and
 * the invitee gets it by mail. Only the invited address can accept it, signed in. A tenant has at most
 * `access.maxPendingInvitations` pending (unaccepted, unexpired) at once, so nobody can flood the mail out.
 */

/** The role an invitation gives when it names none. */
export const DEFAULT_INVITATION_ROLE = 'member';

/** Where the mailed link points: a page with a form that POSTs the token to the same path. */
export const INVITATION_ACCEPT_PATH = '/invitations/accept';

export interface InvitationView {
  id: string;
  email: string;
  /** The role's name; null when the invitation gives membership only. */
  role: string | null;
  invited_by: string;
  created_at: string;
  expires_at: string;
}

async function roleNames(deps: TenantFlowDeps, tenantId: string): Promise<Map<string, string>> {
  const roles = await deps.access.roles.list({ scope: 'tenant', tenantId });
  return new Map(roles.map((role) => [role.id, role.name]));
}

function invitationView(invitation: Invitation, names: ReadonlyMap<string, string>): InvitationView {
  return {
    id: invitation.id,
    email: invitation.email,
    role: invitation.roleId === null ? null : (names.get(invitation.roleId) ?? null),
    invited_by: invitation.invitedBy,
    created_at: invitation.createdAt.toISOString(),
    expires_at: invitation.expiresAt.toISOString(),
  };
}

async function inviterName(deps: TenantFlowDeps, caller: Caller): Promise<string> {
  const userId = caller.principal.userId;
  const user = userId === null ? null : await deps.users.findById(userId);
  return user?.name ?? user?.email ?? `An administrator of ${deps.config.auth.appName}`;
}

/**
 * Issues an invitation and queues the mail with its link (a durable job, sent by the job worker and retried
 * after a transport failure); the token appears nowhere else.
 */
export async function inviteMember(
  deps: TenantFlowDeps,
  caller: Caller,
  tenantId: string,
  input: { email: string; role?: string | undefined },
): Promise<InvitationView> {
  const { access } = deps;
  const address = normalizeEmail(input.email);
  const tenant = await access.tenants.get(tenantId);
  if (tenant === null) throw new NotFoundError('No tenant has this id.');
  const role = await requireTenantRole(deps, tenantId, input.role ?? DEFAULT_INVITATION_ROLE);
  await assertCanDelegate(deps, caller, tenantId, access.control.rolePermissions(role.id));
  const limit = access.limits.maxPendingInvitations;
  if ((await access.invitations.listPending(tenantId)).length >= limit) {
    emitEvent(deps, caller, 'invitation.refused', { reason: 'limit', data: { tenantId, limit } });
    throw new InvitationLimitError(limit);
  }
  const { token, invitation } = await access.events.change<IssuedInvitation>(
    (announce) =>
      access.invitations.issue(
        {
          tenantId,
          ttlMs: access.limits.invitationTtlMs,
          email: address.email,
          roleId: role.id,
          invitedBy: caller.principal.userId ?? caller.principal.id,
        },
        { announce },
      ),
    (issued) => [
      {
        type: 'invitation.created',
        payload: byCaller(caller, {
          data: { tenantId, invitationId: issued.invitation.id, role: role.name },
        }),
      },
    ],
  );
  const rendered = deps.templates.invitation({
    link: publicLink(deps, INVITATION_ACCEPT_PATH, token),
    appName: deps.config.auth.appName,
    tenantName: tenant.name,
    inviter: await inviterName(deps, caller),
  });
  try {
    await deps.mail.send(address.email, rendered);
  } catch (error) {
    // An invitation whose mail could not even be queued only blocks a retry's slot; take it back and report.
    await revokePending(deps, caller, tenantId, invitation.id);
    throw error;
  }
  return invitationView(invitation, new Map([[role.id, role.name]]));
}

export async function listInvitations(deps: TenantFlowDeps, tenantId: string): Promise<InvitationView[]> {
  const pending = await deps.access.invitations.listPending(tenantId);
  const names = await roleNames(deps, tenantId);
  return pending.map((invitation) => invitationView(invitation, names));
}

export async function revokeInvitation(
  deps: TenantFlowDeps,
  caller: Caller,
  tenantId: string,
  invitationId: string,
): Promise<void> {
  if (!(await revokePending(deps, caller, tenantId, invitationId)))
    throw new NotFoundError('No pending invitation of this tenant has this id.');
}

/** Deletes a pending invitation with its `invitation.revoked`, in one transaction; false when none matched. */
function revokePending(
  deps: TenantFlowDeps,
  caller: Caller,
  tenantId: string,
  invitationId: string,
): Promise<boolean> {
  return deps.access.events.change<boolean>(
    (announce) => deps.access.invitations.revoke(tenantId, invitationId, { announce }),
    (revoked) =>
      revoked
        ? [{ type: 'invitation.revoked', payload: byCaller(caller, { data: { tenantId, invitationId } }) }]
        : [],
  );
}

/**
 * Makes the user a member of the invitation's tenant, with its role; the invitation is already spent.
 * `announce`'s events are written with the join's last write (the grant, or the membership when the
 * invitation gives no role), so they commit only once the user holds what the invitation gave.
 */
export async function joinWithInvitation(
  deps: TenantFlowDeps,
  userId: string,
  invitation: Invitation,
  announce?: Announce<Invitation>,
): Promise<Invitation> {
  const { access } = deps;
  const subject = userSubject(userId);
  const announced = announce ? { announce: () => announce(invitation) } : {};
  try {
    await access.memberships.add(invitation.tenantId, userId, invitation.roleId === null ? announced : {});
    if (invitation.roleId !== null)
      await access.grants.add(
        {
          subject,
          roleId: invitation.roleId,
          tenantId: invitation.tenantId,
          createdBy: invitation.invitedBy,
        },
        announced,
      );
  } finally {
    await access.control.changed({ kind: 'grant', tenantId: invitation.tenantId, subjects: [subject] });
  }
  return invitation;
}

/**
 * The signed-in user accepts: they become a member with the invitation's role. Unknown, expired, used and
 * someone else's tokens all get the same 400, and the token is spent only by its addressee.
 */
export async function acceptInvitation(
  deps: TenantFlowDeps,
  caller: Caller,
  token: string,
): Promise<TenantWithRoles> {
  const { access } = deps;
  const userId = await callerUserId(deps, caller, null);
  const user = await deps.users.findById(userId);
  const invitation = user?.email_verified ? await access.invitations.consume(token, user.email) : null;
  const tenant = invitation === null ? null : await access.tenants.get(invitation.tenantId);
  if (invitation === null || tenant === null) {
    emitEvent(deps, caller, 'invitation.refused', { reason: 'invalid_token', data: {} });
    throw new InvitationInvalidError();
  }
  await access.events.change<Invitation>(
    (announce) => joinWithInvitation(deps, userId, invitation, announce),
    (joined) => [
      {
        type: 'invitation.accepted',
        payload: byCaller(caller, { data: { tenantId: tenant.id, invitationId: joined.id } }),
      },
    ],
  );
  return withCallerRoles(deps, caller, tenant);
}
