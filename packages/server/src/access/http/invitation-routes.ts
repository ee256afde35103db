import { z } from 'zod';
import { optionalAuth, requireAuth } from '../../core/authenticate.ts';
import type { Context } from '../../core/context.ts';
import type { RouteGroup } from '../../core/routes.ts';
import {
  errorPageContent,
  errorPages,
  normalizedOrNull,
  type PageBack,
  pageResponse,
  refuseForeignOrigin,
  throttle,
  wantsPage,
} from '../../identity/index.ts';
import { requestOrigin } from '../../sessions/index.ts';
import { LIFT_PERMISSIONS } from '../default-roles.ts';
import { InvitationInvalidError } from '../tenant-errors.ts';
import {
  acceptInvitation,
  INVITATION_ACCEPT_PATH,
  inviteMember,
  listInvitations,
  revokeInvitation,
} from '../tenants/invitation-flows.ts';
import { describeInvitation, signUpForInvitation } from '../tenants/invitation-signup.ts';
import type { AccessRouteDeps } from './deps.ts';
import {
  INVITATION_SIGNUP_PATH,
  invitationPage,
  invitationPagePath,
  joinedPage,
  signupSentPage,
} from './invitation-pages.ts';
import {
  invitationCreated,
  invitationList,
  invitationPageBody,
  joinedPageBody,
  signupSentPageBody,
  tenantWithRoles,
  verificationSent,
} from './responses.ts';
import { callerOf, tenantFlowDeps, tenantIdOf } from './tenant-caller.ts';

/**
 * `/tenants/:tenantId/invitations*` (`members:invite`), `/invitations/accept` and `/invitations/signup`: the
 * mailed link opens a page whose forms POST, so a mail scanner fetching the link spends nothing. Accepting
 * needs the invited user signed in; an invitee without an account signs up from the page with the invited
 * address and joins when they verify it (tenants/invitation-signup.ts). Browsers get pages, API clients JSON.
 */

export function registerInvitationRoutes(app: RouteGroup, deps: AccessRouteDeps): void {
  registerInviterRoutes(app, deps);
  registerInviteeRoutes(app, deps);
}

/** What a member with `members:invite` does: invite, list, revoke. */
function registerInviterRoutes(app: RouteGroup, deps: AccessRouteDeps): void {
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
    responses: { 201: invitationCreated },
    handler: async (ctx, { body }) => {
      const invitation = await inviteMember(tenantFlowDeps(deps), callerOf(ctx), tenantIdOf(ctx), body);
      ctx.response.status = 201;
      return { invitation };
    },
  });

  inviters.get('/invitations', {
    output: invitationList,
    handler: async (ctx) => ({
      invitations: await listInvitations(tenantFlowDeps(deps), tenantIdOf(ctx)),
    }),
  });

  inviters.delete('/invitations/:invitationId', {
    responses: { 204: null },
    handler: async (ctx) => {
      await revokeInvitation(
        tenantFlowDeps(deps),
        callerOf(ctx),
        tenantIdOf(ctx),
        ctx.params.invitationId ?? '',
      );
    },
  });
}

/** What the holder of a mailed link does: open it, accept it signed in, or sign up from it. */
function registerInviteeRoutes(app: RouteGroup, deps: AccessRouteDeps): void {
  const authPrefix = deps.config.auth.prefix;
  const loginLink = { href: `${authPrefix.replace(/\/+$/, '')}/login`, label: 'Log in' };
  const toInvitation: PageBack = async (ctx) => {
    const token = await formToken(ctx);
    return {
      links:
        token === undefined
          ? [loginLink]
          : [{ href: invitationPagePath(INVITATION_ACCEPT_PATH, token), label: 'Back to the invitation' }],
    };
  };

  // Opening the link spends nothing; it shows the tenant and the invited address, which the mail told its
  // holder already, and the ways in (invitation-pages.ts).
  app.group(INVITATION_ACCEPT_PATH, optionalAuth()).get('/', {
    responses: { 200: invitationPageBody },
    handler: async (ctx) => {
      const token = ctx.query.token ?? '';
      const details = await describeInvitation(tenantFlowDeps(deps), token);
      if (details === null) {
        const error = new InvitationInvalidError();
        return pageResponse(errorPageContent(error, { links: [loginLink] }), { status: error.status });
      }
      const userId = ctx.principal?.userId ?? null;
      const user = userId === null ? null : await deps.identity().directory.findById(userId);
      return pageResponse(
        invitationPage(details, {
          acceptPath: INVITATION_ACCEPT_PATH,
          authPrefix,
          token,
          signedIn:
            user === null
              ? null
              : { email: user.email, invitee: normalizedOrNull(user.email) === details.email },
        }),
      );
    },
  });

  app.group(INVITATION_ACCEPT_PATH, errorPages(toInvitation), requireAuth()).post('/', {
    input: { body: z.object({ token: z.string().min(1).max(200) }) },
    responses: { 200: [tenantWithRoles, joinedPageBody] },
    handler: async (ctx, { body }) => {
      const joined = await acceptInvitation(tenantFlowDeps(deps), callerOf(ctx), body.token);
      if (wantsPage(ctx)) return pageResponse(joinedPage(joined.tenant.name, joined.roles));
      return joined;
    },
  });

  app.group(INVITATION_SIGNUP_PATH, errorPages(toInvitation)).post('/', {
    input: {
      body: z.object({
        token: z.string().min(1).max(200),
        password: z.string().min(1).max(4096),
        name: z.string().trim().max(200).nullish(),
      }),
    },
    responses: { 202: [verificationSent, signupSentPageBody] },
    handler: async (ctx, { body }) => {
      const identity = deps.identity();
      await refuseForeignOrigin(identity, ctx);
      await throttle(identity, ctx, 'signup');
      const { email, tenantName } = await signUpForInvitation(
        tenantFlowDeps(deps),
        body.token,
        { password: body.password, name: body.name || null },
        requestOrigin(ctx.raw),
      );
      if (wantsPage(ctx)) return pageResponse(signupSentPage(email, tenantName), { status: 202 });
      ctx.response.status = 202;
      return { status: 'verification_sent' };
    },
  });
}

/** The token of the submitted form, for the way back to the invitation. */
async function formToken(ctx: Context): Promise<string | undefined> {
  try {
    const body = (await ctx.body()) as Record<string, unknown> | undefined;
    return typeof body?.token === 'string' ? body.token : undefined;
  } catch {
    return undefined;
  }
}
