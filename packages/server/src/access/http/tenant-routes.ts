import { z } from 'zod';
import { requireAuth } from '../../core/authenticate.ts';
import { humanName } from '../../core/human-name.ts';
import type { RouteGroup } from '../../core/routes.ts';
import { LIFT_PERMISSIONS } from '../default-roles.ts';
import type { TenantSettings } from '../stores/index.ts';
import {
  createTenant,
  deleteTenant,
  listMyTenants,
  showTenant,
  updateTenant,
} from '../tenants/tenant-flows.ts';
import type { AccessRouteDeps } from './deps.ts';
import { registerInvitationRoutes } from './invitation-routes.ts';
import { registerMemberRoutes } from './member-routes.ts';
import { tenantList, tenantWithRoles } from './responses.ts';
import { callerOf, tenantFlowDeps, tenantIdOf } from './tenant-caller.ts';

/**
 * `/tenants*`: tenants themselves here, members (member-routes.ts) and invitations (invitation-routes.ts)
 * beside. Every route under `/tenants/:tenantId` checks its permission in that tenant before anything is
 * read, so a caller without it gets the same 403 whether or not the tenant exists.
 */

/** Bound on a tenant's settings as stored JSON. */
const MAX_SETTINGS_BYTES = 16 * 1024;

const name = humanName({ max: 200 });
const slug = z.string().trim().min(1).max(63);
const settings = z
  .record(z.string().min(1).max(100), z.json())
  .refine((value) => value.require_mfa === undefined || typeof value.require_mfa === 'boolean', {
    path: ['require_mfa'],
    message: 'require_mfa is true or false.',
  })
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_SETTINGS_BYTES, {
    message: `Settings take at most ${MAX_SETTINGS_BYTES} bytes as JSON.`,
  })
  .transform((value) => value as TenantSettings);

export function registerTenantRoutes(app: RouteGroup, deps: AccessRouteDeps): void {
  const signedIn = app.group('/tenants', requireAuth());
  const inTenant = (permission: string) =>
    app.group('/tenants/:tenantId', requireAuth(), deps.guards.requirePermission(permission));

  signedIn.post('/', {
    input: { body: z.object({ name, slug, settings: settings.optional() }) },
    responses: { 201: tenantWithRoles },
    handler: async (ctx, { body }) => {
      const created = await createTenant(tenantFlowDeps(deps), callerOf(ctx), body);
      ctx.response.status = 201;
      return created;
    },
  });

  signedIn.get('/', {
    output: tenantList,
    handler: async (ctx) => ({ tenants: await listMyTenants(tenantFlowDeps(deps), callerOf(ctx)) }),
  });

  inTenant(LIFT_PERMISSIONS.tenantRead).get('/', {
    output: tenantWithRoles,
    handler: (ctx) => showTenant(tenantFlowDeps(deps), callerOf(ctx), tenantIdOf(ctx)),
  });

  inTenant(LIFT_PERMISSIONS.tenantUpdate).patch('/', {
    input: {
      body: z
        .object({ name: name.optional(), slug: slug.optional(), settings: settings.optional() })
        .refine((body) => Object.values(body).some((value) => value !== undefined), {
          message: 'Give at least one of name, slug, settings.',
        }),
    },
    output: tenantWithRoles,
    handler: (ctx, { body }) => updateTenant(tenantFlowDeps(deps), callerOf(ctx), tenantIdOf(ctx), body),
  });

  inTenant(LIFT_PERMISSIONS.tenantDelete).delete('/', {
    responses: { 204: null },
    handler: async (ctx) => {
      await deleteTenant(tenantFlowDeps(deps), callerOf(ctx), tenantIdOf(ctx));
    },
  });

  registerMemberRoutes(app, deps);
  registerInvitationRoutes(app, deps);
}
