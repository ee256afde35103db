import { z } from 'zod';
import { htmlPage } from '../../core/handler.ts';
import { issuedTokensBody } from '../../identity/index.ts';

/**
 * What the access module's endpoints answer, as zod schemas of the JSON bodies (snake_case, ISO times): the
 * OpenAPI document describes them, and outside production every answer is checked against them
 * (core/response-check.ts). They follow the views in tenants/*-flows.ts and admin/views.ts.
 */

const time = z.iso.datetime();
const subject = z.object({ type: z.enum(['user', 'api_key', 'service']), id: z.string() });

export const tenantView = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  settings: z.record(z.string(), z.json()),
  created_by: z.string(),
  created_at: time,
  updated_at: time,
});

/** A tenant with the names of the roles the caller holds there. */
export const tenantWithRoles = z.object({ tenant: tenantView, roles: z.array(z.string()) });

export const tenantList = z.object({ tenants: z.array(tenantWithRoles) });

export const memberPage = z.object({
  members: z.array(
    z.object({
      user_id: z.string(),
      email: z.string().nullable(),
      name: z.string().nullable(),
      joined_at: time,
      roles: z.array(z.string()),
    }),
  ),
  next_cursor: z.string().nullable(),
});

export const memberChanged = z.object({
  member: z.object({ user_id: z.string(), roles: z.array(z.string()) }),
});

export const ownershipTransferred = z.object({ owner: z.string() });

const invitationView = z.object({
  id: z.string(),
  email: z.string(),
  role: z.string().nullable(),
  invited_by: z.string(),
  created_at: time,
  expires_at: time,
});

export const invitationCreated = z.object({ invitation: invitationView });
export const invitationList = z.object({ invitations: z.array(invitationView) });

export const invitationPageBody = htmlPage(
  'The invitation: its tenant, the invited address and the ways in.',
);
export const joinedPageBody = htmlPage('For a browser: the tenant joined.');
export const verificationSent = z.object({ status: z.literal('verification_sent') });
export const signupSentPageBody = htmlPage('For a browser: check your inbox to verify the address.');

const roleView = z.object({
  id: z.string(),
  scope: z.enum(['system', 'template', 'tenant']),
  tenant_id: z.string().nullable(),
  name: z.string(),
  description: z.string().nullable(),
  permissions: z.array(z.string()),
  inherits: z.array(z.string()),
  created_at: time,
  updated_at: time,
});

export const roleBody = z.object({ role: roleView });
export const roleList = z.object({ roles: z.array(roleView) });

const grantView = z.object({
  id: z.string(),
  subject,
  role_id: z.string(),
  tenant_id: z.string().nullable(),
  created_by: z.string().nullable(),
  created_at: time,
});

export const grantBody = z.object({ grant: grantView });
export const grantList = z.object({ grants: z.array(grantView) });
export const grantCreated = z.object({ grant: grantView, member_added: z.boolean() });

export const accessCheck = z.object({
  allowed: z.boolean(),
  subject,
  permission: z.string(),
  tenant_id: z.string().nullable(),
  /** The chain grant → role → … → permission; empty when denied. */
  via: z.array(z.string()),
});

/**
 * `POST /auth/tenant`: with a session, the rotated session carrying the tenant; with a bearer token, a new
 * token pair whose access tokens carry `tid`.
 */
export const tenantSwitched = z.union([
  z.object({ tenant_id: z.string().nullable(), session: z.object({ id: z.string(), expires_at: time }) }),
  issuedTokensBody,
]);
