import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import { LiftConfigError } from '../core/errors.ts';
import type { Announcing, EventPublisher } from '../core/events.ts';
import type { Invalidation } from '../core/invalidation.ts';
import type { Tracer } from '../core/tracing.ts';
import { AccessControl } from './access-control.ts';
import { GLOBAL } from './access-scope.ts';
import type { AccessSnapshotSource } from './access-snapshot.ts';
import { SYSTEM_ADMIN_ROLE, TENANT_OWNER_ROLE } from './default-roles.ts';
import { type AccessGuards, accessGuards } from './guards.ts';
import type { AccessMetrics } from './metrics.ts';
import type { PermissionCatalog } from './permission-catalog.ts';
import type {
  CreateTenantInput,
  GrantStore,
  InvitationStore,
  MembershipStore,
  Role,
  RoleStore,
  Tenant,
  TenantStore,
} from './stores/index.ts';

/** The tunable limits of the module: the `access` config section (`LiftConfig['access']`). */
export interface AccessLimits {
  /** Lifetime of a new invitation. */
  invitationTtlMs: number;
  /** Pending invitations one tenant may have at once. */
  maxPendingInvitations: number;
}

/** The stores the access module works on, built by the app's shape. */
export interface AccessPorts {
  tenants: TenantStore;
  memberships: MembershipStore;
  roles: RoleStore;
  grants: GrantStore;
  invitations: InvitationStore;
  /** Reads every role, grant and membership at once (the node's in-memory copy starts from it). */
  accessSnapshot: AccessSnapshotSource;
  invalidation: Invalidation;
}

export interface AccessSources {
  /** Check timing and counts (access/metrics.ts); none in stand-alone tests. */
  metrics?: Pick<AccessMetrics, 'checked'>;
  ports: AccessPorts;
  clock: Clock;
  log: Logger;
  events: EventPublisher;
  /** The app's tracer: each guard's decision is an `access.check` span. */
  tracer?: Tracer;
  /** `config.access` (defaults in the config schema). */
  limits: AccessLimits;
  /** The app's declared permissions (`app.permissions`). */
  permissions: PermissionCatalog;
}

/**
 * The access-control module of one app (`app.access`): the stores, the node's `AccessControl` (decisions
 * from memory, kept current over `lift:access`). Built by `createLift`; its guards are `app.guards`.
 */
export class Access {
  readonly tenants: TenantStore;
  readonly memberships: MembershipStore;
  readonly roles: RoleStore;
  readonly grants: GrantStore;
  readonly invitations: InvitationStore;
  readonly control: AccessControl;
  /** Route guards over `control`: `requirePermission`, `requireRole`, `requireTenantMember`, `authorize`. */
  readonly guards: AccessGuards;
  readonly events: EventPublisher;
  readonly limits: AccessLimits;
  /** The declared permissions (`app.permissions`): what roles written through the API may hold. */
  readonly permissions: PermissionCatalog;
  readonly #log: Logger;

  constructor(sources: AccessSources) {
    const { ports, log, events } = sources;
    this.tenants = ports.tenants;
    this.memberships = ports.memberships;
    this.roles = ports.roles;
    this.grants = ports.grants;
    this.invitations = ports.invitations;
    this.events = events;
    this.limits = sources.limits;
    this.permissions = sources.permissions;
    this.#log = log;
    this.control = new AccessControl({
      roles: this.roles,
      grants: this.grants,
      memberships: this.memberships,
      snapshot: ports.accessSnapshot,
      invalidation: ports.invalidation,
      events,
      log,
      permissions: sources.permissions,
      ...(sources.metrics ? { metrics: sources.metrics } : {}),
    });
    this.guards = accessGuards(() => this.control, this.permissions, sources.tracer);
  }

  start(): Promise<void> {
    return this.control.start();
  }

  close(): Promise<void> {
    return this.control.close();
  }

  /** The system role named `name`, or null. */
  async systemRole(name: string): Promise<Role | null> {
    const roles = await this.roles.list({ scope: 'system' });
    return roles.find((role) => role.name === name) ?? null;
  }

  /** Grants a system role (default `admin`) globally to a user; applied on this node before it returns. */
  async grantSystemRole(userId: string, name = SYSTEM_ADMIN_ROLE, createdBy: string | null = null) {
    const role = await this.systemRole(name);
    if (role === null) throw new LiftConfigError(`There is no system role named "${name}".`);
    const subject = { type: 'user' as const, id: userId };
    const grant = await this.grants.add({ subject, roleId: role.id, tenantId: null, createdBy });
    await this.control.changed({ kind: 'grant', tenantId: null, subjects: [subject] });
    return grant;
  }

  /** The names of the system roles a user holds globally (inherited ones included). */
  systemRolesOf(userId: string): string[] {
    return this.control.roleNames({ type: 'user', id: userId }, GLOBAL);
  }

  /**
   * Creates a tenant with its creator as first member, copies the role templates into it (inheritance
   * included) and grants the creator the copy of `owner`. Not one transaction across the stores: if a later
   * step fails the tenant is deleted again (with whatever was made for it) and the error rethrown.
   * `announce`'s events are written with the last step, the creator's `owner` grant, so they commit only
   * with a complete tenant; without an `owner` template nothing announces and `events.change` records
   * them after the tenant is made.
   */
  async createTenant(
    input: CreateTenantInput,
    options: Announcing<{ tenant: Tenant; roles: Role[] }> = {},
  ): Promise<{ tenant: Tenant; roles: Role[] }> {
    const tenant = await this.tenants.create(input);
    try {
      const roles = await this.#copyTemplates(tenant.id);
      const owner = roles.find((role) => role.name === TENANT_OWNER_ROLE);
      const subject = { type: 'user' as const, id: input.createdBy };
      const { announce } = options;
      if (owner) {
        await this.grants.add(
          { subject, roleId: owner.id, tenantId: tenant.id, createdBy: input.createdBy },
          announce ? { announce: () => announce({ tenant, roles }) } : {},
        );
      } else {
        this.#log.warn({ tenantId: tenant.id }, 'no owner role template: the tenant creator holds no role');
      }
      await this.control.changed({ kind: 'tenant', tenantId: tenant.id });
      return { tenant, roles };
    } catch (error) {
      await this.tenants.delete(tenant.id).catch((cleanup: unknown) => {
        this.#log.error({ err: cleanup, tenantId: tenant.id }, 'could not delete a half-created tenant');
      });
      throw error;
    }
  }

  /** Templates are created in inheritance order, so each copy's `inherits` can name copies made before it. */
  async #copyTemplates(tenantId: string): Promise<Role[]> {
    const templates = await this.roles.list({ scope: 'template' });
    const byId = new Map(templates.map((role) => [role.id, role]));
    const copies = new Map<string, Role>();
    const owner = { scope: 'tenant' as const, tenantId };
    const copy = async (template: Role, path: Set<string>): Promise<Role> => {
      const done = copies.get(template.id);
      if (done) return done;
      // Two concurrent template edits could close a cycle: stop rather than recurse forever.
      if (path.has(template.id))
        throw new LiftConfigError(`Role templates inherit in a cycle at "${template.name}".`);
      path.add(template.id);
      const inherits: string[] = [];
      for (const parent of template.inherits) {
        const parentTemplate = byId.get(parent);
        // Anything else a template inherits is a system role, visible from every tenant.
        inherits.push(parentTemplate ? (await copy(parentTemplate, path)).id : parent);
      }
      const role = await this.roles.create({
        owner,
        name: template.name,
        description: template.description,
        permissions: template.permissions,
        inherits,
      });
      copies.set(template.id, role);
      return role;
    };
    for (const template of templates) await copy(template, new Set());
    return [...copies.values()];
  }
}
