import type { EventOrigin } from '../core/events.ts';
import { emit, type IdentityDeps, queueMail } from './identity-deps.ts';
import type { LockoutFailure } from './lockout.ts';
import type { User } from './users/index.ts';

/**
 * The one way a secret is checked for an account that is already known — by email (login), by its session
 * (step-up, password change, MFA removal, enrollment), by an MFA login token or by a reset link. Every such
 * check counts against the same per-account lockout (NIST SP 800-63B §5.2.2), whatever the secret and
 * whichever address the guesses come from, so knowing the password and rotating client addresses does not
 * buy unlimited second-factor guesses.
 *
 * - The attempt is reserved with the lockout before the secret is checked, atomically, so simultaneous
 *   guesses from any number of addresses and nodes are counted while they are checked: no more of them are
 *   checked than the lockout allows (`threshold` before the first lock, one per ended lock after it).
 * - A refused reservation (the account is locked, or the guesses in flight would lock it) is answered like a
 *   wrong secret without checking the secret, and is not counted.
 * - A wrong secret is one more consecutive failure: the lock, the owner's mail and `resetRequired` follow
 *   from the lockout's count exactly as for a wrong password at login.
 * - The streak ends only when the account's whole authentication is proven: a second factor, or the
 *   password of an account without one. A correct password of an MFA account leaves it running, or a
 *   fresh login would wipe the count between two rounds of code guesses.
 *
 * The per-IP throttle is the routes' half (`routes.ts`); `secret-attempts.test.ts` walks every route that
 * checks a secret and proves both.
 */

/** What was checked: `password` or `second_factor` (TOTP, recovery code, enrollment code). */
export type SecretKind = 'password' | 'second_factor';

export type SecretProof<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      /** `locked`: not checked; `wrong`: checked, wrong, counted. */
      reason: 'locked' | 'wrong';
      /** The account's consecutive failures after this attempt (0 when locked). */
      failures: number;
    };

/**
 * Runs `check` (null means wrong) under the account's lockout. The caller answers the refusal and emits its
 * own refusal event; the lockout's decisions (`auth.lockout`, the mail) are emitted here.
 */
export async function proveSecret<T>(
  deps: IdentityDeps,
  user: User,
  kind: SecretKind,
  origin: EventOrigin,
  check: () => Promise<T | null>,
): Promise<SecretProof<T>> {
  const reservation = await deps.lockout.reserve(user.id);
  if (!reservation.admitted) return { ok: false, reason: 'locked', failures: 0 };
  const { attempt } = reservation;
  try {
    const value = await check();
    if (value === null) {
      const failure = await attempt.failed();
      return { ok: false, reason: 'wrong', failures: await reportFailure(deps, user, kind, origin, failure) };
    }
    if (kind === 'second_factor' || !(await hasSecondFactor(deps, user.id))) await attempt.succeeded();
    return { ok: true, value };
  } finally {
    // A correct password still short of the second factor, or a check that threw: not a failure.
    await attempt.release();
  }
}

/** `hasMfa` of mfa-flows.ts, repeated here so that mfa-flows.ts can use this file without an import cycle. */
async function hasSecondFactor(deps: IdentityDeps, userId: string): Promise<boolean> {
  const factor = await deps.mfa.get(userId);
  return factor !== null && factor.confirmedAt !== null;
}

/** Acts on a counted wrong secret; returns the account's consecutive failures. */
async function reportFailure(
  deps: IdentityDeps,
  user: User,
  kind: SecretKind,
  origin: EventOrigin,
  failure: LockoutFailure,
): Promise<number> {
  if (failure.resetRequired && !user.passwordResetRequired) await deps.users.requirePasswordReset(user.id);
  if (failure.episodeStarted || failure.resetRequired) {
    await emit(deps, origin, {
      type: 'auth.lockout',
      actor: null,
      subject: user.id,
      reason: failure.resetRequired ? 'reset_required' : 'threshold',
      data: { failures: failure.failures, lockedForMs: failure.lockedForMs, secret: kind },
    });
  }
  if (failure.episodeStarted) {
    const base = (deps.config.auth.publicUrl ?? `http://${deps.config.host}:${deps.config.port}`).replace(
      /\/+$/,
      '',
    );
    const link = `${base}${deps.config.auth.prefix}/password/forgot`;
    await queueMail(deps, user.email, deps.templates.lockout({ appName: deps.appName, link }));
  }
  return failure.failures;
}
