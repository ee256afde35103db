import type { Context as HonoContext } from 'hono';
import type { LiftConfig } from '../core/config/schema.ts';
import { LiftConfigError } from '../core/errors.ts';
import { requestHeader } from '../core/request-headers.ts';
import { requestScope } from '../core/request-scope.ts';
import type { Middleware } from '../core/routes.ts';
import { readSessionCookie } from '../sessions/index.ts';

/**
 * Where an access token may come from besides `Authorization`:
 *
 * - a cookie (`tokens.cookie.enabled`): set HttpOnly (and Secure in production, `__Host-` prefixed) on token
 *   logins and refreshes with `Max-Age` = the token's lifetime; a cookie-borne token is an ambient credential,
 *   so the CSRF rules of sessions apply to it;
 * - the `access_token` query parameter, only on routes that opt in with `allowQueryToken()` (a WebSocket
 *   upgrade cannot set headers in browsers). The access log redacts it like every field named like a token.
 */

export interface AccessCookieSettings {
  name: string;
  secure: boolean;
  sameSite: 'Lax' | 'Strict';
}

export function accessCookieSettings(config: LiftConfig): AccessCookieSettings | undefined {
  if (!config.tokens.cookie.enabled) return undefined;
  const production = config.env === 'production';
  const secure =
    config.sessions.cookie.secure === 'always' || (config.sessions.cookie.secure === 'auto' && production);
  const name = config.tokens.cookie.name ?? (secure ? '__Host-lift_access' : 'lift_access');
  if (production && !name.startsWith('__Host-')) {
    throw new LiftConfigError(
      `tokens.cookie.name "${name}" lacks the __Host- prefix in production. Use a __Host- name.`,
    );
  }
  if (name.startsWith('__Host-') && !secure) {
    throw new LiftConfigError(
      `tokens.cookie.name "${name}" needs the Secure attribute (browsers drop it without).`,
    );
  }
  return { name, secure, sameSite: config.sessions.cookie.sameSite === 'strict' ? 'Strict' : 'Lax' };
}

export function serializeAccessCookie(
  settings: AccessCookieSettings,
  token: string,
  maxAgeSeconds: number,
): string {
  return `${settings.name}=${token}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; Path=/; HttpOnly; SameSite=${settings.sameSite}${settings.secure ? '; Secure' : ''}`;
}

export function clearAccessCookie(settings: AccessCookieSettings): string {
  return serializeAccessCookie(settings, '', 0);
}

export type TokenSource = 'header' | 'cookie' | 'query';

/** A token from the cookie or the (allowed) query parameter, when there is no Authorization header. */
export function ambientToken(
  c: HonoContext,
  cookie: AccessCookieSettings | undefined,
): { token: string; source: TokenSource } | null {
  if (cookie !== undefined) {
    const fromCookie = readSessionCookie(requestHeader(c, 'cookie'), cookie.name);
    if (fromCookie) return { token: fromCookie, source: 'cookie' };
  }
  if (requestScope(c).queryTokenAllowed) {
    const fromQuery = c.req.query('access_token');
    if (fromQuery) return { token: fromQuery, source: 'query' };
  }
  return null;
}

/** Lets this route's requests carry the access token as `?access_token=` (put it before `requireAuth()`). */
export function allowQueryToken(): Middleware {
  return async function queryTokenAllowed(c, next) {
    requestScope(c).queryTokenAllowed = true;
    await next();
  };
}
