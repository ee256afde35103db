import type { LiftEvent } from '../core/events.ts';
import type { RealtimeConnection } from './connection.ts';

/** One thing an event revokes: a remembered key (`s:`, `c:`, `u:` + id) and which connections it ends. */
export interface Revocation {
  key: string;
  matches(connection: RealtimeConnection): boolean;
  /** Set when the revocation is of one user's connections (found without scanning all). */
  userId?: string;
}

/**
 * What an event revokes, from any node: a session (`session.revoked`), a token family (`token.revoked` with a
 * family, `token.reuse_detected`; a connection by token carries its family as `sessionId`), one access token
 * (`token.revoked` with a `jti`), or every credential of a user (`user.disabled`, `user.deleted`,
 * `token.revoked` of all families).
 */
export function revocationsOf(event: LiftEvent): Revocation[] {
  const type: string = event.type;
  const data = (event.data ?? {}) as Record<string, unknown>;
  const subject = typeof event.subject === 'string' ? event.subject : undefined;
  if (type === 'session.revoked' && Array.isArray(data.sessionIds)) {
    return (data.sessionIds as string[]).map((id) => ({
      key: `s:${id}`,
      matches: (connection) => connection.principal.sessionId === id,
    }));
  }
  if ((type === 'token.revoked' || type === 'token.reuse_detected') && typeof data.familyId === 'string') {
    const family = data.familyId;
    return [{ key: `s:${family}`, matches: (connection) => connection.principal.sessionId === family }];
  }
  if (type === 'token.revoked' && typeof data.jti === 'string') {
    const jti = data.jti;
    return [{ key: `c:${jti}`, matches: (connection) => connection.principal.credentialId === jti }];
  }
  const allOfUser =
    type === 'user.disabled' || type === 'user.deleted' || (type === 'token.revoked' && 'families' in data);
  if (allOfUser && subject !== undefined) {
    return [{ key: `u:${subject}`, matches: (connection) => connection.userId === subject, userId: subject }];
  }
  return [];
}
