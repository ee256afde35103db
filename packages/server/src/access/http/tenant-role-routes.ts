import { z } from 'zod';
import { requireAuth } from '../../core/authenticate.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { RouteGroup } from '../../core/routes.ts';
import { createRole, deleteRole, updateRole } from '../admin/role-flows.ts';
import { roleView } from '../admin/views.ts';
import { LIFT_PERMISSIONS } from '../default-roles.ts';
import type { Role } from '../stores/role-store.ts';
import { actorOf } from './admin-actor.ts';
import type { AccessRouteDeps } from './deps.ts';
import { roleList, roleBody as roleResponse } from './responses.ts';
import { roleBody, rolePatchBody, tenantRoleParams } from './role-schemas.ts';

const tenantParams = z.object({ tenantId: z.string().min(1).max(200) });

/**
 * `/tenants/:tenantId/roles*`: a tenant's own roles, for holders of `roles:read` / `roles:write` in that
 * tenant. Only that tenant's roles are reachable (another tenant's role id, a system role id or a template
 * id is a 404), and nobody creates, edits or deletes a role giving more than they hold in the tenant.
 */
export function registerTenantRoleRoutes(app: RouteGroup, deps: AccessRouteDeps): void {
  const readers = app.group(
    '/tenants/:tenantId',
    requireAuth(),
    deps.guards.requirePermission(LIFT_PERMISSIONS.rolesRead),
  );
  const writers = app.group(
    '/tenants/:tenantId',
    requireAuth(),
    deps.guards.requirePermission(LIFT_PERMISSIONS.rolesWrite),
  );

  const find = async (tenantId: string, roleId: string): Promise<Role> => {
    const role = await deps.access().roles.get({ scope: 'tenant', tenantId }, roleId);
    if (role === null) throw new NotFoundError('No such role in this tenant.');
    return role;
  };

  readers.get('/roles', {
    input: { params: tenantParams },
    output: roleList,
    handler: async (_ctx, { params }) => {
      const roles = await deps.access().roles.list({ scope: 'tenant', tenantId: params.tenantId });
      return { roles: roles.map(roleView) };
    },
  });

  writers.post('/roles', {
    input: { params: tenantParams, body: roleBody },
    responses: { 201: roleResponse },
    handler: async (ctx, { params, body }) => {
      const access = deps.access();
      // Only a global grant passes the guard for a tenant that does not exist; tell it so.
      if ((await access.tenants.get(params.tenantId)) === null) throw new NotFoundError('No such tenant.');
      const owner = { scope: 'tenant' as const, tenantId: params.tenantId };
      const role = await createRole(access, actorOf(ctx), owner, body);
      ctx.response.status = 201;
      return { role: roleView(role) };
    },
  });

  readers.get('/roles/:roleId', {
    input: { params: tenantRoleParams },
    output: roleResponse,
    handler: async (_ctx, { params }) => ({ role: roleView(await find(params.tenantId, params.roleId)) }),
  });

  writers.patch('/roles/:roleId', {
    input: { params: tenantRoleParams, body: rolePatchBody },
    output: roleResponse,
    handler: async (ctx, { params, body }) => {
      const role = await find(params.tenantId, params.roleId);
      return { role: roleView(await updateRole(deps.access(), actorOf(ctx), role, body)) };
    },
  });

  writers.delete('/roles/:roleId', {
    input: { params: tenantRoleParams },
    responses: { 204: null },
    handler: async (ctx, { params }) => {
      await deleteRole(deps.access(), actorOf(ctx), await find(params.tenantId, params.roleId));
    },
  });
}
