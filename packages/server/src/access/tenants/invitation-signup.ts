import { createHash } from 'node:crypto';
import type { EventOrigin, LiftEvent } from '../../core/events.ts';
import { normalizeEmail } from '../../identity/index.ts';
import type { Invitation } from '../stores/index.ts';
import { InvitationInvalidError } from '../tenant-errors.ts';
import { joinWithInvitation } from './invitation-flows.ts';
import type { TenantFlowDeps } from './tenant-flow-deps.ts';

/**
 * An invitation to an address that may have no account yet. Its page shows what the token's holder already
 * knows from the mail — the tenant and the invited address — and offers both "log in" and "sign up with this
 * address", the same whether or not the address has an account.
 *
 * Signing up goes through identity's signup (`signup.mode: invite` lets an invitation through): the same
 * answer for every address, a verification mail for a new account, the "someone tried to sign up" mail for an
 * existing one. What makes it an acceptance is a note, kept in the key-value store until the invitation
 * expires, that the address's verification completes this invitation: when `auth.email.verified` is emitted
 * for that address, the invitation is spent and the user joins — before the verification's answer, so the
 * verified browser is already a member. The note holds the invitation's id, never its token, under the
 * SHA-256 of the address.
 */

const NOTE_PREFIX = 'access:invitation-signup:';

function noteKey(email: string): string {
  return NOTE_PREFIX + createHash('sha256').update(normalizeEmail(email).normalized).digest('base64url');
}

export interface InvitationDetails {
  tenantName: string;
  /** The invited address: the token's holder read it in the mail. */
  email: string;
  role: string | null;
}

async function liveInvitation(deps: TenantFlowDeps, token: string) {
  const invitation = await deps.access.invitations.peek(token);
  const tenant = invitation === null ? null : await deps.access.tenants.get(invitation.tenantId);
  return invitation === null || tenant === null ? null : { invitation, tenant };
}

/** What the invitation page shows; null for a token that is unknown, spent, expired or revoked. */
export async function describeInvitation(
  deps: TenantFlowDeps,
  token: string,
): Promise<InvitationDetails | null> {
  const live = await liveInvitation(deps, token);
  if (live === null) return null;
  const { invitation, tenant } = live;
  const roles =
    invitation.roleId === null ? [] : await deps.access.roles.list({ scope: 'tenant', tenantId: tenant.id });
  const role = roles.find((candidate) => candidate.id === invitation.roleId)?.name ?? null;
  return { tenantName: tenant.name, email: invitation.email, role };
}

/**
 * Signs the invited address up with `password` and notes that verifying it accepts the invitation. Returns
 * the address the verification link went to (the invited one; the form cannot choose another) and the
 * tenant's name.
 */
export async function signUpForInvitation(
  deps: TenantFlowDeps,
  token: string,
  input: { password: string; name?: string | null | undefined },
  origin: EventOrigin,
): Promise<{ email: string; tenantName: string }> {
  const live = await liveInvitation(deps, token);
  if (live === null) {
    deps.access.events.emit('invitation.refused', {
      actor: null,
      ...origin,
      reason: 'invalid_token',
    });
    throw new InvitationInvalidError();
  }
  const { invitation, tenant } = live;
  await deps.signUpInvited({ email: invitation.email, password: input.password, name: input.name }, origin);
  const ttlMs = invitation.expiresAt.getTime() - deps.clock.now();
  if (ttlMs > 0) await deps.kv.set(noteKey(invitation.email), invitation.id, { ttlMs });
  deps.access.events.emit('invitation.signup', {
    actor: null,
    ...origin,
    data: { tenantId: invitation.tenantId, invitationId: invitation.id },
  });
  return { email: invitation.email, tenantName: tenant.name };
}

async function acceptNoted(deps: TenantFlowDeps, event: LiftEvent): Promise<void> {
  if (event.type !== 'auth.email.verified' || event.actor === null) return;
  const user = await deps.users.findById(event.actor);
  if (user === null) return;
  const key = noteKey(user.email);
  const invitationId = await deps.kv.get(key);
  if (invitationId === null) return;
  await deps.kv.delete(key);
  const invitation: Invitation | null = await deps.access.invitations.consumeById(invitationId, user.email);
  if (invitation === null || (await deps.access.tenants.get(invitation.tenantId)) === null) return;
  await deps.access.events.change<Invitation>(
    (announce) => joinWithInvitation(deps, user.id, invitation, announce),
    (joined) => [
      {
        type: 'invitation.accepted',
        payload: {
          actor: user.id,
          ip: event.ip ?? null,
          userAgent: event.userAgent ?? null,
          requestId: event.requestId ?? null,
          data: { tenantId: joined.tenantId, invitationId: joined.id, via: 'signup' },
        },
      },
    ],
  );
}

/** Completes noted invitation signups when their address is verified; returns the unsubscribe. */
export function acceptInvitationsOnVerification(deps: () => TenantFlowDeps): () => void {
  return deps().access.events.onLocal((event) => acceptNoted(deps(), event));
}
