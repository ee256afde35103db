import type { CodesOf } from '../core/error-codes.ts';
import type { ErrorCodeSpec } from '../core/module.ts';

/** The error codes of the identity module: signup, login, MFA, passwords, links. */
export const IDENTITY_ERRORS = [
  {
    code: 'LIFT_WEAK_PASSWORD',
    status: 400,
    meaning: 'A new password breaks the policy; `reasons` lists why.',
  },
  { code: 'LIFT_PASSWORD_TOO_LONG', status: 400, meaning: 'A password over 1024 code points.' },
  { code: 'LIFT_BASE32_INVALID', status: 400, meaning: 'A TOTP secret that is not valid base32.' },
  {
    code: 'LIFT_TOTP_LABEL_INVALID',
    status: 400,
    meaning: 'An empty issuer or account name, or one with `:`.',
  },
  {
    code: 'LIFT_INVALID_TOKEN',
    status: 400,
    meaning: 'A verification, reset or set-password link that is no longer valid.',
  },
  {
    code: 'LIFT_TOKENS_DISABLED',
    status: 400,
    meaning: 'Login asked for tokens but `tokens.enabled` is false.',
  },
  {
    code: 'LIFT_INVALID_CREDENTIALS',
    status: 401,
    meaning: 'The email and password do not let anyone in; one body for every reason.',
  },
  {
    code: 'LIFT_MFA_REQUIRED',
    status: 401,
    meaning: 'A reset or step-up of an MFA account came without a code.',
  },
  {
    code: 'LIFT_INVALID_MFA_CODE',
    status: 401,
    meaning: 'A TOTP or recovery code that is wrong, stale or used.',
  },
  {
    code: 'LIFT_INVALID_MFA_TOKEN',
    status: 401,
    meaning: 'The MFA step expired or was spent; log in again.',
  },
  { code: 'LIFT_REAUTH_REQUIRED', status: 403, meaning: 'A sensitive action needs a fresh session.' },
  { code: 'LIFT_SIGNUP_INVITE_ONLY', status: 403, meaning: '`signup.mode` is `invite`.' },
  { code: 'LIFT_SIGNUP_CLOSED', status: 403, meaning: '`signup.mode` is `closed`.' },
  {
    code: 'LIFT_EMAIL_TAKEN',
    status: 409,
    meaning: 'Internal: a user with this email exists; signup never reveals it.',
  },
  {
    code: 'LIFT_MFA_ALREADY_ENROLLED',
    status: 409,
    meaning: 'TOTP enrollment while a confirmed factor exists.',
  },
  { code: 'LIFT_MFA_NOT_ENROLLED', status: 409, meaning: 'An MFA action on an account without a factor.' },
] as const satisfies readonly ErrorCodeSpec[];

declare module '../core/error-codes.ts' {
  interface LiftErrorCodes extends CodesOf<typeof IDENTITY_ERRORS> {}
}
