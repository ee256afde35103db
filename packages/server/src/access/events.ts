import type { GrantSubject } from './stores/grant-store.ts';

/**
 * The access module's events, added to the one event catalog (`core/events.ts`). The actor is the caller;
 * `access.denied` carries what was missing and where (never the caller's roles).
 */

declare module '../core/events.ts' {
  interface LiftEvents {
    'access.denied': { reason: string; data: { tenantId?: string | null } & Record<string, unknown> };
    'tenant.created': { data: { tenantId: string; slug: string | null } };
    'tenant.updated': { data: { tenantId: string; fields: string[] } };
    'tenant.deleted': { data: { tenantId: string } };
    'tenant.switched': { data: { from: string | null; to: string | null; via: 'session' | 'tokens' } };
    'tenant.ownership_transferred': { subject: string; data: { tenantId: string; from: string } };
    'member.added': { subject: string; data: { tenantId: string | null; via: 'grant'; roleId: string } };
    'member.role_changed': { subject: string; data: { tenantId: string; role: string } };
    'member.removed': { subject: string; data: { tenantId: string } };
    'member.left': { data: { tenantId: string } };
    'invitation.created': { data: { tenantId: string; invitationId: string; role: string } };
    'invitation.revoked': { data: { tenantId: string; invitationId: string } };
    'invitation.refused': {
      reason: 'limit' | 'invalid_token';
      data?: { tenantId?: string; limit?: number };
    };
    'invitation.signup': { subject?: string; data: { tenantId: string; invitationId: string } };
    'invitation.accepted': { data: { tenantId: string; invitationId: string; via?: 'signup' } };
    'role.created': { data: RoleEventData };
    'role.updated': { data: RoleEventData };
    'role.deleted': { data: RoleEventData };
    'grant.created': { subject: string | null; data: GrantEventData };
    'grant.deleted': { subject: string | null; data: GrantEventData };
  }
}

type RoleEventData = {
  roleId: string;
  name: string;
  scope: string;
  tenantId: string | null;
} & Record<string, unknown>;

type GrantEventData = {
  grantId: string;
  subject: GrantSubject;
  roleId: string;
  tenantId: string | null;
};
