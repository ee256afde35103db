/**
 * The sessions module's public face: what other modules, the composition root and apps may use. Everything
 * else in this folder is internal (the boundary test in test/architecture refuses deep imports).
 */

export { SESSIONS_ERRORS } from './error-codes.ts';
export { type Sessions, sessionsModule } from './module.ts';
export {
  clearSessionCookie,
  readSessionCookie,
  type SessionCookieSettings,
  serializeSessionCookie,
  sessionCookieSettings,
} from './session-cookie.ts';
export {
  type IssuedSession,
  SessionLimitError,
  SessionManager,
  type ValidatedSession,
} from './session-manager.ts';
export { requestOrigin, requestSession } from './session-resolver.ts';
export type { SessionRecord, SessionStore } from './session-store.ts';
