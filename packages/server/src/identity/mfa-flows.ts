import { openSecret, sealSecret } from '../core/crypto/secret-box.ts';
import type { EventOrigin } from '../core/events.ts';
import type { ValidatedSession } from '../sessions/index.ts';
import { InvalidMfaCodeError, MfaAlreadyEnrolledError, MfaNotEnrolledError } from './errors.ts';
import { announced, emit, endTokensOf, type IdentityDeps, requireFresh } from './identity-deps.ts';
import {
  encodeBase32,
  generateRecoveryCodes,
  generateTotpSecret,
  matchRecoveryCode,
  otpauthUri,
  totpQrSvg,
  verifyTotp,
} from './mfa/index.ts';
import { proveSecret } from './secret-attempts.ts';

/**
 * TOTP enrollment and second-factor checks. Secrets are sealed with a key derived from the root secret and
 * bound to the user id; each accepted TOTP step is recorded so a code works once; recovery codes are stored
 * hashed and each works once. Both "use once" updates are atomic in SQL, so two racing requests with the
 * same code get one winner.
 */

export interface SecondFactorInput {
  code?: string | undefined;
  recoveryCode?: string | undefined;
}

/** Whether the user has a confirmed TOTP factor. */
export async function hasMfa(deps: IdentityDeps, userId: string): Promise<boolean> {
  const factor = await deps.mfa.get(userId);
  return factor !== null && factor.confirmedAt !== null;
}

/**
 * Checks a TOTP code or a recovery code and consumes it. Returns the RFC 8176 method (`otp`, or `rc` for a
 * recovery code) or null when it is wrong, replayed or the user has no factor.
 */
export async function checkSecondFactor(
  deps: IdentityDeps,
  userId: string,
  input: SecondFactorInput,
): Promise<'otp' | 'rc' | null> {
  const factor = await deps.mfa.get(userId);
  if (!factor || factor.confirmedAt === null) return null;
  if (typeof input.code === 'string' && input.code !== '') {
    const secret = openSecret([deps.totpKey, ...deps.totpPreviousKeys], factor.secretSealed, {
      associatedData: userId,
    });
    const step = verifyTotp(secret, input.code, { clock: deps.clock, lastUsedStep: factor.lastUsedStep });
    if (step === null) return null;
    return (await deps.mfa.useStep(userId, step)) ? 'otp' : null;
  }
  if (typeof input.recoveryCode === 'string' && input.recoveryCode !== '') {
    const index = matchRecoveryCode(input.recoveryCode, factor.recoveryCodes);
    if (index < 0) return null;
    return (await deps.mfa.useRecoveryCode(userId, index)) ? 'rc' : null;
  }
  return null;
}

export interface TotpEnrollment {
  secret: string;
  otpauth_uri: string;
  qr_svg: string;
}

/** Starts TOTP enrollment (fresh session): a new secret, pending until confirmed with a code. */
export async function enrollTotp(
  deps: IdentityDeps,
  session: ValidatedSession,
  origin: EventOrigin,
): Promise<TotpEnrollment> {
  requireFresh(session);
  const userId = session.record.userId;
  const user = await deps.users.findById(userId);
  if (!user) throw new MfaNotEnrolledError();
  const secret = generateTotpSecret();
  const sealed = sealSecret(deps.totpKey, secret, { associatedData: userId });
  if (!(await deps.mfa.savePending(userId, sealed))) throw new MfaAlreadyEnrolledError();
  const uri = otpauthUri({ issuer: deps.appName, account: user.email, secret });
  emit(deps, origin, 'auth.mfa.enrollment_started', { actor: userId });
  return { secret: encodeBase32(secret), otpauth_uri: uri, qr_svg: await totpQrSvg(uri) };
}

/**
 * Confirms enrollment with a first code; returns ten recovery codes, shown once. Other sessions end (a
 * factor change is a security event) and the current one rotates with `otp` added.
 */
export async function confirmTotp(
  deps: IdentityDeps,
  session: ValidatedSession,
  code: string,
  origin: EventOrigin,
) {
  const userId = session.record.userId;
  const user = await deps.users.findById(userId);
  const factor = await deps.mfa.get(userId);
  if (!user || !factor) throw new MfaNotEnrolledError();
  if (factor.confirmedAt !== null) throw new MfaAlreadyEnrolledError();
  const secret = openSecret([deps.totpKey, ...deps.totpPreviousKeys], factor.secretSealed, {
    associatedData: userId,
  });
  // Counted like every code: the rule has no exceptions to remember, and a locked account changes no factor.
  const proof = await proveSecret(deps, user, 'second_factor', origin, async () =>
    verifyTotp(secret, code, { clock: deps.clock }),
  );
  if (!proof.ok) {
    emit(deps, origin, 'auth.mfa.failed', {
      actor: userId,
      reason: proof.reason === 'locked' ? 'locked' : 'enrollment_code',
      data: { accountFailures: proof.failures },
    });
    throw new InvalidMfaCodeError();
  }
  const step = proof.value;
  const recovery = generateRecoveryCodes();
  // `auth.mfa.enrolled` commits with the confirmed factor (the transactional outbox).
  const enrolled = await deps.events.change<boolean>(
    (announce) => deps.mfa.confirm(userId, recovery.hashes, step, { announce }),
    (done) =>
      done ? [announced(origin, 'auth.mfa.enrolled', { actor: userId, data: { factor: 'totp' } })] : [],
  );
  if (!enrolled) throw new MfaAlreadyEnrolledError();
  await deps.sessions.revokeUser(userId, {
    actor: userId,
    reason: 'mfa_enrolled',
    origin,
    exceptId: session.record.id,
  });
  const amr = [...new Set([...session.record.amr, 'otp'])];
  const issued = await deps.sessions.rotate(session.record, { amr, origin, reason: 'mfa_enrolled' });
  await endTokensOf(deps, userId, 'auth.mfa.enrolled', origin);
  return { recoveryCodes: recovery.codes, issued };
}

/** Turns TOTP off (fresh session and a valid code or recovery code). Other sessions end. */
export async function removeTotp(
  deps: IdentityDeps,
  session: ValidatedSession,
  input: SecondFactorInput,
  origin: EventOrigin,
): Promise<void> {
  requireFresh(session);
  const userId = session.record.userId;
  const user = await deps.users.findById(userId);
  if (!user || !(await hasMfa(deps, userId))) throw new MfaNotEnrolledError();
  const proof = await proveSecret(deps, user, 'second_factor', origin, () =>
    checkSecondFactor(deps, userId, input),
  );
  if (!proof.ok) {
    emit(deps, origin, 'auth.mfa.failed', {
      actor: userId,
      reason: proof.reason === 'locked' ? 'locked' : 'remove_code',
      data: { accountFailures: proof.failures },
    });
    throw new InvalidMfaCodeError();
  }
  await deps.events.change<boolean>(
    (announce) => deps.mfa.delete(userId, { announce }),
    () => [announced(origin, 'auth.mfa.removed', { actor: userId, data: { factor: 'totp' } })],
  );
  await deps.sessions.revokeUser(userId, {
    actor: userId,
    reason: 'mfa_removed',
    origin,
    exceptId: session.record.id,
  });
  await endTokensOf(deps, userId, 'auth.mfa.removed', origin);
}

/** New recovery codes (fresh session); the old ones stop working. */
export async function regenerateRecoveryCodes(
  deps: IdentityDeps,
  session: ValidatedSession,
  origin: EventOrigin,
): Promise<string[]> {
  requireFresh(session);
  const userId = session.record.userId;
  const recovery = generateRecoveryCodes();
  const replaced = await deps.events.change<boolean>(
    (announce) => deps.mfa.replaceRecoveryCodes(userId, recovery.hashes, { announce }),
    (done) => (done ? [announced(origin, 'auth.mfa.recovery_codes_regenerated', { actor: userId })] : []),
  );
  if (!replaced) throw new MfaNotEnrolledError();
  return recovery.codes;
}
