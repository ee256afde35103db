import type { Context as HonoContext } from 'hono';
import type { AuthResolver } from '../core/authenticate.ts';
import type { EventOrigin, EventPublisher } from '../core/events.ts';
import { requestHeader } from '../core/request-headers.ts';
import { requestScope } from '../core/request-scope.ts';
import type { Principal } from '../core/request-state.ts';
import { CsrfError, csrfVerdict } from '../http/index.ts';
import { readSessionCookie, type SessionCookieSettings } from './session-cookie.ts';
import type { SessionManager, ValidatedSession } from './session-manager.ts';

/**
 * The session-cookie resolver of the authentication chain (core/authenticate.ts). A valid cookie becomes a
 * `Principal` with `authMethod: 'session'`; a state-changing request it authenticates must pass the CSRF
 * check (http/csrf/), because browsers attach cookies to cross-site requests. Requests without the cookie are
 * left to the next resolver (bearer tokens and API keys are not subject to CSRF).
 */

/** The session behind `ctx.principal`, when the session cookie authenticated the request. */
export function requestSession(c: HonoContext): ValidatedSession | undefined {
  return requestScope(c).session as ValidatedSession | undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface SessionResolverOptions {
  sessions: SessionManager;
  cookie: SessionCookieSettings;
  events: EventPublisher;
  /** Other origins allowed to send cookie-authenticated state-changing requests. */
  allowedOrigins: readonly string[];
  /** The app's public origin (`auth.publicUrl`), besides the origin the request was made to. */
  publicOrigin: string | undefined;
}

export function requestOrigin(c: HonoContext): EventOrigin {
  return {
    ip: c.get('clientIp') ?? null,
    userAgent: requestHeader(c, 'user-agent') ?? null,
    requestId: c.get('requestId') ?? null,
  };
}

export function sessionResolver(options: SessionResolverOptions): AuthResolver {
  const { sessions, cookie, events, allowedOrigins, publicOrigin } = options;

  const principalFor = (c: HonoContext, session: ValidatedSession | null, origin: EventOrigin) => {
    if (session === null) return null;
    if (!SAFE_METHODS.has(c.req.method)) {
      const ownOrigins = [new URL(c.req.url).origin];
      if (publicOrigin) ownOrigins.push(publicOrigin);
      const verdict = csrfVerdict({
        method: c.req.method,
        secFetchSite: requestHeader(c, 'sec-fetch-site'),
        origin: requestHeader(c, 'origin'),
        ownOrigins,
        allowedOrigins,
      });
      if (!verdict.ok) {
        events.emit('auth.csrf.refused', { actor: session.record.userId, ...origin, reason: verdict.reason });
        return Promise.reject(new CsrfError(verdict.reason));
      }
    }
    requestScope(c).session = session;
    const record = session.record;
    const principal: Principal = {
      type: 'user',
      id: record.userId,
      userId: record.userId,
      sessionId: record.id,
      authMethod: 'session',
      amr: record.amr,
      authTime: record.authTime,
      fresh: session.fresh,
      expiresAt: Math.min(record.idleExpiresAt, record.absoluteExpiresAt),
    };
    // Like a bearer token's `tid`: the tenant chosen with POST /auth/tenant.
    if (record.tenantId !== null) principal.tenantId = record.tenantId;
    return principal;
  };

  // Not async: a cached session resolves without a promise (core/authenticate.ts accepts both).
  return (c) => {
    const token = readSessionCookie(requestHeader(c, 'cookie'), cookie.name);
    if (token === null || token === '') return null;
    const origin = requestOrigin(c);
    const session = sessions.validate(token, origin);
    if (session instanceof Promise) return session.then((resolved) => principalFor(c, resolved, origin));
    return principalFor(c, session, origin);
  };
}
