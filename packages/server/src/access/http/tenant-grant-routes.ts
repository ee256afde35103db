import { z } from 'zod';
import { requireAuth } from '../../core/authenticate.ts';
import type { RouteGroup } from '../../core/routes.ts';
import { deleteTenantGrant } from '../admin/grant-flows.ts';
import { grantView } from '../admin/views.ts';
import { LIFT_PERMISSIONS } from '../default-roles.ts';
import { actorOf } from './admin-actor.ts';
import type { AccessRouteDeps } from './deps.ts';
import { grantList } from './responses.ts';
import { tenantIdOf } from './tenant-caller.ts';

/**
 * `/tenants/:tenantId/grants`: every grant made in the tenant, whoever holds it (members, API keys, services,
 * and users who were granted a role without being members), for holders of `grants:read` / `grants:write` in
 * the tenant (its `admin` and `owner`). Checked in the tenant before anything is read.
 */
export function registerTenantGrantRoutes(app: RouteGroup, deps: AccessRouteDeps): void {
  const inTenant = (permission: string) =>
    app.group('/tenants/:tenantId', requireAuth(), deps.guards.requirePermission(permission));

  inTenant(LIFT_PERMISSIONS.grantsRead).get('/grants', {
    output: grantList,
    handler: async (ctx) => {
      const grants = await deps.access().grants.listByTenant(tenantIdOf(ctx));
      return { grants: grants.map(grantView) };
    },
  });

  inTenant(LIFT_PERMISSIONS.grantsWrite).delete('/grants/:grantId', {
    input: { params: z.object({ grantId: z.string().min(1).max(200) }) },
    responses: { 204: null },
    handler: async (ctx, { params }) => {
      await deleteTenantGrant(deps.access(), actorOf(ctx), tenantIdOf(ctx), params.grantId);
    },
  });
}
