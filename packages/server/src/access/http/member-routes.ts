import { z } from 'zod';
import { requireAuth } from '../../core/authenticate.ts';
import type { RouteGroup } from '../../core/routes.ts';
import { LIFT_PERMISSIONS } from '../default-roles.ts';
import { MAX_MEMBER_PAGE_SIZE } from '../stores/index.ts';
import {
  changeMemberRole,
  leaveTenant,
  listMembers,
  removeMember,
  transferOwnership,
} from '../tenants/member-flows.ts';
import type { AccessRouteDeps } from './deps.ts';
import { memberChanged, memberPage, ownershipTransferred } from './responses.ts';
import { callerOf, tenantFlowDeps, tenantIdOf } from './tenant-caller.ts';

/**
 * `/tenants/:tenantId/members*`, `/leave`, `/transfer`: each checks its permission in the tenant first
 * (`members:read`, `members:update`, `members:remove`, `tenant:transfer`); leaving needs membership only.
 */

const id = z.string().min(1).max(200);

export function registerMemberRoutes(app: RouteGroup, deps: AccessRouteDeps): void {
  const inTenant = (permission: string) =>
    app.group('/tenants/:tenantId', requireAuth(), deps.guards.requirePermission(permission));
  const userIdOf = (params: Record<string, string>) => params.userId ?? '';

  inTenant(LIFT_PERMISSIONS.membersRead).get('/members', {
    input: {
      query: z.object({
        cursor: z.string().max(500).optional(),
        limit: z.coerce.number().int().min(1).max(MAX_MEMBER_PAGE_SIZE).default(50),
      }),
    },
    output: memberPage,
    handler: (ctx, { query }) =>
      listMembers(tenantFlowDeps(deps), tenantIdOf(ctx), {
        limit: query.limit,
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      }),
  });

  inTenant(LIFT_PERMISSIONS.membersUpdate).patch('/members/:userId', {
    input: { body: z.object({ role: z.string().trim().min(1).max(100) }) },
    output: memberChanged,
    handler: async (ctx, { body }) => ({
      member: await changeMemberRole(
        tenantFlowDeps(deps),
        callerOf(ctx),
        tenantIdOf(ctx),
        userIdOf(ctx.params),
        body.role,
      ),
    }),
  });

  inTenant(LIFT_PERMISSIONS.membersRemove).delete('/members/:userId', {
    responses: { 204: null },
    handler: async (ctx) => {
      await removeMember(tenantFlowDeps(deps), callerOf(ctx), tenantIdOf(ctx), userIdOf(ctx.params));
    },
  });

  app.group('/tenants/:tenantId', requireAuth(), deps.guards.requireTenantMember()).post('/leave', {
    responses: { 204: null },
    handler: async (ctx) => {
      await leaveTenant(tenantFlowDeps(deps), callerOf(ctx), tenantIdOf(ctx));
    },
  });

  inTenant(LIFT_PERMISSIONS.tenantTransfer).post('/transfer', {
    input: { body: z.object({ user_id: id }) },
    output: ownershipTransferred,
    handler: (ctx, { body }) =>
      transferOwnership(tenantFlowDeps(deps), callerOf(ctx), tenantIdOf(ctx), body.user_id),
  });
}
