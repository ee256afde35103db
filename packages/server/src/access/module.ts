import type { LiftModule, ModuleContext } from '../core/module.ts';
import type { Identity } from '../identity/index.ts';
import { createMailTemplates, MailQueue, type MailTemplates } from '../mail/index.ts';
import { Access } from './access.ts';
import type { AccessSnapshotSource } from './access-snapshot.ts';
import { accessConfig } from './config.ts';
import { ACCESS_ERRORS } from './error-codes.ts';
// The module's events join the one catalog (core/events.ts) wherever the module is.
import type {} from './events.ts';
import { registerAccessRoutes } from './http/index.ts';
import { ACCESS_METRICS, accessMetrics } from './metrics.ts';
import { accessMigrations } from './migrations.ts';
import { PermissionCatalog, type PermissionDeclarations } from './permission-catalog.ts';
import type { GrantStore, InvitationStore, MembershipStore, RoleStore, TenantStore } from './stores/index.ts';
import { acceptInvitationsOnVerification } from './tenants/invitation-signup.ts';
import type { TenantFlowDeps } from './tenants/tenant-flow-deps.ts';

/**
 * The access module: tenants, memberships, roles with inheritance, grants, invitations, the in-memory
 * decisions over them and the guards. It needs identity (members are users, read through its directory; an
 * invitation signup is identity's invited signup) and sessions (a tenant switch rotates the session), and asks
 * for the `tokenIssuer` capability (a tenant switch with tokens). Its own ports besides its stores: `kv`
 * (invitation signups waiting for verification), `jobs` and `mail` (invitation mail, queued durably). It
 * offers two capabilities: `globalPermission` (the guard other modules mount their admin endpoints behind)
 * and `systemRoles` (identity makes a user an admin through it).
 */

/** The job type of access's mail (invitations). */
const MAIL_JOB = 'access.mail';
/** The key that seals access's queued mail (an invitation link holds a live token), from the root secret. */
const MAIL_KEY_PURPOSE = 'lift access mail queue';

export interface AccessModuleOptions {
  /**
   * The app's own permissions, `{ 'notes:read': 'Read notes', 'reports:export': { global: true } }`. A guard
   * may only name a declared permission (Lift declares its own): a typo fails when the route is declared.
   */
  permissions?: PermissionDeclarations;
  /** Replacements for the mails access sends (the invitation); the same option identity takes. */
  mailTemplates?: Partial<MailTemplates>;
}

declare module '../core/module.ts' {
  interface LiftModules {
    access: Access;
  }
  interface LiftPorts {
    tenants: TenantStore;
    memberships: MembershipStore;
    roles: RoleStore;
    grants: GrantStore;
    invitations: InvitationStore;
    accessSnapshot: AccessSnapshotSource;
  }
}

export function accessModule(options: AccessModuleOptions = {}): LiftModule<'access', Access> {
  return {
    name: 'access',
    errors: ACCESS_ERRORS,
    metrics: ACCESS_METRICS,
    config: accessConfig,
    migrations: accessMigrations,
    needs: ['identity', 'sessions'],
    build(context) {
      const { config } = context;
      const identity = context.module('identity');
      const sessions = context.module('sessions');
      const metrics = accessMetrics(context.metrics);
      const access = new Access({
        metrics,
        ports: context.ports,
        clock: context.clock,
        log: context.log,
        events: context.events,
        tracer: context.tracer,
        limits: config.access,
        permissions: new PermissionCatalog(options.permissions),
      });
      const flows = tenantFlowDeps(context, access, identity, createMailTemplates(options.mailTemplates));
      const permit = (permission: string) => access.guards.requirePermission(permission, { global: true });
      let stopInvitationSignups: (() => void) | undefined;
      return {
        face: access,
        on: [metrics.onEvent],
        offers: {
          globalPermission: permit,
          systemRoles: {
            grant: async (userId, role) => {
              await access.grantSystemRole(userId, role);
            },
            rolesOf: async (userId) => access.systemRolesOf(userId),
          },
        },
        async start() {
          await access.start();
          stopInvitationSignups ??= acceptInvitationsOnVerification(() => flows);
        },
        async close() {
          stopInvitationSignups?.();
          stopInvitationSignups = undefined;
          await access.close();
        },
        routes(app) {
          registerAccessRoutes(app, {
            config,
            access: () => access,
            identity: () => identity,
            sessions: () => sessions,
            tokenIssuer: () => context.capability('tokenIssuer'),
            flows: () => flows,
            clock: context.clock,
            guards: access.guards,
            permit,
          });
        },
      };
    },
  };
}

/** What the tenant flows run on: access itself, identity's face, and access's own ports and settings. */
function tenantFlowDeps(
  context: ModuleContext,
  access: Access,
  identity: Identity,
  templates: MailTemplates,
): TenantFlowDeps {
  const { ports } = context;
  return {
    access,
    users: identity.directory,
    signUpInvited: (input, origin) => identity.signUpInvited(input, origin),
    kv: ports.kv,
    clock: context.clock,
    config: context.config,
    // The transport is looked up at delivery: building an app for `lift migrate` needs no mail destination.
    mail: new MailQueue({
      jobs: ports.jobs,
      mail: () => ports.mail,
      keys: context.keys,
      type: MAIL_JOB,
      keyPurpose: MAIL_KEY_PURPOSE,
    }),
    templates,
  };
}
