import { z } from 'zod';
import { requireAuth } from '../core/authenticate.ts';
import { humanName } from '../core/human-name.ts';
import type { RouteGroup } from '../core/routes.ts';
import { clearSessionCookie, requestSession } from '../sessions/index.ts';
import {
  changePassword,
  RESET_PATH,
  resetPassword,
  signup,
  VERIFY_PATH,
  verifyEmail,
} from './account-flows.ts';
import {
  accountPaths,
  forgotSentPage,
  passwordSetPage,
  safeContinue,
  signedOutPage,
} from './account-pages.ts';
import { deferFlow } from './deferred-flows.ts';
import type { Identity } from './identity.ts';
import { login, logout, reauthenticate, verifyMfaLogin } from './login-flows.ts';
import { confirmTotp, enrollTotp, regenerateRecoveryCodes, removeTotp } from './mfa-flows.ts';
import { wantsPage } from './page-negotiation.ts';
import { loginPageResponse, page, registerPageRoutes } from './page-routes.ts';
import {
  acceptedBody,
  forgotSentPageBody,
  loginAnswer,
  passwordChangedBody,
  passwordResetBody,
  passwordSetPageBody,
  reauthBody,
  recoveryCodesBody,
  signedOutPageBody,
  totpEnrollmentBody,
  verificationSentBody,
} from './responses.ts';
import {
  currentSession,
  loginMode,
  loginResponse,
  origin,
  presentedSessionId,
  refuseForeignOrigin,
  sessionBody,
  setSessionCookie,
  throttle,
} from './route-steps.ts';
import { registerSessionRoutes } from './session-routes.ts';

/**
 * `/auth/*`: JSON in and out, errors as problem+json. Thin: each handler parses, throttles, calls a flow and
 * maps the result. Session cookies are set and cleared here and nowhere else.
 *
 * The routes the link pages post to (login, MFA step, verify, forgot, reset, logout) also answer a browser:
 * a request that prefers `text/html` gets a page with the next step, or the refusal as a page with the same
 * status (page-negotiation.ts). The JSON answers do not change.
 */

const email = z.string().trim().min(1).max(320);
const password = z.string().min(1).max(4096);
const code = z.string().trim().min(1).max(64);
const mfaVerifyBody = z
  .object({
    mfa_token: z.string().min(1).max(200),
    // A page's form sends both fields, the unused one empty.
    code: code.optional().or(z.literal('').transform(() => undefined)),
    recovery_code: code.optional().or(z.literal('').transform(() => undefined)),
    continue: z.string().max(2048).optional(),
  })
  .refine((value) => value.code !== undefined || value.recovery_code !== undefined, {
    message: 'Send code or recovery_code.',
    path: ['code'],
  });

export function registerIdentityRoutes(app: RouteGroup, identityOf: () => Identity, prefix: string): void {
  const groups: IdentityRouteGroups = {
    identityOf,
    prefix,
    paths: accountPaths(prefix),
    auth: app.group(prefix),
    // Same prefix, different guards: a route is registered on the group whose middleware it needs.
    authed: app.group(prefix, requireAuth()),
    // Routes that also answer browsers: a refusal becomes a page offering the way back (page-routes.ts).
    pages: registerPageRoutes(app, identityOf, prefix),
  };
  registerSignupRoutes(groups);
  registerLoginRoutes(groups);
  registerSessionRoutes(groups.authed, identityOf);
  registerPasswordRoutes(groups);
  registerMfaRoutes(groups);
}

interface IdentityRouteGroups {
  identityOf: () => Identity;
  prefix: string;
  paths: ReturnType<typeof accountPaths>;
  auth: RouteGroup;
  authed: RouteGroup;
  pages: ReturnType<typeof registerPageRoutes>;
}

/** Signup, the email verification link, resending it. */
function registerSignupRoutes({ identityOf, prefix, auth, pages }: IdentityRouteGroups): void {
  auth.post('/signup', {
    input: {
      body: z.object({ email, password, name: humanName({ min: 0, max: 200 }).nullish() }),
    },
    responses: { 202: verificationSentBody },
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      await throttle(identity, ctx, 'signup');
      await signup(identity.deps, body, origin(ctx));
      ctx.response.status = 202;
      return { status: 'verification_sent' };
    },
  });

  pages.login.post(VERIFY_PATH, {
    input: { body: z.object({ token: z.string().min(1).max(200) }) },
    responses: { 200: loginAnswer },
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      await refuseForeignOrigin(identity, ctx);
      await throttle(identity, ctx, 'reset');
      const result = await verifyEmail(identity.deps, body.token, origin(ctx), presentedSessionId(ctx));
      if (wantsPage(ctx)) return loginPageResponse(identity, ctx, result, prefix, undefined);
      return loginResponse(identity, ctx, result);
    },
  });

  auth.post('/email/resend', {
    input: { body: z.object({ email }) },
    responses: { 202: acceptedBody },
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      await throttle(identity, ctx, 'forgot');
      // The account-dependent work runs after the answer: its timing must not reveal the account.
      const from = origin(ctx);
      await deferFlow(identity.deps, 'identity.resend', body.email, from);
      ctx.response.status = 202;
      return { status: 'accepted' };
    },
  });
}

/** Login, the MFA step of a login, logout, re-authentication. */
function registerLoginRoutes({ identityOf, prefix, paths, authed, pages }: IdentityRouteGroups): void {
  pages.login.post('/login', {
    input: {
      body: z.object({
        email,
        password,
        response: z.enum(['session', 'tokens']).optional(),
        continue: z.string().max(2048).optional(),
      }),
    },
    responses: { 200: loginAnswer },
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      await refuseForeignOrigin(identity, ctx);
      await throttle(identity, ctx, 'login');
      const mode = await loginMode(identity, ctx, body.response);
      const result = await login(identity.deps, body, origin(ctx), presentedSessionId(ctx), mode);
      if (wantsPage(ctx))
        return loginPageResponse(identity, ctx, result, prefix, safeContinue(body.continue));
      return loginResponse(identity, ctx, result);
    },
  });

  pages.mfa.post('/mfa/verify', {
    input: { body: mfaVerifyBody },
    responses: { 200: loginAnswer },
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      await refuseForeignOrigin(identity, ctx);
      await throttle(identity, ctx, 'mfa');
      const result = await verifyMfaLogin(
        identity.deps,
        body.mfa_token,
        { code: body.code, recoveryCode: body.recovery_code },
        origin(ctx),
        presentedSessionId(ctx),
      );
      if (wantsPage(ctx))
        return loginPageResponse(identity, ctx, result, prefix, safeContinue(body.continue));
      return loginResponse(identity, ctx, result);
    },
  });

  pages.login.post('/logout', {
    responses: { 200: signedOutPageBody, 204: null },
    handler: async (ctx) => {
      const identity = identityOf();
      const session = requestSession(ctx.raw);
      if (session) await logout(identity.deps, session, origin(ctx));
      ctx.response.headers.append('set-cookie', clearSessionCookie(identity.cookie));
      if (wantsPage(ctx)) return page(ctx, signedOutPage(paths));
      return new Response(null, { status: 204, headers: ctx.response.headers });
    },
  });

  authed.post('/reauth', {
    input: {
      body: z
        .object({ password: password.optional(), code: code.optional(), recovery_code: code.optional() })
        .refine((value) => value.password ?? value.code ?? value.recovery_code, {
          message: 'Send password, code or recovery_code.',
          path: ['password'],
        }),
    },
    output: reauthBody,
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      await throttle(identity, ctx, 'login');
      const issued = await reauthenticate(
        identity.deps,
        currentSession(ctx),
        { password: body.password, code: body.code, recoveryCode: body.recovery_code },
        origin(ctx),
      );
      setSessionCookie(identity, ctx, issued);
      return { session: { ...sessionBody(issued), fresh: true as const } };
    },
  });
}

/** Changing, forgetting and resetting a password. */
function registerPasswordRoutes({ identityOf, paths, authed, pages }: IdentityRouteGroups): void {
  authed.post('/password/change', {
    input: { body: z.object({ current_password: password, new_password: password }) },
    output: passwordChangedBody,
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      // The current password is a password guess like a login's: same bucket, same per-IP limit.
      await throttle(identity, ctx, 'login');
      const result = await changePassword(
        identity.deps,
        currentSession(ctx),
        { currentPassword: body.current_password, newPassword: body.new_password },
        origin(ctx),
      );
      setSessionCookie(identity, ctx, result.issued);
      return { user: result.user, session: sessionBody(result.issued) };
    },
  });

  pages.forgot.post('/password/forgot', {
    input: { body: z.object({ email }) },
    responses: { 202: [acceptedBody, forgotSentPageBody] },
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      await throttle(identity, ctx, 'forgot');
      const from = origin(ctx);
      await deferFlow(identity.deps, 'identity.forgot', body.email, from);
      if (wantsPage(ctx)) return page(ctx, forgotSentPage(paths), 202);
      ctx.response.status = 202;
      return { status: 'accepted' };
    },
  });

  pages.password.post(RESET_PATH, {
    input: {
      body: z.object({
        token: z.string().min(1).max(200),
        new_password: password,
        code: z.string().trim().max(64).optional(),
        recovery_code: z.string().trim().max(64).optional(),
      }),
    },
    responses: { 200: [passwordResetBody, passwordSetPageBody] },
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      // Another site has no business submitting a reset form (the pages post from this origin).
      await refuseForeignOrigin(identity, ctx);
      await throttle(identity, ctx, 'reset');
      await resetPassword(
        identity.deps,
        {
          token: body.token,
          newPassword: body.new_password,
          code: body.code || undefined,
          recoveryCode: body.recovery_code || undefined,
        },
        origin(ctx),
      );
      if (wantsPage(ctx)) return page(ctx, passwordSetPage(paths));
      return { status: 'password_reset' };
    },
  });
}

/** TOTP enrollment and removal, recovery codes. */
function registerMfaRoutes({ identityOf, authed }: IdentityRouteGroups): void {
  authed.post('/mfa/totp/enroll', {
    output: totpEnrollmentBody,
    handler: (ctx) => enrollTotp(identityOf().deps, currentSession(ctx), origin(ctx)),
  });

  authed.post('/mfa/totp/confirm', {
    input: { body: z.object({ code }) },
    output: recoveryCodesBody,
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      await throttle(identity, ctx, 'mfa');
      const result = await confirmTotp(identity.deps, currentSession(ctx), body.code, origin(ctx));
      setSessionCookie(identity, ctx, result.issued);
      return { recovery_codes: result.recoveryCodes };
    },
  });

  authed.delete('/mfa/totp', {
    input: { body: z.object({ code: code.optional(), recovery_code: code.optional() }) },
    responses: { 204: null },
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      await throttle(identity, ctx, 'mfa');
      await removeTotp(
        identity.deps,
        currentSession(ctx),
        { code: body.code, recoveryCode: body.recovery_code },
        origin(ctx),
      );
      return new Response(null, { status: 204 });
    },
  });

  authed.post('/mfa/recovery-codes/regenerate', {
    output: recoveryCodesBody,
    handler: async (ctx) => ({
      recovery_codes: await regenerateRecoveryCodes(identityOf().deps, currentSession(ctx), origin(ctx)),
    }),
  });
}
