import { z } from 'zod';
import { principalOf, requireAuth } from '../../core/authenticate.ts';
import type { Context } from '../../core/context.ts';
import { ForbiddenError, UnauthenticatedError } from '../../core/errors.ts';
import type { Principal } from '../../core/request-state.ts';
import type { RouteGroup } from '../../core/routes.ts';
import { requestOrigin, requestSession, serializeSessionCookie } from '../../sessions/index.ts';
import { GLOBAL } from '../access-scope.ts';
import { LIFT_PERMISSIONS } from '../default-roles.ts';
import { NotTenantMemberError } from '../permission-denied-error.ts';
import type { AccessRouteDeps } from './deps.ts';
import { tenantSwitched } from './responses.ts';

/**
 * `POST {auth.prefix}/tenant {tenant_id}`: switches the caller's active tenant (`tenant_id: null` clears it).
 * The user must be a member of the tenant, or hold `tenant:read` through a global grant (a system admin) and
 * name a tenant that exists; anyone else gets the same 403 whether or not the tenant exists. A session rotates: a new id (and
 * cookie) carrying the tenant, the old one ended. A bearer caller gets a new token pair whose access tokens
 * carry `tid`; its refresh family keeps it, and the family the request came from ends.
 */

const tenantId = z.string().trim().min(1).max(200).nullable();

export function registerActiveTenantRoutes(app: RouteGroup, deps: AccessRouteDeps): void {
  const authed = app.group(deps.config.auth.prefix, requireAuth());

  authed.post('/tenant', {
    input: { body: z.object({ tenant_id: tenantId }) },
    // The issued pair is typed loosely (the tokens module's port): checked against the schema when answered.
    responses: { 200: tenantSwitched },
    handler: async (ctx, { body }) => {
      const principal = principalOf(ctx.raw);
      const target = body.tenant_id;
      await checkMayEnter(ctx, deps, principal, target);
      const origin = requestOrigin(ctx.raw);
      const switched = async (via: 'session' | 'tokens') => {
        deps.access().events.emit('tenant.switched', {
          actor: principal.id,
          ...origin,
          data: { from: principal.tenantId ?? null, to: target, via },
        });
      };

      const session = requestSession(ctx.raw);
      if (principal.authMethod === 'session' && session) {
        const sessions = deps.sessions();
        const issued = await sessions.manager.rotate(session.record, {
          tenantId: target,
          origin,
          reason: 'tenant_switched',
        });
        const lifetime = issued.record.absoluteExpiresAt - deps.clock.now();
        ctx.response.headers.append(
          'set-cookie',
          serializeSessionCookie(sessions.cookie, issued.token, lifetime),
        );
        await switched('session');
        const record = issued.record;
        return {
          tenant_id: record.tenantId,
          session: {
            id: record.id,
            expires_at: new Date(Math.min(record.idleExpiresAt, record.absoluteExpiresAt)).toISOString(),
          },
        };
      }

      const issuer = deps.tokenIssuer();
      if (principal.authMethod !== 'bearer' || !issuer || principal.sessionId === null) {
        throw new UnauthenticatedError('Switching tenants needs a session or an access token from a login.');
      }
      const userId = principal.userId ?? principal.id;
      const tokens = await issuer.issue(
        {
          userId,
          amr: principal.amr,
          authTime: principal.authTime,
          tenantId: target,
          succeeds: principal.sessionId,
        },
        origin,
      );
      await switched('tokens');
      // RFC 6749 §5.1: token responses are never cached.
      ctx.response.headers.set('cache-control', 'no-store');
      issuer.decorate(ctx, tokens);
      return tokens;
    },
  });
}

/**
 * Refuses (403 and an `access.denied` event) unless the caller is a user who may make `target` active.
 * Clearing the tenant is always allowed.
 */
async function checkMayEnter(
  ctx: Context,
  deps: AccessRouteDeps,
  principal: Principal,
  target: string | null,
): Promise<void> {
  const access = deps.access();
  const control = access.control;
  const deny = async (reason: string) => {
    access.events.emit('access.denied', {
      actor: principal.id,
      ...requestOrigin(ctx.raw),
      reason,
      data: { tenantId: target },
    });
  };
  if (principal.type !== 'user' || principal.userId === null) {
    await deny('not_a_user');
    throw new ForbiddenError('Only a signed-in user has an active tenant.');
  }
  if (target === null) return;
  if (control.isMember(principal, target)) return;
  // A non-member enters only with a global grant of what reading any tenant needs (a system admin's `*`):
  // holding some global role is not enough, since an app may hand out harmless roles globally.
  if (
    control.can(principal, LIFT_PERMISSIONS.tenantRead, GLOBAL) &&
    (await access.tenants.get(target)) !== null
  )
    return;
  await deny('not_member');
  throw new NotTenantMemberError();
}
