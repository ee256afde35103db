import { z } from 'zod';
import { htmlPage } from '../core/handler.ts';

/**
 * What the identity endpoints answer, as zod schemas of the JSON bodies (snake_case, ISO times) and the pages
 * a browser gets instead: the OpenAPI document describes them, and outside production every answer is checked
 * against them (core/response-check.ts).
 */

const time = z.iso.datetime();

/** `PublicUser` (identity-deps.ts). */
export const publicUserBody = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  status: z.string(),
  email_verified: z.boolean(),
  created_at: time,
  updated_at: time,
});

/** `sessionBody()` (route-steps.ts): the session a cookie now carries. */
const sessionRef = z.object({ id: z.string(), expires_at: time });

/** The token pair the tokens module issues (RFC 6749 §5.1), for a login that asked for tokens. */
export const issuedTokensBody = z.object({
  access_token: z.string(),
  token_type: z.enum(['Bearer', 'DPoP']),
  expires_in: z.number().int(),
  refresh_token: z.string(),
});

/** A login, its MFA step or a verification link: a session (and its cookie), tokens, or the MFA step next. */
export const loginBody = z.union([
  z.object({ user: publicUserBody, session: sessionRef }),
  z.object({ mfa_required: z.literal(true), mfa_token: z.string() }),
  issuedTokensBody,
]);

export const loginPages = htmlPage('For a browser: the next step (the MFA form) or "signed in".');
export const loginAnswer = [loginBody, loginPages] as const;

export const verificationSentBody = z.object({ status: z.literal('verification_sent') });
export const acceptedBody = z.object({ status: z.literal('accepted') });
export const passwordResetBody = z.object({ status: z.literal('password_reset') });

export const reauthBody = z.object({ session: sessionRef.extend({ fresh: z.literal(true) }) });

export const currentSessionBody = z.object({
  user: publicUserBody,
  session: z.object({
    id: z.string(),
    created_at: time,
    expires_at: time,
    auth_time: time,
    amr: z.array(z.string()),
    fresh: z.boolean(),
  }),
});

const sessionListing = {
  id: z.string(),
  created_at: time,
  last_seen_at: time,
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
};

export const sessionListBody = z.object({
  sessions: z.array(z.object({ ...sessionListing, current: z.boolean() })),
});

export const revokedCountBody = z.object({ revoked: z.number().int() });

export const passwordChangedBody = z.object({ user: publicUserBody, session: sessionRef });

export const totpEnrollmentBody = z.object({
  secret: z.string(),
  otpauth_uri: z.string(),
  qr_svg: z.string(),
});
export const recoveryCodesBody = z.object({ recovery_codes: z.array(z.string()) });

export const userPageBody = z.object({ users: z.array(publicUserBody), next_cursor: z.string().nullable() });

/** `AdminUserView` (admin-flows.ts). */
export const adminUserBody = publicUserBody.extend({
  mfa_enabled: z.boolean(),
  password_reset_required: z.boolean(),
  roles: z.array(z.string()),
  sessions: z.array(z.object(sessionListing)),
});

export const userBody = z.object({ user: publicUserBody });
export const mfaRemovedBody = z.object({ removed: z.boolean() });

export const signedOutPageBody = htmlPage('For a browser: "signed out".');
export const forgotSentPageBody = htmlPage('For a browser: "check your inbox".');
export const passwordSetPageBody = htmlPage('For a browser: "password set", and a way to log in.');
export const verifyFormPage = htmlPage('The page a verification link opens: a form that posts the token.');
export const loginFormPage = htmlPage('The login form.');
export const forgotFormPage = htmlPage('The form asking for a password reset link.');
export const newPasswordFormPage = htmlPage(
  'The page a reset or set-password link opens: the new-password form.',
);
