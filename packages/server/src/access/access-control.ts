import type { Logger } from 'pino';
import type { EventPublisher } from '../core/events.ts';
import type { Invalidation } from '../core/invalidation.ts';
import type { Principal } from '../core/request-state.ts';
import {
  ACCESS_TOPIC,
  type AccessChange,
  type AccessChangedMessage,
  isAccessChange,
  parseAccessMessage,
  subjectKey,
} from './access-change.ts';
import { AccessReplica } from './access-replica.ts';
import { type AccessScope, GLOBAL, toEngineScope } from './access-scope.ts';
import type { AccessSnapshotSource } from './access-snapshot.ts';
import type { AccessExplanation } from './engine/index.ts';
import { permissionCovers } from './engine/permission.ts';
import type { AccessMetrics } from './metrics.ts';
import { PermissionCatalog } from './permission-catalog.ts';
import type { GrantStore } from './stores/grant-store.ts';
import type { MembershipStore } from './stores/membership-store.ts';
import type { RoleStore } from './stores/role-store.ts';
import { provedSecondFactor } from './tenant-mfa.ts';

export interface AccessControlOptions {
  roles: RoleStore;
  grants: GrantStore;
  memberships: MembershipStore;
  /** Everything, once, at `start()` (the store ports only read one tenant at a time). */
  snapshot: AccessSnapshotSource;
  /** Where changes are announced to every node (core/invalidation.ts). */
  invalidation: Invalidation;
  events: EventPublisher;
  log: Logger;
  /** The declared permissions; those declared global are decided on global grants alone. Default: Lift's. */
  permissions?: PermissionCatalog;
  /** Times and counts each check (access/metrics.ts). */
  metrics?: Pick<AccessMetrics, 'checked'>;
}

/** What an `authorize` check is about; `ownerId` is a user id. */
export interface AccessTarget {
  ownerId?: string | null;
  tenantId?: string | null;
}

/**
 * Whom a decision is about: a request's `Principal`, or just `{ type, id }` (a stored grant's subject, for
 * the admin API and the CLI). Never where: a principal's active tenant is not read here, every decision names
 * its `AccessScope`.
 */
export type AccessSubject = Pick<Principal, 'type' | 'id'> & Partial<Pick<Principal, 'userId'>>;

/** The engine subject of a principal: `user:<id>` for users, `<type>:<id>` otherwise, as grants store them. */
export function subjectOf(principal: AccessSubject): string {
  if (principal.type === 'user') return subjectKey({ type: 'user', id: principal.userId ?? principal.id });
  return subjectKey({ type: principal.type, id: principal.id });
}

/**
 * Access control of one node: an `AccessEngine` kept equal to the stores. `start()` loads every role and
 * grant; afterwards code that writes a store calls `changed()`, which rereads exactly the rows named and
 * publishes the change on `lift:access` so every node rereads them too. Rereading is idempotent, so a node
 * hearing its own message costs one read and changes nothing. Reloads run one at a time, in order, so an
 * older read never overwrites a newer one.
 */
export class AccessControl {
  readonly events: EventPublisher;
  readonly #replica: AccessReplica;
  readonly #invalidation: Invalidation;
  readonly #log: Logger;
  readonly #permissions: PermissionCatalog;
  readonly #metrics: Pick<AccessMetrics, 'checked'> | undefined;
  #queue: Promise<void> = Promise.resolve();
  #unsubscribe: (() => Promise<void>) | undefined;
  /** Set once the first full load completed: checks before it answer from an empty replica. */
  #loaded = false;

  constructor(options: AccessControlOptions) {
    this.#replica = new AccessReplica(options);
    this.#invalidation = options.invalidation;
    this.events = options.events;
    this.#log = options.log;
    this.#permissions = options.permissions ?? new PermissionCatalog();
    this.#metrics = options.metrics;
  }

  /** Subscribes to `access` invalidations, then loads everything; changes heard meanwhile apply after the load. */
  async start(): Promise<void> {
    if (this.#unsubscribe === undefined) {
      const unsubscribe = await this.#invalidation.on(ACCESS_TOPIC, (message) => {
        const change = parseAccessMessage(message);
        if (change === undefined) this.#log.warn('ignored a malformed access invalidation');
        else void this.#enqueue(() => this.#replica.apply(change));
      });
      // Changes published while the broker was unreachable were lost: reread everything once it is back.
      const stopResync = this.#invalidation.onResync(() => {
        void this.reload().catch(() => {});
      });
      this.#unsubscribe = async () => {
        stopResync();
        await unsubscribe();
      };
    }
    await this.reload();
    this.#loaded = true;
  }

  async close(): Promise<void> {
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await unsubscribe?.().catch(() => undefined);
    await this.idle();
  }

  /** Rereads every role and grant, for recovery after broker messages may have been lost. */
  reload(): Promise<void> {
    return this.#enqueue(() => this.#replica.loadAll());
  }

  /**
   * Call after a store write: rereads the rows `change` names into this node's engine, then tells every
   * other node to do the same, without waiting for the broker. A failed publication is logged; other nodes
   * reload everything when the broker is back (`Broker.onResync`).
   */
  async changed(change: AccessChange): Promise<void> {
    if (!isAccessChange(change)) throw new TypeError('changed() needs a role, grant or tenant change.');
    await this.#enqueue(() => this.#replica.apply(change));
    const message: AccessChangedMessage = { type: 'access.changed', change };
    this.#invalidation.invalidate(ACCESS_TOPIC, JSON.stringify(message));
  }

  /** Resolves when every change heard so far has been applied. */
  async idle(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.#queue;
      await current;
    } while (current !== this.#queue);
  }

  /**
   * Unconditional permission in `scope`: a tenant id (that tenant's grants and global ones), or `GLOBAL`
   * (global grants alone). There is no default: the principal's active tenant is the caller's to pass. A
   * permission declared global is decided on global grants whatever the scope, so no tenant grant (not even
   * a tenant owner's `*`) gives it.
   */
  can(principal: AccessSubject, permission: string, scope: AccessScope): boolean {
    const started = this.#metrics === undefined ? 0 : performance.now();
    const answer = this.#replica.engine.can(
      subjectOf(principal),
      permission,
      this.#decidedIn(permission, scope),
    );
    this.#metrics?.checked(started, this.#loaded);
    return answer;
  }

  /**
   * `permission` on `target`, decided in the target's tenant; `:own` grants count when `ownerId` is the
   * principal's user. With `activeTenant` given and not the target's tenant: false.
   */
  authorize(
    principal: AccessSubject,
    permission: string,
    target: AccessTarget,
    activeTenant?: string | null,
  ): boolean {
    const started = this.#metrics === undefined ? 0 : performance.now();
    const ownerId = target.ownerId == null ? null : subjectKey({ type: 'user', id: target.ownerId });
    const answer = this.#permissions.isGlobal(permission)
      ? this.#replica.engine.authorize(subjectOf(principal), permission, { ownerId, tenantId: null })
      : this.#replica.engine.authorize(
          subjectOf(principal),
          permission,
          { ownerId, tenantId: target.tenantId ?? null },
          activeTenant,
        );
    this.#metrics?.checked(started, this.#loaded);
    return answer;
  }

  /** Why `can(principal, permission, scope)` answers as it does (for admin tools, not the request path). */
  explain(principal: AccessSubject, permission: string, scope: AccessScope): AccessExplanation {
    return this.#replica.engine.explain(subjectOf(principal), permission, this.#decidedIn(permission, scope));
  }

  /**
   * Whether the principal holds a role named `name` in `scope`: a system role of that name, or that tenant's
   * role of that name, granted there or globally, directly or through inheritance (a tenant `owner` holds
   * `admin`, `member` and `viewer`). With `GLOBAL`, only system roles granted globally count.
   */
  holdsRole(principal: AccessSubject, name: string, scope: AccessScope): boolean {
    const tenantId = toEngineScope(scope);
    for (const id of this.#replica.engine.heldRoles(subjectOf(principal), tenantId)) {
      if (this.#replica.roleName(id) !== name) continue;
      const owner = this.#replica.roleOwner(id);
      if (owner?.scope === 'system') return true;
      if (owner?.scope === 'tenant' && owner.tenantId === tenantId) return true;
    }
    return false;
  }

  /** The names of the roles the principal holds in `scope` (inherited ones included), sorted. */
  roleNames(principal: AccessSubject, scope: AccessScope): string[] {
    const names = new Set<string>();
    for (const id of this.#replica.engine.heldRoles(subjectOf(principal), toEngineScope(scope))) {
      const name = this.#replica.roleName(id);
      if (name !== undefined) names.add(name);
    }
    return [...names].sort();
  }

  /** Effective permissions in `scope` (a tenant's include global grants), as granted: wildcards and `:own` kept. */
  permissions(principal: AccessSubject, scope: AccessScope): string[] {
    return [...this.#replica.engine.effectivePermissions(subjectOf(principal), toEngineScope(scope))].sort();
  }

  /**
   * The permissions among `wanted` (role form: wildcards and `:own` allowed) that the principal does not hold
   * in `scope`; empty when it may hand all of them out. Nobody grants more than they hold.
   */
  missingForDelegation(principal: AccessSubject, wanted: readonly string[], scope: AccessScope): string[] {
    const held = this.#replica.engine.effectivePermissions(subjectOf(principal), toEngineScope(scope));
    return wanted.filter((permission) => {
      for (const granted of held) if (permissionCovers(granted, permission)) return false;
      return true;
    });
  }

  /** Every permission role `roleId` gives (its own and inherited ones), as granted; empty for an unknown role. */
  rolePermissions(roleId: string): string[] {
    return this.#replica.engine.rolePermissions(roleId);
  }

  /** Whether tenant `tenantId` requires MFA (its `require_mfa` setting), from memory. */
  requiresMfa(tenantId: string | null): boolean {
    return tenantId !== null && this.#replica.requiresMfa(tenantId);
  }

  /**
   * Whether acting in `tenantId` must be refused for want of a second factor: the tenant requires MFA and the
   * principal is a user whose login had no `otp`/`rc`. One Set lookup; the login is only looked at when the
   * tenant requires MFA. System admins acting through a global grant are no exception.
   */
  lacksRequiredMfa(principal: Pick<Principal, 'type' | 'amr'>, tenantId: string | null): boolean {
    return tenantId !== null && this.#replica.requiresMfa(tenantId) && !provedSecondFactor(principal);
  }

  /**
   * Whether the principal's user belongs to `tenantId`, from memory (no SQL): memberships are loaded with
   * everything and reread for a user on a `grant` change naming them in that tenant, and for a whole tenant
   * on a `tenant` change — so code that adds or removes a member announces it with one of those.
   */
  isMember(principal: AccessSubject, tenantId: string): boolean {
    const userId = principal.type === 'user' ? (principal.userId ?? principal.id) : null;
    return userId !== null && this.#replica.isMember(tenantId, userId);
  }

  /** The engine scope a check of `permission` is made in: global for a global permission. */
  #decidedIn(permission: string, scope: AccessScope): string | null {
    return scope === GLOBAL || this.#permissions.isGlobal(permission) ? null : scope;
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(task);
    this.#queue = run.catch((error: unknown) => {
      this.#log.error({ err: error }, 'could not reload access data; decisions may be stale');
    });
    return run;
  }
}
