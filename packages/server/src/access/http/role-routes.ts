import { z } from 'zod';
import { requireAuth } from '../../core/authenticate.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import type { RouteGroup } from '../../core/routes.ts';
import { createRole, deleteRole, updateRole } from '../admin/role-flows.ts';
import { roleView } from '../admin/views.ts';
import { LIFT_PERMISSIONS } from '../default-roles.ts';
import type { Role, RoleOwner } from '../stores/role-store.ts';
import { actorOf } from './admin-actor.ts';
import { registerCheckRoutes } from './check-routes.ts';
import type { AccessRouteDeps } from './deps.ts';
import { registerGrantRoutes } from './grant-routes.ts';
import { roleList, roleBody as roleResponse } from './responses.ts';
import { roleBody, roleIdParams, rolePatchBody } from './role-schemas.ts';
import { registerTenantGrantRoutes } from './tenant-grant-routes.ts';
import { registerTenantRoleRoutes } from './tenant-role-routes.ts';

/**
 * `/admin/api/roles`, `/admin/api/grants`, `/admin/api/access/check`, `/tenants/:tenantId/roles`,
 * `/tenants/:tenantId/grants`.
 */
export function registerRoleRoutes(app: RouteGroup, deps: AccessRouteDeps): void {
  registerAdminRoleRoutes(app, deps);
  registerGrantRoutes(app, deps);
  registerCheckRoutes(app, deps);
  registerTenantRoleRoutes(app, deps);
  registerTenantGrantRoutes(app, deps);
}

const scopes = z.enum(['system', 'template', 'tenant']);
const tenantIdField = z.string().min(1).max(200);

function ownerFrom(
  scope: z.infer<typeof scopes>,
  tenantId: string | undefined,
  location: 'body' | 'query',
): RoleOwner {
  if (scope === 'tenant') {
    if (tenantId === undefined) throw tenantIssue(location, 'A tenant role needs tenant_id.');
    return { scope, tenantId };
  }
  if (tenantId !== undefined) throw tenantIssue(location, `A ${scope} role has no tenant_id.`);
  return { scope };
}

function tenantIssue(location: 'body' | 'query', message: string): ValidationError {
  return new ValidationError([{ location, path: 'tenant_id', message, code: 'invalid_value' }]);
}

/**
 * `/admin/api/roles*`: every role of any owner (system, templates, any tenant), for holders of the global
 * `roles:read` / `roles:write`. Writes still obey delegation: nobody creates a role giving more than they hold.
 */
function registerAdminRoleRoutes(app: RouteGroup, deps: AccessRouteDeps): void {
  const prefix = deps.config.auth.adminPrefix;
  const readers = app.group(prefix, requireAuth(), deps.permit(LIFT_PERMISSIONS.rolesRead));
  const writers = app.group(prefix, requireAuth(), deps.permit(LIFT_PERMISSIONS.rolesWrite));

  const find = async (roleId: string): Promise<Role> => {
    const role = await deps.access().roles.findById(roleId);
    if (role === null) throw new NotFoundError('No such role.');
    return role;
  };

  readers.get('/roles', {
    input: { query: z.object({ scope: scopes.optional(), tenant_id: tenantIdField.optional() }) },
    output: roleList,
    handler: async (_ctx, { query }) => {
      // Without a scope: a tenant's roles when tenant_id is given, else the system roles.
      const scope = query.scope ?? (query.tenant_id === undefined ? 'system' : 'tenant');
      const roles = await deps.access().roles.list(ownerFrom(scope, query.tenant_id, 'query'));
      return { roles: roles.map(roleView) };
    },
  });

  writers.post('/roles', {
    input: { body: roleBody.extend({ scope: scopes, tenant_id: tenantIdField.optional() }) },
    responses: { 201: roleResponse },
    handler: async (ctx, { body }) => {
      const owner = ownerFrom(body.scope, body.tenant_id, 'body');
      const access = deps.access();
      if (owner.scope === 'tenant' && (await access.tenants.get(owner.tenantId)) === null) {
        throw tenantIssue('body', 'No such tenant.');
      }
      const role = await createRole(access, actorOf(ctx), owner, body);
      ctx.response.status = 201;
      return { role: roleView(role) };
    },
  });

  readers.get('/roles/:roleId', {
    input: { params: roleIdParams },
    output: roleResponse,
    handler: async (_ctx, { params }) => ({ role: roleView(await find(params.roleId)) }),
  });

  writers.patch('/roles/:roleId', {
    input: { params: roleIdParams, body: rolePatchBody },
    output: roleResponse,
    handler: async (ctx, { params, body }) => {
      const role = await updateRole(deps.access(), actorOf(ctx), await find(params.roleId), body);
      return { role: roleView(role) };
    },
  });

  writers.delete('/roles/:roleId', {
    input: { params: roleIdParams },
    responses: { 204: null },
    handler: async (ctx, { params }) => {
      await deleteRole(deps.access(), actorOf(ctx), await find(params.roleId));
    },
  });
}
