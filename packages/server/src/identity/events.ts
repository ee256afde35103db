import type { EventDetails } from '../core/events.ts';

/**
 * The identity module's events, added to the one event catalog (`core/events.ts`): for each name, what the
 * event carries besides `actor` and the request origin. `docs/identity.md` lists them for users.
 */

/** Why a password login was refused (only the event says which; the client sees one answer). */
export type LoginFailureReason =
  | 'unknown_email'
  | 'wrong_password'
  | 'locked'
  | 'disabled'
  | 'unverified'
  | 'reset_required'
  | 'no_password';

/** Why a second-factor code was refused. */
export type MfaFailureReason =
  | 'wrong_code'
  | 'attempts_exhausted'
  | 'reset_code'
  | 'enrollment_code'
  | 'remove_code'
  | 'locked';

/** Why outstanding mailed links (or an MFA login in progress) stopped working. */
export type LinksVoidedReason =
  | 'password_changed'
  | 'password_reset'
  | 'code_attempts_exhausted'
  | 'credential_changed';

type AccountFailures = { accountFailures: number };

declare module '../core/events.ts' {
  interface LiftEvents {
    'auth.signup': EventDetails;
    'auth.signup.existing_account': { subject: string };
    'auth.email.verified': EventDetails;
    'auth.email.verify_failed': { reason: 'invalid_token' };
    'auth.email.resent': { subject: string };
    'auth.email.resend_ignored': { subject: string | null };
    'auth.login.succeeded': {
      data:
        | { sessionId: string; amr: readonly string[]; mfa?: string }
        | { amr: readonly string[]; tokens: true };
    };
    'auth.login.failed': { subject: string | null; reason: LoginFailureReason };
    'auth.lockout': {
      subject: string;
      reason: 'reset_required' | 'threshold';
      data: { failures: number; lockedForMs: number; secret: 'password' | 'second_factor' };
    };
    'auth.lockout.cleared': { subject: string; data: { resetRequiredWaived: boolean } };
    'auth.throttled': { reason: string };
    'auth.csrf.refused': { reason: string };
    'auth.logout': EventDetails;
    'auth.reauth.succeeded': { data: { method: string } };
    'auth.reauth.failed': { reason: 'wrong_code' | 'locked'; data: AccountFailures };
    'auth.mfa.challenged': EventDetails;
    'auth.mfa.enrollment_started': EventDetails;
    'auth.mfa.enrolled': { data: { factor: 'totp' } };
    'auth.mfa.failed': {
      subject?: string;
      reason: MfaFailureReason;
      data?: { failures?: number; accountFailures: number };
    };
    'auth.mfa.removed': { data: { factor: 'totp' } };
    'auth.mfa.reset': { subject: string; data: { removed: boolean } };
    'auth.mfa.recovery_code_used': EventDetails;
    'auth.mfa.recovery_codes_regenerated': EventDetails;
    'auth.password.changed': EventDetails;
    'auth.password.change_failed': { reason: 'wrong_password' | 'locked'; data: AccountFailures };
    'auth.password.reset_requested': { subject: string | null; reason?: 'disabled' | 'unknown_email' };
    'auth.password.reset': { data: { purpose: string } };
    'auth.password.rehashed': EventDetails;
    'auth.links.voided': {
      subject?: string;
      reason: LinksVoidedReason;
      data: { count: number; purpose?: string };
    };
    'user.created': { subject: string; data: { admin: boolean } };
    'user.disabled': { subject: string; data: { sessionsEnded: number } };
    'user.enabled': { subject: string };
  }
}
