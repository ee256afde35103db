import { hashToken } from '../core/crypto/token-hash.ts';
import { BadRequestError } from '../core/errors.ts';
import type { EventOrigin } from '../core/events.ts';
import type { IssuedSession, ValidatedSession } from '../sessions/index.ts';
import { InvalidCredentialsError, InvalidMfaCodeError, InvalidMfaTokenError } from './errors.ts';
import type { LoginFailureReason } from './events.ts';
import {
  emit,
  type IdentityDeps,
  type LoginMode,
  newOpaqueToken,
  type PublicUser,
  publicUser,
} from './identity-deps.ts';
import { checkSecondFactor, hasMfa, type SecondFactorInput } from './mfa-flows.ts';
import { proveSecret } from './secret-attempts.ts';
import type { User } from './users/index.ts';

/**
 * Login, the MFA step, step-up and logout.
 *
 * No enumeration: an unknown email, a wrong password, a locked, disabled or unverified account and an account
 * needing a reset all end in the same `InvalidCredentialsError`, after the same argon2id work (a dummy verify
 * where there is no hash to check). Only the event says which it was.
 */

export type LoginResult =
  | { kind: 'session'; user: PublicUser; issued: IssuedSession }
  | { kind: 'tokens'; user: PublicUser; tokens: Record<string, unknown> }
  | { kind: 'mfa'; mfaToken: string };

interface MfaChallenge {
  userId: string;
  amr: string[];
  mode?: LoginMode;
  /** When the first factor was proven; a password change after this time ends the challenge. */
  startedAt?: number;
}

const SESSION_MODE: LoginMode = { kind: 'session' };

const MFA_KEY = 'identity:mfa-login:';
const MFA_FAILURES_KEY = 'identity:mfa-login-failures:';
/** `<userId>` → when its password last changed; kept as long as an MFA login token can live. */
const CREDENTIAL_CHANGED_KEY = 'identity:credential-changed:';

/**
 * A password change or reset ends the logins still waiting for their second factor: they were begun with a
 * credential that no longer exists. Only the time is kept, for as long as such a login can wait.
 */
export async function endLoginsInProgress(deps: IdentityDeps, userId: string): Promise<void> {
  await deps.kv.set(CREDENTIAL_CHANGED_KEY + userId, String(deps.clock.now()), {
    ttlMs: deps.config.auth.mfaTokenTtlMs,
  });
}

async function startedBeforeCredentialChange(deps: IdentityDeps, challenge: MfaChallenge): Promise<boolean> {
  const changedAt = await deps.kv.get(CREDENTIAL_CHANGED_KEY + challenge.userId);
  return changedAt !== null && Number(changedAt) > (challenge.startedAt ?? 0);
}

/**
 * `replaces`: the session the client presented, if any. It ends when the new session starts (never before the
 * credentials are proven), so no session id survives a login.
 */
export async function login(
  deps: IdentityDeps,
  input: { email: string; password: string },
  origin: EventOrigin,
  replaces?: string | null,
  mode: LoginMode = SESSION_MODE,
): Promise<LoginResult> {
  if (mode.kind === 'tokens' && !deps.tokenIssuer()) throw new TokensDisabledError();
  return deps.timeAuth('password', async () => {
    const user = await verifyPassword(deps, input.email, input.password, origin);
    return completeFirstFactor(deps, user, ['pwd'], origin, replaces, mode);
  });
}

/**
 * Checks an email and password with lockout; returns the user or throws `InvalidCredentialsError`. Every
 * refusal emits `auth.login.failed` with its reason.
 */
async function verifyPassword(
  deps: IdentityDeps,
  email: string,
  password: string,
  origin: EventOrigin,
): Promise<User> {
  const user = await deps.users.findByEmail(email);
  const fail = async (reason: LoginFailureReason, subject: string | null) => {
    deps.log.debug({ reason, user_id: subject, request_id: origin.requestId }, 'login refused');
    emit(deps, origin, 'auth.login.failed', { actor: null, subject, reason });
    return new InvalidCredentialsError();
  };
  if (!user || user.passwordHash === null) {
    // The same work as a wrong password on a real account — lockout reservation, argon2id, failure count — so the
    // time taken does not tell the two apart. The count is kept under a stand-in id for the address.
    const standIn = `unknown:${hashToken(email.trim().toLowerCase())}`;
    const reservation = await deps.lockout.reserve(standIn);
    await deps.hasher.verifyAgainstDummy(password);
    if (reservation.admitted) await reservation.attempt.failed();
    throw await fail(user ? 'no_password' : 'unknown_email', user?.id ?? null);
  }
  if (user.passwordResetRequired) {
    await deps.hasher.verifyAgainstDummy(password);
    throw await fail('reset_required', user.id);
  }
  const hash = user.passwordHash;
  const proof = await proveSecret(deps, user, 'password', origin, async () =>
    (await deps.hasher.verify(hash, password)) ? true : null,
  );
  if (!proof.ok) {
    // A locked account costs the same argon2id work as a wrong password, and is not counted.
    if (proof.reason === 'locked') await deps.hasher.verifyAgainstDummy(password);
    throw await fail(proof.reason === 'locked' ? 'locked' : 'wrong_password', user.id);
  }
  if (user.status !== 'active') throw await fail('disabled', user.id);
  if (user.emailVerifiedAt === null) throw await fail('unverified', user.id);
  if (deps.hasher.needsRehash(user.passwordHash)) {
    await deps.users.setPasswordHash(user.id, await deps.hasher.hash(password));
    emit(deps, origin, 'auth.password.rehashed', { actor: user.id });
  }
  return user;
}

/** After a first factor: a session, or the MFA step when the user has a factor. */
export async function completeFirstFactor(
  deps: IdentityDeps,
  user: User,
  amr: string[],
  origin: EventOrigin,
  replaces?: string | null,
  mode: LoginMode = SESSION_MODE,
): Promise<LoginResult> {
  if (await hasMfa(deps, user.id)) {
    const { token, hash } = newOpaqueToken();
    const challenge: MfaChallenge = { userId: user.id, amr, mode, startedAt: deps.clock.now() };
    await deps.kv.set(MFA_KEY + hash, JSON.stringify(challenge), { ttlMs: deps.config.auth.mfaTokenTtlMs });
    emit(deps, origin, 'auth.mfa.challenged', { actor: user.id });
    return { kind: 'mfa', mfaToken: token };
  }
  if (mode.kind === 'tokens') return tokenLogin(deps, user, amr, origin, mode);
  const issued = await deps.sessions.create({ userId: user.id, amr, origin, replaces });
  emit(deps, origin, 'auth.login.succeeded', {
    actor: user.id,
    data: { sessionId: issued.record.id, amr },
  });
  return { kind: 'session', user: publicUser(user), issued };
}

async function tokenLogin(
  deps: IdentityDeps,
  user: User,
  amr: string[],
  origin: EventOrigin,
  mode: LoginMode,
): Promise<LoginResult> {
  const issuer = deps.tokenIssuer();
  if (!issuer) throw new TokensDisabledError();
  const tokens = await issuer.issue(
    { userId: user.id, amr, authTime: deps.clock.now(), jkt: mode.jkt ?? null },
    origin,
  );
  emit(deps, origin, 'auth.login.succeeded', { actor: user.id, data: { amr, tokens: true } });
  return { kind: 'tokens', user: publicUser(user), tokens };
}

/** `response: tokens` on an app whose tokens module is off. */
export class TokensDisabledError extends BadRequestError {
  constructor() {
    super(
      'This app does not issue tokens (tokens.enabled is false); log in for a session.',
      'LIFT_TOKENS_DISABLED',
    );
  }
}

/**
 * The MFA step of a login: at most `auth.mfaMaxAttempts` wrong codes per token, then the token dies. Every
 * wrong code also counts against the account's lockout (secret-attempts.ts), so new logins do not buy new
 * guesses, and a locked account's codes are not checked at all.
 */
export function verifyMfaLogin(
  deps: IdentityDeps,
  mfaToken: string,
  factor: SecondFactorInput,
  origin: EventOrigin,
  replaces?: string | null,
): Promise<LoginResult> {
  const method = factor.recoveryCode === undefined ? 'totp' : 'recovery_code';
  return deps.timeAuth(method, () => decideMfaLogin(deps, mfaToken, factor, origin, replaces));
}

async function decideMfaLogin(
  deps: IdentityDeps,
  mfaToken: string,
  factor: SecondFactorInput,
  origin: EventOrigin,
  replaces?: string | null,
): Promise<LoginResult> {
  const hash = hashToken(mfaToken);
  const stored = await deps.kv.get(MFA_KEY + hash);
  if (stored === null) throw new InvalidMfaTokenError();
  const challenge = JSON.parse(stored) as MfaChallenge;
  const user = await deps.users.findById(challenge.userId);
  if (user?.status !== 'active') throw new InvalidMfaTokenError();
  if (await startedBeforeCredentialChange(deps, challenge)) {
    await deps.kv.delete(MFA_KEY + hash);
    emit(deps, origin, 'auth.links.voided', {
      actor: null,
      subject: user.id,
      reason: 'credential_changed',
      data: { count: 1, purpose: 'mfa_login' },
    });
    throw new InvalidMfaTokenError();
  }
  const proof = await proveSecret(deps, user, 'second_factor', origin, () =>
    checkSecondFactor(deps, user.id, factor),
  );
  if (!proof.ok) {
    if (proof.reason === 'locked') {
      emit(deps, origin, 'auth.mfa.failed', { actor: null, subject: user.id, reason: 'locked' });
      throw new InvalidMfaCodeError();
    }
    const failures = await deps.kv.increment(MFA_FAILURES_KEY + hash, 1, {
      ttlMs: deps.config.auth.mfaTokenTtlMs,
    });
    const exhausted = failures >= deps.config.auth.mfaMaxAttempts;
    if (exhausted) await deps.kv.delete(MFA_KEY + hash);
    emit(deps, origin, 'auth.mfa.failed', {
      actor: null,
      subject: user.id,
      reason: exhausted ? 'attempts_exhausted' : 'wrong_code',
      data: { failures, accountFailures: proof.failures },
    });
    throw exhausted ? new InvalidMfaTokenError() : new InvalidMfaCodeError();
  }
  const method = proof.value;
  // One use: whoever deletes the challenge first gets the session.
  if (!(await deps.kv.delete(MFA_KEY + hash))) throw new InvalidMfaTokenError();
  if (method === 'rc') {
    emit(deps, origin, 'auth.mfa.recovery_code_used', { actor: user.id });
  }
  // A recovery code stands in for the one-time code: the login still had two factors.
  const amr = [...new Set([...challenge.amr, 'otp'])];
  if (challenge.mode?.kind === 'tokens') return tokenLogin(deps, user, amr, origin, challenge.mode);
  const issued = await deps.sessions.create({ userId: user.id, amr, origin, replaces });
  emit(deps, origin, 'auth.login.succeeded', {
    actor: user.id,
    data: { sessionId: issued.record.id, amr: issued.record.amr, mfa: method },
  });
  return { kind: 'session', user: publicUser(user), issued };
}

/**
 * Step-up: proves the user again (password, or a code when the account has MFA) and rotates the session with
 * a new `authTime`, which makes it fresh. Wrong passwords and wrong codes count towards the account lockout
 * like a login's.
 */
export async function reauthenticate(
  deps: IdentityDeps,
  session: ValidatedSession,
  input: { password?: string | undefined } & SecondFactorInput,
  origin: EventOrigin,
): Promise<IssuedSession> {
  const user = await deps.users.findById(session.record.userId);
  if (!user) throw new InvalidCredentialsError();
  let method: string;
  if (typeof input.password === 'string') {
    await verifyPassword(deps, user.email, input.password, origin);
    method = 'pwd';
  } else {
    const proof = await proveSecret(deps, user, 'second_factor', origin, () =>
      checkSecondFactor(deps, user.id, input),
    );
    if (!proof.ok) {
      emit(deps, origin, 'auth.reauth.failed', {
        actor: user.id,
        reason: proof.reason === 'locked' ? 'locked' : 'wrong_code',
        data: { accountFailures: proof.failures },
      });
      throw new InvalidMfaCodeError();
    }
    method = 'otp';
  }
  const amr = [...new Set([...session.record.amr, method])];
  const issued = await deps.sessions.rotate(session.record, {
    amr,
    authTime: deps.clock.now(),
    origin,
    reason: 'step_up',
  });
  emit(deps, origin, 'auth.reauth.succeeded', { actor: user.id, data: { method } });
  return issued;
}

export async function logout(deps: IdentityDeps, session: ValidatedSession, origin: EventOrigin) {
  await deps.sessions.revoke(session.record.id, { actor: session.record.userId, reason: 'logout', origin });
  emit(deps, origin, 'auth.logout', { actor: session.record.userId });
}
