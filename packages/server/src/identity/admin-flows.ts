import { NotFoundError } from '../core/errors.ts';
import type { EventOrigin } from '../core/events.ts';
import { emit, endTokensOf, type IdentityDeps, type PublicUser, publicUser } from './identity-deps.ts';
import { hasMfa } from './mfa-flows.ts';
import type { User } from './users/index.ts';

/**
 * What an administrator can do to a user. Each action ends the user's sessions where it must, on every node
 * (the session manager publishes the revocation), and emits an event naming the admin as actor.
 */

export interface AdminUserView extends PublicUser {
  mfa_enabled: boolean;
  password_reset_required: boolean;
  roles: string[];
  sessions: Array<{
    id: string;
    created_at: string;
    last_seen_at: string;
    ip: string | null;
    user_agent: string | null;
  }>;
}

async function existing(deps: IdentityDeps, userId: string): Promise<User> {
  const user = await deps.users.findById(userId);
  if (!user) throw new NotFoundError('No user has this id.');
  return user;
}

export async function adminUserView(
  deps: IdentityDeps & { roles: { rolesOf(userId: string): Promise<string[]> } },
  userId: string,
): Promise<AdminUserView> {
  const user = await existing(deps, userId);
  const sessions = await deps.sessions.list(user.id);
  return {
    ...publicUser(user),
    mfa_enabled: await hasMfa(deps, user.id),
    password_reset_required: user.passwordResetRequired,
    roles: await deps.roles.rolesOf(user.id),
    sessions: sessions.map((record) => ({
      id: record.id,
      created_at: new Date(record.createdAt).toISOString(),
      last_seen_at: new Date(record.lastSeenAt).toISOString(),
      ip: record.ip,
      user_agent: record.userAgent,
    })),
  };
}

/** Disables the account and ends every session of it at once. */
export async function disableUser(deps: IdentityDeps, adminId: string, userId: string, origin: EventOrigin) {
  await existing(deps, userId);
  const user = await deps.users.setStatus(userId, 'disabled');
  const ended = await deps.sessions.revokeUser(userId, { actor: adminId, reason: 'user_disabled', origin });
  await endTokensOf(deps, userId, 'user.disabled', origin);
  emit(deps, origin, 'user.disabled', {
    actor: adminId,
    subject: userId,
    data: { sessionsEnded: ended },
  });
  return publicUser(user!);
}

export async function enableUser(deps: IdentityDeps, adminId: string, userId: string, origin: EventOrigin) {
  await existing(deps, userId);
  const user = await deps.users.setStatus(userId, 'active');
  emit(deps, origin, 'user.enabled', { actor: adminId, subject: userId });
  return publicUser(user!);
}

export async function revokeUserSessions(
  deps: IdentityDeps,
  adminId: string,
  userId: string,
  origin: EventOrigin,
): Promise<number> {
  await existing(deps, userId);
  return deps.sessions.revokeUser(userId, { actor: adminId, reason: 'admin', origin });
}

/**
 * Ends the account's lockout: the failure streak is forgotten (attempts left in flight by a lost settlement
 * with it) and a required password reset is waived, so the owner's right password works at once. Sessions are
 * left alone: nothing about the credentials changed.
 */
export async function unlockUser(deps: IdentityDeps, adminId: string, userId: string, origin: EventOrigin) {
  const before = await existing(deps, userId);
  await deps.lockout.clear(userId);
  const user = before.passwordResetRequired ? await deps.users.waivePasswordReset(userId) : before;
  emit(deps, origin, 'auth.lockout.cleared', {
    actor: adminId,
    subject: userId,
    data: { resetRequiredWaived: before.passwordResetRequired },
  });
  return publicUser(user ?? before);
}

/** Removes the user's TOTP factor (lost device); the user's sessions end so the change takes effect. */
export async function resetUserMfa(deps: IdentityDeps, adminId: string, userId: string, origin: EventOrigin) {
  await existing(deps, userId);
  const removed = await deps.mfa.delete(userId);
  await deps.sessions.revokeUser(userId, { actor: adminId, reason: 'mfa_reset', origin });
  await endTokensOf(deps, userId, 'auth.mfa.reset', origin);
  emit(deps, origin, 'auth.mfa.reset', { actor: adminId, subject: userId, data: { removed } });
  return removed;
}
