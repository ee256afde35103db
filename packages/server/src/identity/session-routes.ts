import { NotFoundError, UnauthenticatedError } from '../core/errors.ts';
import type { RouteGroup } from '../core/routes.ts';
import { clearSessionCookie } from '../sessions/index.ts';
import type { Identity } from './identity.ts';
import { publicUser } from './identity-deps.ts';
import { currentSessionBody, revokedCountBody, sessionListBody } from './responses.ts';
import { currentSession, origin } from './route-steps.ts';

/**
 * `/auth/session`, `/auth/sessions*`: what a signed-in user sees of their own sessions, and ending them. Another
 * user's session id answers like an unknown one.
 */

/** The current session, the user's sessions, revoking them (`authed`: the `/auth` group under `requireAuth()`). */
export function registerSessionRoutes(authed: RouteGroup, identityOf: () => Identity): void {
  authed.get('/session', {
    output: currentSessionBody,
    handler: async (ctx) => {
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
    },
  });

  authed.get('/sessions', {
    output: sessionListBody,
    handler: async (ctx) => {
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
    },
  });

  authed.delete('/sessions/:id', {
    responses: { 204: null },
    handler: async (ctx) => {
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
    },
  });

  authed.post('/sessions/revoke-others', {
    output: revokedCountBody,
    handler: async (ctx) => {
      const identity = identityOf();
      const current = currentSession(ctx);
      const revoked = await identity.sessions.revokeUser(current.record.userId, {
        actor: current.record.userId,
        reason: 'user_revoked_others',
        origin: origin(ctx),
        exceptId: current.record.id,
      });
      return { revoked };
    },
  });
}
