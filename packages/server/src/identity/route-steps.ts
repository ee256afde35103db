import type { Context } from '../core/context.ts';
import { UnauthenticatedError } from '../core/errors.ts';
import { requestHeader } from '../core/request-headers.ts';
import { CsrfError, csrfVerdict } from '../http/index.ts';
import type { IssuedSession, ValidatedSession } from '../sessions/index.ts';
import { requestOrigin, requestSession, serializeSessionCookie } from '../sessions/index.ts';
import type { Identity, IdentityThrottleBucket } from './identity.ts';
import type { LoginMode } from './identity-deps.ts';
import type { LoginResult } from './login-flows.ts';

/**
 * The steps the `/auth/*` handlers (and the invitation signup, which is a signup) share: the request's event
 * origin, the per-IP throttle, the login-CSRF origin rule, and turning a login result into the response and
 * its session cookie.
 */

export function origin(ctx: Context) {
  return requestOrigin(ctx.raw);
}

/**
 * Counts the request against the per-IP throttle of `bucket` (the limits policy `auth-<bucket>`): 429
 * `LIFT_RATE_LIMITED` when it is spent, 503 `LIFT_RATE_LIMIT_UNAVAILABLE` when its store does not answer.
 */
export async function throttle(
  identity: Identity,
  ctx: Context,
  bucket: IdentityThrottleBucket,
): Promise<void> {
  const verdict = await identity.throttle.check(bucket, ctx.clientIp);
  if (verdict.allowed) {
    for (const [name, value] of Object.entries(verdict.headers)) ctx.response.headers.set(name, value);
    return;
  }
  identity.events.emit('auth.throttled', { actor: null, ...origin(ctx), reason: bucket });
  throw verdict.error;
}

/** The session behind the request; bearer-authenticated callers have none and get 401. */
export function currentSession(ctx: Context): ValidatedSession {
  const session = requestSession(ctx.raw);
  if (!session) throw new UnauthenticatedError('This action needs a session (log in with a password).');
  return session;
}

export function setSessionCookie(identity: Identity, ctx: Context, issued: IssuedSession): void {
  const lifetime = issued.record.absoluteExpiresAt - identity.deps.clock.now();
  ctx.response.headers.append('set-cookie', serializeSessionCookie(identity.cookie, issued.token, lifetime));
}

export function sessionBody(issued: IssuedSession) {
  const record = issued.record;
  return {
    id: record.id,
    expires_at: new Date(Math.min(record.idleExpiresAt, record.absoluteExpiresAt)).toISOString(),
  };
}

/** The session the browser presented; a login ends it when the new one starts, so no id survives a login. */
export function presentedSessionId(ctx: Context): string | null {
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
  identity.events.emit('auth.csrf.refused', {
    actor: null,
    ...origin(ctx),
    reason: verdict.reason,
  });
  throw new CsrfError(verdict.reason);
}

export const TOKENS_MEDIA_TYPE = 'application/vnd.lift.tokens+json';

/** `response: tokens` in the body, or `Accept: application/vnd.lift.tokens+json`, asks for tokens. */
export async function loginMode(
  identity: Identity,
  ctx: Context,
  response: string | undefined,
): Promise<LoginMode> {
  const wantsTokens = response === 'tokens' || (ctx.headers.get('accept') ?? '').includes(TOKENS_MEDIA_TYPE);
  if (!wantsTokens) return { kind: 'session' };
  const issuer = identity.deps.tokenIssuer();
  const jkt = issuer ? await issuer.dpopThumbprint(ctx) : null;
  return { kind: 'tokens', jkt };
}

export async function loginResponse(identity: Identity, ctx: Context, result: LoginResult) {
  if (result.kind === 'mfa') return { mfa_required: true, mfa_token: result.mfaToken };
  if (result.kind === 'tokens') {
    // RFC 6749 §5.1: token responses are never cached.
    ctx.response.headers.set('cache-control', 'no-store');
    identity.deps.tokenIssuer()?.decorate(ctx, result.tokens);
    return result.tokens;
  }
  setSessionCookie(identity, ctx, result.issued);
  return { user: result.user, session: sessionBody(result.issued) };
}
