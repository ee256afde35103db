import { hashToken } from '../core/crypto/token-hash.ts';
import { ValidationError } from '../core/errors.ts';
import type { EventOrigin } from '../core/events.ts';
import type { IssuedSession, ValidatedSession } from '../sessions/index.ts';
import type { EmailTokenPurpose } from './email-tokens/index.ts';
import {
  InvalidCredentialsError,
  InvalidLinkTokenError,
  InvalidMfaCodeError,
  MfaCodeRequiredError,
  SignupClosedError,
} from './errors.ts';
import {
  announced,
  emit,
  endTokensOf,
  type IdentityDeps,
  mailLink,
  type PublicUser,
  publicUser,
  queueMail,
  requireFresh,
} from './identity-deps.ts';
import { completeFirstFactor, endLoginsInProgress, type LoginResult } from './login-flows.ts';
import { checkSecondFactor, hasMfa, type SecondFactorInput } from './mfa-flows.ts';
import { WeakPasswordError } from './passwords/index.ts';
import { proveSecret } from './secret-attempts.ts';
import { EmailTakenError, normalizeEmail, type User } from './users/index.ts';

/**
 * Signup, email verification, password change, forgot and reset.
 *
 * Signup, resend and forgot answer the same whether or not the address has an account; the difference is
 * only in the mail the address's owner receives. Tokens in links are single use and stored hashed
 * (email-tokens/).
 */

export const VERIFY_PATH = '/email/verify';
export const RESET_PATH = '/password/reset';

/**
 * `invited`: the caller holds a live invitation to this address, which `signup.mode: invite` lets through
 * (`closed` lets nothing through).
 */
export async function signup(
  deps: IdentityDeps,
  input: { email: string; password: string; name?: string | null | undefined },
  origin: EventOrigin,
  options: { invited?: boolean } = {},
): Promise<void> {
  const mode = deps.config.signup.mode;
  if (mode === 'closed' || (mode === 'invite' && options.invited !== true)) throw new SignupClosedError(mode);
  // Malformed input is refused the same way for every address; nothing here depends on existing accounts.
  const { email } = normalizeEmail(input.email);
  const check = deps.policy.check(input.password, { email, name: input.name ?? undefined });
  if (!check.ok) throw new WeakPasswordError(check.reasons);
  // Hash before looking the address up, so both branches spend the same argon2id time.
  const passwordHash = await deps.hasher.hash(input.password);
  const existing = await deps.users.findByEmail(email);
  if (existing) {
    await sendExistingAccountNotice(deps, existing.id, existing.email);
    emit(deps, origin, 'auth.signup.existing_account', { actor: null, subject: existing.id });
    return;
  }
  let user: User;
  try {
    // `auth.signup` commits with the new user (the transactional outbox).
    user = await deps.events.change<User>(
      (announce) => deps.users.create({ email, name: input.name ?? null, passwordHash }, { announce }),
      (created) => [announced(origin, 'auth.signup', { actor: created.id })],
    );
  } catch (error) {
    if (!(error instanceof EmailTakenError)) throw error;
    // Lost a race with a concurrent signup of the same address: answer exactly like the branch above.
    const winner = await deps.users.findByEmail(email);
    if (winner) await sendExistingAccountNotice(deps, winner.id, winner.email);
    return;
  }
  await sendVerification(deps, user.id, user.email);
}

async function sendExistingAccountNotice(deps: IdentityDeps, userId: string, email: string) {
  const token = await deps.emailTokens.issue(userId, 'password_reset', deps.config.auth.resetTokenTtlMs);
  await queueMail(
    deps,
    email,
    deps.templates.signupAttemptExistingAccount({
      appName: deps.appName,
      link: mailLink(deps, RESET_PATH, token),
    }),
  );
}

async function sendVerification(deps: IdentityDeps, userId: string, email: string) {
  const token = await deps.emailTokens.issue(userId, 'verify_email', deps.config.auth.emailTokenTtlMs);
  await queueMail(
    deps,
    email,
    deps.templates.verifyEmail({ appName: deps.appName, link: mailLink(deps, VERIFY_PATH, token) }),
  );
}

/** Consumes a verification link: the address is proven and the user is logged in (or asked for MFA). */
export async function verifyEmail(
  deps: IdentityDeps,
  token: string,
  origin: EventOrigin,
  replaces?: string | null,
): Promise<LoginResult> {
  const consumed = await deps.emailTokens.consume(token, 'verify_email');
  const user = consumed
    ? await deps.events.change<User | null>(
        (announce) => deps.users.markEmailVerified(consumed.userId, { announce }),
        (verified) =>
          verified?.status === 'active'
            ? [announced(origin, 'auth.email.verified', { actor: verified.id })]
            : [],
      )
    : null;
  if (user?.status !== 'active') {
    emit(deps, origin, 'auth.email.verify_failed', { actor: null, reason: 'invalid_token' });
    throw new InvalidLinkTokenError();
  }
  return completeFirstFactor(deps, user, ['email'], origin, replaces);
}

/** Sends a new verification link when the address has an unverified, active account; silent otherwise. */
export async function resendVerification(deps: IdentityDeps, email: string, origin: EventOrigin) {
  const user = await deps.users.findByEmail(email);
  if (!user || user.emailVerifiedAt !== null || user.status !== 'active') {
    emit(deps, origin, 'auth.email.resend_ignored', { actor: null, subject: user?.id ?? null });
    return;
  }
  await deps.emailTokens.revokeAll(user.id, 'verify_email');
  await sendVerification(deps, user.id, user.email);
  emit(deps, origin, 'auth.email.resent', { actor: null, subject: user.id });
}

export async function forgotPassword(deps: IdentityDeps, email: string, origin: EventOrigin) {
  const user = await deps.users.findByEmail(email);
  if (user?.status !== 'active') {
    emit(deps, origin, 'auth.password.reset_requested', {
      actor: null,
      subject: user?.id ?? null,
      reason: user ? 'disabled' : 'unknown_email',
    });
    return;
  }
  const token = await deps.emailTokens.issue(user.id, 'password_reset', deps.config.auth.resetTokenTtlMs);
  await queueMail(
    deps,
    user.email,
    deps.templates.passwordReset({ appName: deps.appName, link: mailLink(deps, RESET_PATH, token) }),
  );
  emit(deps, origin, 'auth.password.reset_requested', { actor: null, subject: user.id });
}

/**
 * Sets a new password from a reset (or set-password) link. An account with MFA must also give a TOTP or
 * recovery code: a reset never bypasses MFA. Wrong codes count against the account lockout, and after
 * `auth.mfaMaxAttempts` of them the link itself dies, like an MFA login token. Every session and every
 * other mailed link ends; the user logs in with the new password.
 */
export async function resetPassword(
  deps: IdentityDeps,
  input: { token: string; newPassword: string } & SecondFactorInput,
  origin: EventOrigin,
): Promise<void> {
  let purpose: 'password_reset' | 'set_password' = 'password_reset';
  let userId = await deps.emailTokens.peek(input.token, purpose);
  if (userId === null) {
    purpose = 'set_password';
    userId = await deps.emailTokens.peek(input.token, purpose);
  }
  const user = userId === null ? null : await deps.users.findById(userId);
  if (user?.status !== 'active') throw new InvalidLinkTokenError();
  const check = deps.policy.check(input.newPassword, { email: user.email, name: user.name ?? undefined });
  if (!check.ok) throw new WeakPasswordError(check.reasons);
  if (await hasMfa(deps, user.id)) {
    if (!input.code && !input.recoveryCode) throw new MfaCodeRequiredError();
    const proof = await proveSecret(deps, user, 'second_factor', origin, () =>
      checkSecondFactor(deps, user.id, input),
    );
    if (!proof.ok) await refuseResetCode(deps, input.token, purpose, user.id, proof, origin);
  }
  const passwordHash = await deps.hasher.hash(input.newPassword);
  // Single use: only the request that consumes the token changes the password.
  if (!(await deps.emailTokens.consume(input.token, purpose))) throw new InvalidLinkTokenError();
  // `auth.password.reset` commits with the new password; what follows ends what the old one opened.
  await deps.events.change<User | null>(
    (announce) => deps.users.setPasswordHash(user.id, passwordHash, { announce }),
    (updated) =>
      updated ? [announced(origin, 'auth.password.reset', { actor: user.id, data: { purpose } })] : [],
  );
  // Following the link proved control of the mailbox.
  if (user.emailVerifiedAt === null) await deps.users.markEmailVerified(user.id);
  await deps.lockout.clear(user.id);
  await voidMailedLinks(deps, user.id, 'password_reset', origin);
  await deps.sessions.revokeUser(user.id, { actor: user.id, reason: 'password_reset', origin });
  await queueMail(
    deps,
    user.email,
    deps.templates.passwordChanged({ appName: deps.appName, when: new Date(deps.clock.now()) }),
  );
  await endTokensOf(deps, user.id, 'auth.password.reset', origin);
}

const RESET_CODE_FAILURES_KEY = 'identity:reset-code-failures:';

/** A refused code on a reset link: counted per link, which dies at `auth.mfaMaxAttempts`. Always throws. */
async function refuseResetCode(
  deps: IdentityDeps,
  token: string,
  purpose: EmailTokenPurpose,
  userId: string,
  proof: { reason: 'locked' | 'wrong'; failures: number },
  origin: EventOrigin,
): Promise<never> {
  if (proof.reason === 'locked') {
    emit(deps, origin, 'auth.mfa.failed', { actor: null, subject: userId, reason: 'locked' });
    throw new InvalidMfaCodeError();
  }
  const ttlMs =
    purpose === 'password_reset' ? deps.config.auth.resetTokenTtlMs : deps.config.auth.emailTokenTtlMs;
  const failures = await deps.kv.increment(RESET_CODE_FAILURES_KEY + hashToken(token), 1, { ttlMs });
  const exhausted = failures >= deps.config.auth.mfaMaxAttempts;
  emit(deps, origin, 'auth.mfa.failed', {
    actor: null,
    subject: userId,
    reason: exhausted ? 'attempts_exhausted' : 'reset_code',
    data: { failures, accountFailures: proof.failures },
  });
  if (!exhausted) throw new InvalidMfaCodeError();
  // Using the token up is what kills it: one conditional update, like a successful reset.
  if (await deps.emailTokens.consume(token, purpose)) {
    emit(deps, origin, 'auth.links.voided', {
      actor: null,
      subject: userId,
      reason: 'code_attempts_exhausted',
      data: { count: 1, purpose },
    });
  }
  throw new InvalidLinkTokenError();
}

/**
 * A password change or reset voids every mailed link still outstanding for the account, whatever its
 * purpose: a link sent before the change must not undo it (a reset link would set another password and end
 * the owner's sessions). A purpose added later is covered without anyone remembering to add it here. Logins
 * waiting for their second factor end too: they began with the old password.
 */
async function voidMailedLinks(
  deps: IdentityDeps,
  userId: string,
  reason: 'password_reset' | 'password_changed',
  origin: EventOrigin,
): Promise<void> {
  await endLoginsInProgress(deps, userId);
  const count = await deps.emailTokens.revokeAll(userId);
  if (count > 0) {
    emit(deps, origin, 'auth.links.voided', { actor: userId, reason, data: { count } });
  }
}

/**
 * Changes the password of the signed-in user (fresh session, current password). The current password is
 * checked like a login's (account lockout here, per-IP throttle in the route), so a session is no password
 * oracle. The session id rotates, every other session and every mailed link ends; the owner gets a
 * notification.
 */
export async function changePassword(
  deps: IdentityDeps,
  session: ValidatedSession,
  input: { currentPassword: string; newPassword: string },
  origin: EventOrigin,
): Promise<{ user: PublicUser; issued: IssuedSession }> {
  requireFresh(session);
  const user = await deps.users.findById(session.record.userId);
  if (!user || user.passwordHash === null) throw new InvalidCredentialsError();
  const hash = user.passwordHash;
  const proof = await proveSecret(deps, user, 'password', origin, async () =>
    (await deps.hasher.verify(hash, input.currentPassword)) ? true : null,
  );
  if (!proof.ok) {
    if (proof.reason === 'locked') await deps.hasher.verifyAgainstDummy(input.currentPassword);
    emit(deps, origin, 'auth.password.change_failed', {
      actor: user.id,
      reason: proof.reason === 'locked' ? 'locked' : 'wrong_password',
      data: { accountFailures: proof.failures },
    });
    throw new InvalidCredentialsError();
  }
  if (input.newPassword === input.currentPassword) {
    throw new ValidationError([
      {
        location: 'body',
        path: 'new_password',
        message: 'The new password is the current one.',
        code: 'same_password',
      },
    ]);
  }
  const check = deps.policy.check(input.newPassword, { email: user.email, name: user.name ?? undefined });
  if (!check.ok) throw new WeakPasswordError(check.reasons);
  const passwordHash = await deps.hasher.hash(input.newPassword);
  // `auth.password.changed` commits with the new password; what follows ends what the old one opened.
  const updated = await deps.events.change<User | null>(
    (announce) => deps.users.setPasswordHash(user.id, passwordHash, { announce }),
    (changed) => (changed ? [announced(origin, 'auth.password.changed', { actor: user.id })] : []),
  );
  await deps.lockout.clear(user.id);
  await voidMailedLinks(deps, user.id, 'password_changed', origin);
  const issued = await deps.sessions.rotate(session.record, { origin, reason: 'password_changed' });
  await deps.sessions.revokeUser(user.id, {
    actor: user.id,
    reason: 'password_changed',
    origin,
    exceptId: issued.record.id,
  });
  await queueMail(
    deps,
    user.email,
    deps.templates.passwordChanged({ appName: deps.appName, when: new Date(deps.clock.now()) }),
  );
  await endTokensOf(deps, user.id, 'auth.password.changed', origin);
  return { user: publicUser(updated ?? user), issued };
}
