import type { LiftConfig } from '../core/config/schema.ts';
import { LiftConfigError } from '../core/errors.ts';

/**
 * The session cookie. In production: `__Host-lift_session; Secure; HttpOnly; SameSite=Lax; Path=/` — the
 * `__Host-` prefix makes browsers refuse it unless it is Secure, host-only and for `/`. In development over
 * plain HTTP a Secure cookie would never come back, so the cookie is `lift_session` without Secure, and Lift
 * says so once at start.
 */

export interface SessionCookieSettings {
  name: string;
  secure: boolean;
  sameSite: 'Lax' | 'Strict';
}

export function sessionCookieSettings(config: LiftConfig): SessionCookieSettings {
  const production = config.env === 'production';
  const cookie = config.sessions.cookie;
  const secure = cookie.secure === 'always' || (cookie.secure === 'auto' && production);
  const name = cookie.name ?? (secure ? '__Host-lift_session' : 'lift_session');
  if (production) {
    if (!secure) {
      throw new LiftConfigError(
        'sessions.cookie.secure is "never" in production: the session cookie would travel over plain HTTP. Remove the setting.',
      );
    }
    if (!name.startsWith('__Host-')) {
      throw new LiftConfigError(
        `sessions.cookie.name "${name}" lacks the __Host- prefix in production, which lets a sibling domain or path plant the cookie. Use a __Host- name.`,
      );
    }
  }
  if (name.startsWith('__Host-') && !secure) {
    throw new LiftConfigError(
      `sessions.cookie.name "${name}" needs the Secure attribute (browsers drop __Host- cookies without it).`,
    );
  }
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
    throw new LiftConfigError(`sessions.cookie.name "${name}" is not a valid cookie name.`);
  }
  return { name, secure, sameSite: cookie.sameSite === 'strict' ? 'Strict' : 'Lax' };
}

/** `Set-Cookie` value for a new session; `maxAgeMs` is the absolute lifetime left. */
export function serializeSessionCookie(
  settings: SessionCookieSettings,
  token: string,
  maxAgeMs: number,
): string {
  const maxAge = Math.max(0, Math.floor(maxAgeMs / 1000));
  return `${settings.name}=${token}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=${settings.sameSite}${settings.secure ? '; Secure' : ''}`;
}

/** `Set-Cookie` value that makes the browser forget the session cookie. */
export function clearSessionCookie(settings: SessionCookieSettings): string {
  return `${settings.name}=; Max-Age=0; Path=/; HttpOnly; SameSite=${settings.sameSite}${settings.secure ? '; Secure' : ''}`;
}

/** The session token in a `Cookie` header, or null; the first occurrence wins. */
export function readSessionCookie(cookieHeader: string | null | undefined, name: string): string | null {
  if (!cookieHeader) return null;
  const prefix = `${name}=`;
  let start = 0;
  while (start < cookieHeader.length) {
    while (cookieHeader.charCodeAt(start) === 32) start++;
    const end = cookieHeader.indexOf(';', start);
    const stop = end === -1 ? cookieHeader.length : end;
    if (cookieHeader.startsWith(prefix, start)) return cookieHeader.slice(start + prefix.length, stop).trim();
    start = stop + 1;
  }
  return null;
}
