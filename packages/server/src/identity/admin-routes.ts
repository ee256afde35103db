import { z } from 'zod';
import { principalOf, requireAuth } from '../core/authenticate.ts';
import type { Context } from '../core/context.ts';
import type { PermissionGuard } from '../core/module.ts';
import type { RouteGroup } from '../core/routes.ts';
import { requestOrigin } from '../sessions/index.ts';
import {
  adminUserView,
  disableUser,
  enableUser,
  resetUserMfa,
  revokeUserSessions,
  unlockUser,
} from './admin-flows.ts';
import type { Identity } from './identity.ts';
import { publicUser } from './identity-deps.ts';
import { adminUserBody, mfaRemovedBody, revokedCountBody, userBody, userPageBody } from './responses.ts';
import { MAX_USER_PAGE_SIZE } from './users/index.ts';

/**
 * The permissions these endpoints check. Identity names them itself rather than importing access, which
 * declares them in its catalog (`LIFT_PERMISSIONS`); a guard on an undeclared one fails the boot.
 */
const ADMIN_PERMISSIONS = {
  usersRead: 'users:read',
  usersUpdate: 'users:update',
  usersMfaReset: 'users:reset_mfa',
  sessionsRevoke: 'sessions:revoke',
} as const;

/**
 * `/admin/api/users*`: each route needs a global permission (`users:read`, `users:update`,
 * `users:reset_mfa`, `sessions:revoke`), which the system `admin` role holds through `*`. Every action emits
 * an event naming the admin.
 */

/**
 * A guard that lets a request through when its principal holds `permission` globally (the access-control
 * module's `requirePermission(permission, { global: true })`, offered as the `globalPermission` capability).
 */
export type GlobalPermissionGuard = PermissionGuard;

function adminId(ctx: Context): string {
  return principalOf(ctx.raw).id;
}

export function registerAdminUserRoutes(
  app: RouteGroup,
  identityOf: () => Identity,
  prefix: string,
  permit: GlobalPermissionGuard,
): void {
  const readers = app.group(prefix, requireAuth(), permit(ADMIN_PERMISSIONS.usersRead));
  const updaters = app.group(prefix, requireAuth(), permit(ADMIN_PERMISSIONS.usersUpdate));
  const revokers = app.group(prefix, requireAuth(), permit(ADMIN_PERMISSIONS.sessionsRevoke));
  const mfaResetters = app.group(prefix, requireAuth(), permit(ADMIN_PERMISSIONS.usersMfaReset));

  readers.get('/users', {
    input: {
      query: z.object({
        search: z.string().max(200).optional(),
        cursor: z.string().max(500).optional(),
        limit: z.coerce.number().int().min(1).max(MAX_USER_PAGE_SIZE).default(50),
      }),
    },
    output: userPageBody,
    handler: async (_ctx, { query }) => {
      const page = await identityOf().deps.users.list(query);
      return { users: page.users.map(publicUser), next_cursor: page.nextCursor };
    },
  });

  readers.get('/users/:id', {
    output: adminUserBody,
    handler: (ctx) => {
      const identity = identityOf();
      return adminUserView({ ...identity.deps, roles: identity.roles }, ctx.params.id ?? '');
    },
  });

  // Three state changes of one user, each answering the user as it is afterwards.
  for (const [action, change] of [
    ['disable', disableUser],
    ['enable', enableUser],
    ['unlock', unlockUser],
  ] as const) {
    updaters.post(`/users/:id/${action}`, {
      output: userBody,
      handler: async (ctx) => ({
        user: await change(identityOf().deps, adminId(ctx), ctx.params.id ?? '', requestOrigin(ctx.raw)),
      }),
    });
  }

  revokers.post('/users/:id/sessions/revoke', {
    output: revokedCountBody,
    handler: async (ctx) => ({
      revoked: await revokeUserSessions(
        identityOf().deps,
        adminId(ctx),
        ctx.params.id ?? '',
        requestOrigin(ctx.raw),
      ),
    }),
  });

  mfaResetters.post('/users/:id/mfa/reset', {
    output: mfaRemovedBody,
    handler: async (ctx) => ({
      removed: await resetUserMfa(
        identityOf().deps,
        adminId(ctx),
        ctx.params.id ?? '',
        requestOrigin(ctx.raw),
      ),
    }),
  });
}
