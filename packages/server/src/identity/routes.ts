import { z } from 'zod';
import { optionalAuth, requireAuth } from '../core/authenticate.ts';
import type { Context } from '../core/context.ts';
import { NotFoundError, UnauthenticatedError } from '../core/errors.ts';
import { requestHeader } from '../core/request-headers.ts';
import type { RouteGroup } from '../core/routes.ts';
import { CsrfError, csrfVerdict } from '../http/csrf/index.ts';
import { clearSessionCookie, serializeSessionCookie } from '../sessions/session-cookie.ts';
import type { IssuedSession, ValidatedSession } from '../sessions/session-manager.ts';
import { requestOrigin, requestSession } from '../sessions/session-resolver.ts';
import {
  changePassword,
  forgotPassword,
  RESET_PATH,
  resendVerification,
  resetPassword,
  signup,
  VERIFY_PATH,
  verifyEmail,
} from './account-flows.ts';
import {
  accountPaths,
  forgotPage,
  forgotSentPage,
  loginLink,
  loginPage,
  mfaPage,
  passwordForm,
  passwordFormPage,
  passwordSetPage,
  safeContinue,
  signedInPage,
  signedOutPage,
  verifyPage,
} from './account-pages.ts';
import type { Identity, IdentityThrottleBucket } from './identity.ts';
import type { LoginMode } from './identity-deps.ts';
import { publicUser } from './identity-deps.ts';
import { type PageContent, pageResponse } from './link-pages.ts';
import { type LoginResult, login, logout, reauthenticate, verifyMfaLogin } from './login-flows.ts';
import { confirmTotp, enrollTotp, regenerateRecoveryCodes, removeTotp } from './mfa-flows.ts';
import { errorPages, type PageBack, wantsPage } from './page-negotiation.ts';
import { TooManyAttemptsError } from './throttle.ts';

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

function origin(ctx: Context) {
  return requestOrigin(ctx.raw);
}

/** Counts the request against the per-IP throttle of `bucket`; 429 when it is spent. */
export async function throttle(
  identity: Identity,
  ctx: Context,
  bucket: IdentityThrottleBucket,
): Promise<void> {
  const decision = await identity.throttle.hit(bucket, ctx.clientIp);
  if (decision.allowed) return;
  await identity.events.emit({ type: 'auth.throttled', actor: null, ...origin(ctx), reason: bucket });
  throw new TooManyAttemptsError(decision.retryAfterMs);
}

/** The session behind the request; bearer-authenticated callers have none and get 401. */
function currentSession(ctx: Context): ValidatedSession {
  const session = requestSession(ctx.raw);
  if (!session) throw new UnauthenticatedError('This action needs a session (log in with a password).');
  return session;
}

function setSessionCookie(identity: Identity, ctx: Context, issued: IssuedSession): void {
  const lifetime = issued.record.absoluteExpiresAt - identity.deps.clock.now();
  ctx.response.headers.append('set-cookie', serializeSessionCookie(identity.cookie, issued.token, lifetime));
}

function sessionBody(issued: IssuedSession) {
  const record = issued.record;
  return {
    id: record.id,
    expires_at: new Date(Math.min(record.idleExpiresAt, record.absoluteExpiresAt)).toISOString(),
  };
}

/** The session the browser presented; a login ends it when the new one starts, so no id survives a login. */
function presentedSessionId(ctx: Context): string | null {
  return requestSession(ctx.raw)?.record.id ?? null;
}

/**
 * Login CSRF: another site must not be able to log a visitor's browser into an account (the attacker's), so the
 * endpoints that set a session cookie apply the same origin rule as cookie-authenticated requests.
 */
export async function refuseForeignOrigin(identity: Identity, ctx: Context): Promise<void> {
  const verdict = csrfVerdict({
    method: ctx.method,
    secFetchSite: requestHeader(ctx.raw, 'sec-fetch-site'),
    origin: requestHeader(ctx.raw, 'origin'),
    ownOrigins: identity.ownOrigins(ctx.url.origin),
    allowedOrigins: identity.deps.config.auth.csrfAllowedOrigins,
  });
  if (verdict.ok) return;
  await identity.events.emit({
    type: 'auth.csrf.refused',
    actor: null,
    ...origin(ctx),
    reason: verdict.reason,
  });
  throw new CsrfError(verdict.reason);
}

const TOKENS_MEDIA_TYPE = 'application/vnd.lift.tokens+json';

/** `response: tokens` in the body, or `Accept: application/vnd.lift.tokens+json`, asks for tokens. */
async function loginMode(identity: Identity, ctx: Context, response: string | undefined): Promise<LoginMode> {
  const wantsTokens = response === 'tokens' || (ctx.headers.get('accept') ?? '').includes(TOKENS_MEDIA_TYPE);
  if (!wantsTokens) return { kind: 'session' };
  const jkt = identity.dpopThumbprint ? await identity.dpopThumbprint(ctx) : null;
  return { kind: 'tokens', jkt };
}

async function loginResponse(identity: Identity, ctx: Context, result: LoginResult) {
  if (result.kind === 'mfa') return { mfa_required: true, mfa_token: result.mfaToken };
  if (result.kind === 'tokens') {
    // RFC 6749 §5.1: token responses are never cached.
    ctx.response.headers.set('cache-control', 'no-store');
    identity.decorateTokenResponse?.(ctx, result.tokens);
    return result.tokens;
  }
  setSessionCookie(identity, ctx, result.issued);
  return { user: result.user, session: sessionBody(result.issued) };
}

/** A page answer; the headers a handler set on `ctx.response` (the session cookie) go with it. */
function page(ctx: Context, content: PageContent, status = 200): Response {
  return pageResponse(content, { status, headers: ctx.hasResponseInit ? ctx.response.headers : undefined });
}

/** A form field of the submitted body, for an error page that shows the form again. */
async function formValue(ctx: Context, name: string): Promise<string | undefined> {
  try {
    const body = (await ctx.body()) as Record<string, unknown> | undefined;
    const value = body?.[name];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The browser's answer to a login, MFA step or verification: the next form, or "signed in" and the cookie. */
async function loginPageResponse(
  identity: Identity,
  ctx: Context,
  result: LoginResult,
  prefix: string,
  continueTo: string | undefined,
) {
  const paths = accountPaths(prefix);
  if (result.kind === 'mfa') return page(ctx, mfaPage(paths, result.mfaToken, continueTo));
  if (result.kind === 'tokens') return loginResponse(identity, ctx, result);
  setSessionCookie(identity, ctx, result.issued);
  return page(ctx, signedInPage(paths, identity.deps.appName, result.user.email, continueTo));
}

export function registerIdentityRoutes(app: RouteGroup, identityOf: () => Identity, prefix: string): void {
  const paths = accountPaths(prefix);
  const auth = app.group(prefix);
  // Same prefix, different guards: a route is registered on the group whose middleware it needs.
  const authed = app.group(prefix, requireAuth());
  // Routes that also answer browsers: a refusal becomes a page offering the way back (page-negotiation.ts).
  const toLogin: PageBack = async (ctx) => ({
    links: [loginLink(paths, safeContinue(await formValue(ctx, 'continue')))],
  });
  // A refused password keeps the link usable: the form comes back; a dead link offers a new one.
  const toPasswordForm: PageBack = async (ctx, error) => {
    const token = await formValue(ctx, 'token');
    const forms =
      token === undefined || error.code === 'LIFT_INVALID_TOKEN'
        ? []
        : [passwordForm(ctx.path, token, false)];
    return { forms, links: [{ href: paths.forgot, label: 'Ask for a new link' }, loginLink(paths)] };
  };
  // A wrong code leaves the MFA step usable (up to auth.mfaMaxAttempts): its form comes back.
  const toMfaForm: PageBack = async (ctx, error) => {
    const mfaToken = await formValue(ctx, 'mfa_token');
    const continueTo = safeContinue(await formValue(ctx, 'continue'));
    const forms =
      mfaToken === undefined || error.code === 'LIFT_INVALID_MFA_TOKEN'
        ? []
        : (mfaPage(paths, mfaToken, continueTo).forms ?? []);
    return { forms, links: [loginLink(paths, continueTo)] };
  };
  const toForgot: PageBack = () => ({ links: [{ href: paths.forgot, label: 'Try again' }] });
  const pages = {
    login: app.group(prefix, errorPages(toLogin), optionalAuth()),
    mfa: app.group(prefix, errorPages(toMfaForm), optionalAuth()),
    password: app.group(prefix, errorPages(toPasswordForm)),
    forgot: app.group(prefix, errorPages(toForgot)),
  };

  auth.post('/signup', {
    input: {
      body: z.object({ email, password, name: z.string().trim().max(200).nullish() }),
    },
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      await throttle(identity, ctx, 'signup');
      await signup(identity.deps, body, origin(ctx));
      ctx.response.status = 202;
      return { status: 'verification_sent' };
    },
  });

  auth.get(VERIFY_PATH, (ctx) => pageResponse(verifyPage(ctx.path, ctx.query.token ?? '')));

  pages.login.post(VERIFY_PATH, {
    input: { body: z.object({ token: z.string().min(1).max(200) }) },
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
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      await throttle(identity, ctx, 'forgot');
      // The account-dependent work runs after the answer: its timing must not reveal the account.
      const from = origin(ctx);
      identity.deps.background.run('resend', () => resendVerification(identity.deps, body.email, from));
      ctx.response.status = 202;
      return { status: 'accepted' };
    },
  });

  auth.get('/login', (ctx) =>
    pageResponse(loginPage(paths, { continueTo: safeContinue(ctx.query.continue) })),
  );

  pages.login.post('/login', {
    input: {
      body: z.object({
        email,
        password,
        response: z.enum(['session', 'tokens']).optional(),
        continue: z.string().max(2048).optional(),
      }),
    },
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
    input: {
      body: z
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
        }),
    },
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

  pages.login.post('/logout', async (ctx) => {
    const identity = identityOf();
    const session = requestSession(ctx.raw);
    if (session) await logout(identity.deps, session, origin(ctx));
    ctx.response.headers.append('set-cookie', clearSessionCookie(identity.cookie));
    if (wantsPage(ctx)) return page(ctx, signedOutPage(paths));
    return new Response(null, { status: 204, headers: ctx.response.headers });
  });

  authed.get('/session', async (ctx) => {
    const identity = identityOf();
    const session = currentSession(ctx);
    const user = await identity.deps.users.findById(session.record.userId);
    if (!user) throw new UnauthenticatedError();
    const record = session.record;
    return {
      user: publicUser(user),
      session: {
        id: record.id,
        created_at: new Date(record.createdAt).toISOString(),
        expires_at: new Date(Math.min(record.idleExpiresAt, record.absoluteExpiresAt)).toISOString(),
        auth_time: new Date(record.authTime).toISOString(),
        amr: record.amr,
        fresh: session.fresh,
      },
    };
  });

  authed.get('/sessions', async (ctx) => {
    const identity = identityOf();
    const current = currentSession(ctx);
    const records = await identity.sessions.list(current.record.userId);
    return {
      sessions: records.map((record) => ({
        id: record.id,
        created_at: new Date(record.createdAt).toISOString(),
        last_seen_at: new Date(record.lastSeenAt).toISOString(),
        ip: record.ip,
        user_agent: record.userAgent,
        current: record.id === current.record.id,
      })),
    };
  });

  authed.delete('/sessions/:id', async (ctx) => {
    const identity = identityOf();
    const current = currentSession(ctx);
    const target = await identity.sessions.findById(ctx.params.id ?? '');
    // Another user's session id answers exactly like an unknown one: 404, changing nothing.
    if (!target || target.userId !== current.record.userId) {
      throw new NotFoundError('No session of yours has this id.');
    }
    await identity.sessions.revoke(target.id, {
      actor: current.record.userId,
      reason: 'user',
      origin: origin(ctx),
    });
    if (target.id === current.record.id) {
      ctx.response.headers.append('set-cookie', clearSessionCookie(identity.cookie));
    }
    return new Response(null, { status: 204, headers: ctx.response.headers });
  });

  authed.post('/sessions/revoke-others', async (ctx) => {
    const identity = identityOf();
    const current = currentSession(ctx);
    const revoked = await identity.sessions.revokeUser(current.record.userId, {
      actor: current.record.userId,
      reason: 'user_revoked_others',
      origin: origin(ctx),
      exceptId: current.record.id,
    });
    return { revoked };
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
      return { session: { ...sessionBody(issued), fresh: true } };
    },
  });

  authed.post('/password/change', {
    input: { body: z.object({ current_password: password, new_password: password }) },
    handler: async (ctx, { body }) => {
      const identity = identityOf();
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

  auth.get('/password/forgot', () => pageResponse(forgotPage(paths)));

  pages.forgot.post('/password/forgot', {
    input: { body: z.object({ email }) },
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      await throttle(identity, ctx, 'forgot');
      const from = origin(ctx);
      identity.deps.background.run('forgot', () => forgotPassword(identity.deps, body.email, from));
      if (wantsPage(ctx)) return page(ctx, forgotSentPage(paths), 202);
      ctx.response.status = 202;
      return { status: 'accepted' };
    },
  });

  auth.get(RESET_PATH, async (ctx) => {
    const identity = identityOf();
    const token = ctx.query.token ?? '';
    // Only the words differ: a set-password link (a new account, made by an admin) greets a first-time user.
    const firstPassword = (await identity.deps.emailTokens.peek(token, 'set_password')) !== null;
    const { appName, config } = identity.deps;
    return pageResponse(
      passwordFormPage(ctx.path, token, { appName, firstPassword, minLength: config.passwords.minLength }),
    );
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

  authed.post('/mfa/totp/enroll', async (ctx) => {
    const identity = identityOf();
    return enrollTotp(identity.deps, currentSession(ctx), origin(ctx));
  });

  authed.post('/mfa/totp/confirm', {
    input: { body: z.object({ code }) },
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

  authed.post('/mfa/recovery-codes/regenerate', async (ctx) => {
    const identity = identityOf();
    return { recovery_codes: await regenerateRecoveryCodes(identity.deps, currentSession(ctx), origin(ctx)) };
  });
}
