import { z } from 'zod';
import { requireAuth } from '../../core/authenticate.ts';
import type { RouteGroup } from '../../core/routes.ts';
import { linkFormPage } from '../../identity/link-pages.ts';
import { LIFT_PERMISSIONS } from '../default-roles.ts';
import {
  acceptInvitation,
  INVITATION_ACCEPT_PATH,
  inviteMember,
  listInvitations,
  revokeInvitation,
} from '../tenants/invitation-flows.ts';
import type { AccessRouteDeps } from './deps.ts';
import { callerOf, tenantFlowDeps, tenantIdOf } from './tenant-caller.ts';

/**
 * `/tenants/:tenantId/invitations*` (`members:invite`) and `/invitations/accept`: the mailed link opens a
 * page whose form POSTs the token, so a mail scanner fetching the link spends nothing; accepting needs the
 * invited user signed in.
 */

export function registerInvitationRoutes(app: RouteGroup, deps: AccessRouteDeps): void {
  const inviters = app.group(
    '/tenants/:tenantId',
    requireAuth(),
    deps.guards.requirePermission(LIFT_PERMISSIONS.membersInvite),
  );

  inviters.post('/invitations', {
    input: {
      body: z.object({
        email: z.string().trim().min(1).max(320),
        role: z.string().trim().min(1).max(100).optional(),
      }),
    },
    handler: async (ctx, { body }) => {
      const invitation = await inviteMember(tenantFlowDeps(deps), callerOf(ctx), tenantIdOf(ctx), body);
      ctx.response.status = 201;
      return { invitation };
    },
  });

  inviters.get('/invitations', async (ctx) => ({
    invitations: await listInvitations(tenantFlowDeps(deps), tenantIdOf(ctx)),
  }));

  inviters.delete('/invitations/:invitationId', async (ctx) => {
    await revokeInvitation(
      tenantFlowDeps(deps),
      callerOf(ctx),
      tenantIdOf(ctx),
      ctx.params.invitationId ?? '',
    );
  });

  app.get(INVITATION_ACCEPT_PATH, (ctx) =>
    linkFormPage({
      title: 'Accept the invitation',
      action: ctx.path,
      token: ctx.query.token ?? '',
      fields: [],
      submit: 'Join',
    }),
  );

  app.group(INVITATION_ACCEPT_PATH, requireAuth()).post('/', {
    input: { body: z.object({ token: z.string().min(1).max(200) }) },
    handler: (ctx, { body }) => acceptInvitation(tenantFlowDeps(deps), callerOf(ctx), body.token),
  });
}
