import { ConflictError, ForbiddenError, LiftError, UnauthenticatedError } from '../core/errors.ts';

/**
 * The identity flows' refusals. Each has a stable code (docs/errors.md). None of them says whether an account
 * exists: unknown email, wrong password, locked, disabled and unverified accounts all get
 * `InvalidCredentialsError` with the same body.
 */

export class InvalidCredentialsError extends UnauthenticatedError {
  constructor() {
    super('The email or password is incorrect.', 'LIFT_INVALID_CREDENTIALS');
  }
}

/** A password reset or step-up on an account with MFA came without a code. */
export class MfaCodeRequiredError extends UnauthenticatedError {
  constructor() {
    super(
      'This account uses two-factor authentication: send a code or a recovery code.',
      'LIFT_MFA_REQUIRED',
    );
  }
}

export class InvalidMfaCodeError extends UnauthenticatedError {
  constructor() {
    super('The code is incorrect, expired or already used.', 'LIFT_INVALID_MFA_CODE');
  }
}

/** An MFA login token (from `POST /auth/login`) that is unknown, expired or used up. */
export class InvalidMfaTokenError extends UnauthenticatedError {
  constructor() {
    super('The MFA step expired or failed too often; log in again.', 'LIFT_INVALID_MFA_TOKEN');
  }
}

/** A verification, reset or set-password link that is unknown, expired or already used. */
export class InvalidLinkTokenError extends LiftError {
  constructor() {
    super('LIFT_INVALID_TOKEN', 400, 'Invalid or expired link', {
      detail: 'This link is invalid, expired or was already used; ask for a new one.',
    });
  }
}

/** The action needs a session that proved who it is recently (`POST /auth/reauth`). */
export class ReauthRequiredError extends ForbiddenError {
  constructor() {
    super('Confirm your password (or a code) first: POST /auth/reauth.', 'LIFT_REAUTH_REQUIRED');
  }
}

export class MfaAlreadyEnrolledError extends ConflictError {
  constructor() {
    super(
      'Two-factor authentication is already on; remove it first to enroll again.',
      'LIFT_MFA_ALREADY_ENROLLED',
    );
  }
}

export class MfaNotEnrolledError extends ConflictError {
  constructor() {
    super('Two-factor authentication is not on for this account.', 'LIFT_MFA_NOT_ENROLLED');
  }
}

export class SignupClosedError extends ForbiddenError {
  constructor(mode: 'invite' | 'closed') {
    super(
      mode === 'invite' ? 'Signup is by invitation only.' : 'Signup is closed.',
      mode === 'invite' ? 'LIFT_SIGNUP_INVITE_ONLY' : 'LIFT_SIGNUP_CLOSED',
    );
  }
}
