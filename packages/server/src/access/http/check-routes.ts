import { z } from 'zod';
import { requireAuth } from '../../core/authenticate.ts';
import type { RouteGroup } from '../../core/routes.ts';
import { checkAccess, resolveSubject, resolveTenant } from '../admin/access-check.ts';
import { LIFT_PERMISSIONS } from '../default-roles.ts';
import type { AccessRouteDeps } from './deps.ts';
import { accessCheck } from './responses.ts';

const checkBody = z.object({
  /** `{ type, id }`, `user:<id>` (or `api_key:`, `service:`), an email address or a bare user id. */
  subject: z.union([
    z.string().min(1).max(320),
    z.object({ type: z.string().min(1).max(20), id: z.string().min(1).max(200) }),
  ]),
  permission: z.string().min(1).max(200),
  /** A tenant id or slug; absent or null: global grants only. */
  tenant: z.string().min(1).max(200).nullable().optional(),
});

/**
 * `POST /admin/api/access/check`, for holders of the global `access:check`: whether a subject holds a
 * permission, and through which grant and roles (`via`). Reads this node's decisions; changes nothing.
 */
export function registerCheckRoutes(app: RouteGroup, deps: AccessRouteDeps): void {
  const checkers = app.group(
    deps.config.auth.adminPrefix,
    requireAuth(),
    deps.permit(LIFT_PERMISSIONS.accessCheck),
  );
  checkers.post('/access/check', {
    input: { body: checkBody },
    output: accessCheck,
    handler: async (_ctx, { body }) => {
      const access = deps.access();
      const subject = await resolveSubject(deps.identity().directory, body.subject);
      const tenant = body.tenant == null ? null : await resolveTenant(access, body.tenant);
      const result = await checkAccess(access, subject, body.permission, tenant);
      return {
        allowed: result.allowed,
        subject: result.subject,
        permission: result.permission,
        tenant_id: result.tenant?.id ?? null,
        via: result.via,
      };
    },
  });
}
