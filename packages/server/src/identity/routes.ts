import { z } from 'zod';
import { optionalAuth, requireAuth } from '../core/authenticate.ts';
import type { Context } from '../core/context.ts';
import { NotFoundError, UnauthenticatedError } from '../core/errors.ts';
import { humanName } from '../core/human-name.ts';
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
import type { Identity, IdentityThrottleBucket } from './identity.ts';
import type { LoginMode } from './identity-deps.ts';
import { publicUser } from './identity-deps.ts';
import { linkFormPage } from './link-pages.ts';
import { type LoginResult, login, logout, reauthenticate, verifyMfaLogin } from './login-flows.ts';
import { confirmTotp, enrollTotp, regenerateRecoveryCodes, removeTotp } from './mfa-flows.ts';
import { TooManyAttemptsError } from './throttle.ts';

/**
 * `/auth/*`: JSON in and out (forms accepted too, for the link pages), errors as problem+json. Thin: each
 * handler parses, throttles, calls a flow and maps the result. Session cookies are set and cleared here and
 * nowhere else.
 */

const email = z.string().trim().min(1).max(320);
const password = z.string().min(1).max(4096);
const code = z.string().trim().min(1).max(64);

function origin(ctx: Context) {
  return requestOrigin(ctx.raw);
}

async function throttle(identity: Identity, ctx: Context, bucket: IdentityThrottleBucket): Promise<void> {
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
async function refuseForeignOrigin(identity: Identity, ctx: Context): Promise<void> {
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

export function registerIdentityRoutes(app: RouteGroup, identityOf: () => Identity, prefix: string): void {
  const auth = app.group(prefix);
  // Same prefix, different guards: a route is registered on the group whose middleware it needs.
  const optional = app.group(prefix, optionalAuth());
  const authed = app.group(prefix, requireAuth());

  auth.post('/signup', {
    input: {
      body: z.object({ email, password, name: humanName({ min: 0, max: 200 }).nullish() }),
    },
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      await throttle(identity, ctx, 'signup');
      await signup(identity.deps, body, origin(ctx));
      ctx.response.status = 202;
      return { status: 'verification_sent' };
    },
  });

  auth.get(VERIFY_PATH, (ctx) =>
    linkFormPage({
      title: 'Confirm your email address',
      action: ctx.path,
      token: ctx.query.token ?? '',
      fields: [],
      submit: 'Confirm',
    }),
  );

  optional.post(VERIFY_PATH, {
    input: { body: z.object({ token: z.string().min(1).max(200) }) },
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      await refuseForeignOrigin(identity, ctx);
      await throttle(identity, ctx, 'reset');
      const result = await verifyEmail(identity.deps, body.token, origin(ctx), presentedSessionId(ctx));
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

  optional.post('/login', {
    input: { body: z.object({ email, password, response: z.enum(['session', 'tokens']).optional() }) },
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      await refuseForeignOrigin(identity, ctx);
      await throttle(identity, ctx, 'login');
      const mode = await loginMode(identity, ctx, body.response);
      const result = await login(identity.deps, body, origin(ctx), presentedSessionId(ctx), mode);
      return loginResponse(identity, ctx, result);
    },
  });

  optional.post('/mfa/verify', {
    input: {
      body: z
        .object({
          mfa_token: z.string().min(1).max(200),
          code: code.optional(),
          recovery_code: code.optional(),
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
      return loginResponse(identity, ctx, result);
    },
  });

  optional.post('/logout', async (ctx) => {
    const identity = identityOf();
    const session = requestSession(ctx.raw);
    if (session) await logout(identity.deps, session, origin(ctx));
    ctx.response.headers.append('set-cookie', clearSessionCookie(identity.cookie));
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

  auth.post('/password/forgot', {
    input: { body: z.object({ email }) },
    handler: async (ctx, { body }) => {
      const identity = identityOf();
      await throttle(identity, ctx, 'forgot');
      const from = origin(ctx);
      identity.deps.background.run('forgot', () => forgotPassword(identity.deps, body.email, from));
      ctx.response.status = 202;
      return { status: 'accepted' };
    },
  });

  auth.get(RESET_PATH, (ctx) =>
    linkFormPage({
      title: 'Choose a new password',
      action: ctx.path,
      token: ctx.query.token ?? '',
      fields: [
        { name: 'new_password', label: 'New password', type: 'password', autocomplete: 'new-password' },
        {
          name: 'code',
          label: 'Authenticator code (only if you use two-factor)',
          type: 'text',
          autocomplete: 'one-time-code',
        },
      ],
      submit: 'Set password',
    }),
  );

  auth.post(RESET_PATH, {
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
