import { NotFoundError } from '../core/errors.ts';
import type { EventOrigin } from '../core/events.ts';
import {
  announced,
  emit,
  endTokensOf,
  type IdentityDeps,
  type PublicUser,
  publicUser,
} from './identity-deps.ts';
import { hasMfa } from './mfa-flows.ts';
import type { User } from './users/index.ts';

/**
 * What an administrator can do to a user. Each action ends the user's sessions where it must, on every node
 * (the session manager publishes the revocation), and records an event naming the admin as actor: written
 * with the change itself where it changes the account (the transactional outbox, core/events.ts).
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

/**
 * Disables the account and ends every session of it at once. The sessions end first, so `user.disabled`,
 * written with the status change, can say how many did; the second revocation ends a session that a login
 * which read the status before it changed opened after the first (with its own `session.revoked`).
 */
export async function disableUser(deps: IdentityDeps, adminId: string, userId: string, origin: EventOrigin) {
  await existing(deps, userId);
  const revocation = { actor: adminId, reason: 'user_disabled', origin };
  const ended = await deps.sessions.revokeUser(userId, revocation);
  const user = await deps.events.change<User | null>(
    (announce) => deps.users.setStatus(userId, 'disabled', { announce }),
    (disabled) =>
      disabled
        ? [
            announced(origin, 'user.disabled', {
              actor: adminId,
              subject: userId,
              data: { sessionsEnded: ended },
            }),
          ]
        : [],
  );
  await deps.sessions.revokeUser(userId, revocation);
  await endTokensOf(deps, userId, 'user.disabled', origin);
  return publicUser(user!);
}

export async function enableUser(deps: IdentityDeps, adminId: string, userId: string, origin: EventOrigin) {
  await existing(deps, userId);
  const user = await deps.events.change<User | null>(
    (announce) => deps.users.setStatus(userId, 'active', { announce }),
    (enabled) => (enabled ? [announced(origin, 'user.enabled', { actor: adminId, subject: userId })] : []),
  );
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
  const removed = await deps.events.change<boolean>(
    (announce) => deps.mfa.delete(userId, { announce }),
    (gone) => [
      announced(origin, 'auth.mfa.reset', { actor: adminId, subject: userId, data: { removed: gone } }),
    ],
  );
  await deps.sessions.revokeUser(userId, { actor: adminId, reason: 'mfa_reset', origin });
  await endTokensOf(deps, userId, 'auth.mfa.reset', origin);
  return removed;
}
