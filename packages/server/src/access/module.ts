import type { LiftModule } from '../core/module.ts';
import { Access } from './access.ts';
import type { AccessSnapshotSource } from './access-snapshot.ts';
import { accessConfig } from './config.ts';
import { ACCESS_ERRORS } from './error-codes.ts';
// The module's events join the one catalog (core/events.ts) wherever the module is.
import type {} from './events.ts';
import { registerAccessRoutes } from './http/index.ts';
import { ACCESS_METRICS } from './metrics.ts';
import { accessMigrations } from './migrations.ts';
import { PermissionCatalog, type PermissionDeclarations } from './permission-catalog.ts';
import type { GrantStore, InvitationStore, MembershipStore, RoleStore, TenantStore } from './stores/index.ts';
import { acceptInvitationsOnVerification } from './tenants/invitation-signup.ts';

/**
 * The access module: tenants, memberships, roles with inheritance, grants, invitations, the in-memory
 * decisions over them and the guards. It needs identity (members are users; invitation signups are identity
 * flows) and offers two capabilities: `globalPermission` (the guard other modules mount their admin endpoints
 * behind) and `systemRoles` (identity makes a user an admin through it).
 */

export interface AccessModuleOptions {
  /**
   * The app's own permissions, `{ 'notes:read': 'Read notes', 'reports:export': { global: true } }`. A guard
   * may only name a declared permission (Lift declares its own): a typo fails when the route is declared.
   */
  permissions?: PermissionDeclarations;
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
    needs: ['identity'],
    build(context) {
      const { config } = context;
      const identity = context.module('identity');
      const access = new Access({
        ports: context.ports,
        clock: context.clock,
        log: context.log,
        events: context.events,
        limits: config.access,
        permissions: new PermissionCatalog(options.permissions),
      });
      const permit = (permission: string) => access.guards.requirePermission(permission, { global: true });
      let stopInvitationSignups: (() => void) | undefined;
      return {
        face: access,
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
          stopInvitationSignups ??= acceptInvitationsOnVerification(() => ({
            access,
            identity: identity.deps,
          }));
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
            guards: access.guards,
            permit,
          });
        },
      };
    },
  };
}
