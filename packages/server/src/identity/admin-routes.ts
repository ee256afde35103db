import { z } from 'zod';
import { principalOf, requireAuth } from '../core/authenticate.ts';
import type { Context } from '../core/context.ts';
import { ForbiddenError } from '../core/errors.ts';
import type { Middleware, RouteGroup } from '../core/routes.ts';
import { requestOrigin } from '../sessions/session-resolver.ts';
import { adminUserView, disableUser, enableUser, resetUserMfa, revokeUserSessions } from './admin-flows.ts';
import type { Identity } from './identity.ts';
import { publicUser } from './identity-deps.ts';
import { MAX_USER_PAGE_SIZE } from './users/index.ts';

/**
 * `/admin/api/users*`: for principals holding the system `admin` role (the access-control module turns this
 * into permissions such as `users:*`). Every action emits an event naming the admin.
 */

/** 403 unless the principal is a user holding the system role. Runs after `requireAuth()`. */
export function requireSystemRole(identityOf: () => Identity, role: string): Middleware {
  return async function systemRoleGuard(c, next) {
    const principal = principalOf(c);
    const allowed = principal.userId !== null && (await identityOf().roles.has(principal.userId, role));
    if (!allowed) {
      await identityOf().events.emit({
        type: 'access.denied',
        actor: principal.id,
        ...requestOrigin(c),
        reason: `missing system role ${role}`,
        data: { path: c.req.path },
      });
      throw new ForbiddenError(`This needs the system role "${role}".`);
    }
    await next();
  };
}

function adminId(ctx: Context): string {
  return principalOf(ctx.raw).id;
}

export function registerAdminUserRoutes(app: RouteGroup, identityOf: () => Identity, prefix: string): void {
  const admin = app.group(prefix, requireAuth(), requireSystemRole(identityOf, 'admin'));

  admin.get('/users', {
    input: {
      query: z.object({
        search: z.string().max(200).optional(),
        cursor: z.string().max(500).optional(),
        limit: z.coerce.number().int().min(1).max(MAX_USER_PAGE_SIZE).default(50),
      }),
    },
    handler: async (_ctx, { query }) => {
      const page = await identityOf().deps.users.list(query);
      return { users: page.users.map(publicUser), next_cursor: page.nextCursor };
    },
  });

  admin.get('/users/:id', async (ctx) => {
    const identity = identityOf();
    return adminUserView({ ...identity.deps, roles: identity.roles }, ctx.params.id ?? '');
  });

  admin.post('/users/:id/disable', async (ctx) => ({
    user: await disableUser(identityOf().deps, adminId(ctx), ctx.params.id ?? '', requestOrigin(ctx.raw)),
  }));

  admin.post('/users/:id/enable', async (ctx) => ({
    user: await enableUser(identityOf().deps, adminId(ctx), ctx.params.id ?? '', requestOrigin(ctx.raw)),
  }));

  admin.post('/users/:id/sessions/revoke', async (ctx) => ({
    revoked: await revokeUserSessions(
      identityOf().deps,
      adminId(ctx),
      ctx.params.id ?? '',
      requestOrigin(ctx.raw),
    ),
  }));

  admin.post('/users/:id/mfa/reset', async (ctx) => ({
    removed: await resetUserMfa(identityOf().deps, adminId(ctx), ctx.params.id ?? '', requestOrigin(ctx.raw)),
  }));
}
