import type { Logger } from 'pino';
import type { EventPublisher } from '../core/events.ts';
import { publishInBackground } from '../core/publish-in-background.ts';
import type { Principal } from '../core/request-state.ts';
import type { Broker } from '../storage/index.ts';
import {
  ACCESS_CHANNEL,
  type AccessChange,
  type AccessChangedMessage,
  isAccessChange,
  parseAccessMessage,
  subjectKey,
} from './access-change.ts';
import { type AccessScope, GLOBAL, toEngineScope } from './access-scope.ts';
import type { AccessSnapshotSource, SnapshotRole } from './access-snapshot.ts';
import { AccessEngine, type AccessExplanation } from './engine/index.ts';
import { permissionCovers } from './engine/permission.ts';
import { PermissionCatalog } from './permission-catalog.ts';
import type { GrantStore, GrantSubject } from './stores/grant-store.ts';
import type { MembershipStore } from './stores/membership-store.ts';
import type { RoleOwner, RoleStore } from './stores/role-store.ts';
import { provedSecondFactor } from './tenant-mfa.ts';

export interface AccessControlOptions {
  roles: RoleStore;
  grants: GrantStore;
  memberships: MembershipStore;
  /** Everything, once, at `start()` (the store ports only read one tenant at a time). */
  snapshot: AccessSnapshotSource;
  /** A getter, so the storage can stay lazy. */
  broker: () => Broker;
  events: EventPublisher;
  log: Logger;
  /** The declared permissions; those declared global are decided on global grants alone. Default: Lift's. */
  permissions?: PermissionCatalog;
}

/** What an `authorize` check is about; `ownerId` is a user id. */
export interface AccessTarget {
  ownerId?: string | null;
  tenantId?: string | null;
}

function entryOf<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
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
  readonly #engine = new AccessEngine();
  readonly #roles: RoleStore;
  readonly #grants: GrantStore;
  readonly #memberships: MembershipStore;
  readonly #snapshot: AccessSnapshotSource;
  readonly #broker: () => Broker;
  readonly #log: Logger;
  readonly #permissions: PermissionCatalog;
  /** role id → owner, for the roles in the engine. */
  readonly #roleOwners = new Map<string, RoleOwner>();
  /** role id → name, for `holdsRole`. */
  readonly #roleNames = new Map<string, string>();
  /** engine subject → scope → role ids: the grants in the engine, to diff a reread against. */
  readonly #held = new Map<string, Map<string | null, Set<string>>>();
  /** tenant id → its members' user ids: loaded with everything, kept by `grant` and `tenant` changes. */
  readonly #members = new Map<string, Set<string>>();
  /** Tenants whose settings say `require_mfa: true`; loaded with everything, reread on a `tenant` change. */
  readonly #mfaTenants = new Set<string>();
  #queue: Promise<void> = Promise.resolve();
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(options: AccessControlOptions) {
    this.#roles = options.roles;
    this.#grants = options.grants;
    this.#memberships = options.memberships;
    this.#snapshot = options.snapshot;
    this.#broker = options.broker;
    this.events = options.events;
    this.#log = options.log;
    this.#permissions = options.permissions ?? new PermissionCatalog();
  }

  /** Subscribes to `lift:access`, then loads everything; changes heard meanwhile apply after the load. */
  async start(): Promise<void> {
    if (this.#unsubscribe === undefined) {
      const unsubscribe = await this.#broker().subscribe(ACCESS_CHANNEL, (message) => {
        const change = parseAccessMessage(message);
        if (change === undefined) this.#log.warn('ignored a malformed lift:access message');
        else void this.#enqueue(() => this.#apply(change));
      });
      // Changes published while the broker was unreachable were lost: reread everything once it is back.
      const stopResync = this.#broker().onResync(() => {
        void this.reload().catch(() => {});
      });
      this.#unsubscribe = async () => {
        stopResync();
        await unsubscribe();
      };
    }
    await this.reload();
  }

  async close(): Promise<void> {
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await unsubscribe?.().catch(() => undefined);
    await this.idle();
  }

  /** Rereads every role and grant, for recovery after broker messages may have been lost. */
  reload(): Promise<void> {
    return this.#enqueue(() => this.#loadAll());
  }

  /**
   * Call after a store write: rereads the rows `change` names into this node's engine, then tells every
   * other node to do the same, without waiting for the broker. A failed publication is logged; other nodes
   * reload everything when the broker is back (`Broker.onResync`).
   */
  async changed(change: AccessChange): Promise<void> {
    if (!isAccessChange(change)) throw new TypeError('changed() needs a role, grant or tenant change.');
    await this.#enqueue(() => this.#apply(change));
    const message: AccessChangedMessage = { type: 'access.changed', change };
    publishInBackground(this.#broker(), ACCESS_CHANNEL, JSON.stringify(message), (error) => {
      this.#log.warn(
        { err: error, change },
        'could not publish an access change; other nodes reload on resync',
      );
    });
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
    return this.#engine.can(subjectOf(principal), permission, this.#decidedIn(permission, scope));
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
    const ownerId = target.ownerId == null ? null : subjectKey({ type: 'user', id: target.ownerId });
    if (this.#permissions.isGlobal(permission))
      return this.#engine.authorize(subjectOf(principal), permission, { ownerId, tenantId: null });
    return this.#engine.authorize(
      subjectOf(principal),
      permission,
      { ownerId, tenantId: target.tenantId ?? null },
      activeTenant,
    );
  }

  /** Why `can(principal, permission, scope)` answers as it does (for admin tools, not the request path). */
  explain(principal: AccessSubject, permission: string, scope: AccessScope): AccessExplanation {
    return this.#engine.explain(subjectOf(principal), permission, this.#decidedIn(permission, scope));
  }

  /**
   * Whether the principal holds a role named `name` in `scope`: a system role of that name, or that tenant's
   * role of that name, granted there or globally, directly or through inheritance (a tenant `owner` holds
   * `admin`, `member` and `viewer`). With `GLOBAL`, only system roles granted globally count.
   */
  holdsRole(principal: AccessSubject, name: string, scope: AccessScope): boolean {
    const tenantId = toEngineScope(scope);
    for (const id of this.#engine.heldRoles(subjectOf(principal), tenantId)) {
      if (this.#roleNames.get(id) !== name) continue;
      const owner = this.#roleOwners.get(id);
      if (owner?.scope === 'system') return true;
      if (owner?.scope === 'tenant' && owner.tenantId === tenantId) return true;
    }
    return false;
  }

  /** The names of the roles the principal holds in `scope` (inherited ones included), sorted. */
  roleNames(principal: AccessSubject, scope: AccessScope): string[] {
    const names = new Set<string>();
    for (const id of this.#engine.heldRoles(subjectOf(principal), toEngineScope(scope))) {
      const name = this.#roleNames.get(id);
      if (name !== undefined) names.add(name);
    }
    return [...names].sort();
  }

  /** Effective permissions in `scope` (a tenant's include global grants), as granted: wildcards and `:own` kept. */
  permissions(principal: AccessSubject, scope: AccessScope): string[] {
    return [...this.#engine.effectivePermissions(subjectOf(principal), toEngineScope(scope))].sort();
  }

  /**
   * The permissions among `wanted` (role form: wildcards and `:own` allowed) that the principal does not hold
   * in `scope`; empty when it may hand all of them out. Nobody grants more than they hold.
   */
  missingForDelegation(principal: AccessSubject, wanted: readonly string[], scope: AccessScope): string[] {
    const held = this.#engine.effectivePermissions(subjectOf(principal), toEngineScope(scope));
    return wanted.filter((permission) => {
      for (const granted of held) if (permissionCovers(granted, permission)) return false;
      return true;
    });
  }

  /** Every permission role `roleId` gives (its own and inherited ones), as granted; empty for an unknown role. */
  rolePermissions(roleId: string): string[] {
    return this.#engine.rolePermissions(roleId);
  }

  /** Whether tenant `tenantId` requires MFA (its `require_mfa` setting), from memory. */
  requiresMfa(tenantId: string | null): boolean {
    return tenantId !== null && this.#mfaTenants.has(tenantId);
  }

  /**
   * Whether acting in `tenantId` must be refused for want of a second factor: the tenant requires MFA and the
   * principal is a user whose login had no `otp`/`rc`. One Set lookup; the login is only looked at when the
   * tenant requires MFA. System admins acting through a global grant are no exception.
   */
  lacksRequiredMfa(principal: Pick<Principal, 'type' | 'amr'>, tenantId: string | null): boolean {
    return tenantId !== null && this.#mfaTenants.has(tenantId) && !provedSecondFactor(principal);
  }

  /**
   * Whether the principal's user belongs to `tenantId`, from memory (no SQL): memberships are loaded with
   * everything and reread for a user on a `grant` change naming them in that tenant, and for a whole tenant
   * on a `tenant` change — so code that adds or removes a member announces it with one of those.
   */
  isMember(principal: AccessSubject, tenantId: string): boolean {
    const userId = principal.type === 'user' ? (principal.userId ?? principal.id) : null;
    return userId !== null && this.#members.get(tenantId)?.has(userId) === true;
  }

  /** The engine scope a check of `permission` is made in: global for a global permission. */
  #decidedIn(permission: string, scope: AccessScope): string | null {
    return scope === GLOBAL || this.#permissions.isGlobal(permission) ? null : scope;
  }

  #setMember(tenantId: string, userId: string, member: boolean): void {
    if (member) {
      entryOf(this.#members, tenantId, () => new Set()).add(userId);
      return;
    }
    const members = this.#members.get(tenantId);
    members?.delete(userId);
    if (members?.size === 0) this.#members.delete(tenantId);
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(task);
    this.#queue = run.catch((error: unknown) => {
      this.#log.error({ err: error }, 'could not reload access data; decisions may be stale');
    });
    return run;
  }

  async #loadAll(): Promise<void> {
    const { roles, grants, mfaTenants, memberships } = await this.#snapshot.load();
    const loaded = new Set(roles.map((role) => role.id));
    for (const id of [...this.#roleOwners.keys()]) if (!loaded.has(id)) this.#removeRole(id);
    for (const role of roles) this.#putRole(role);
    const wanted = new Map<string, Map<string | null, Set<string>>>();
    for (const grant of grants) {
      const key = subjectKey(grant.subject);
      entryOf(
        entryOf(wanted, key, () => new Map()),
        grant.tenantId,
        () => new Set(),
      ).add(grant.roleId);
    }
    for (const [subject, scopes] of this.#held)
      for (const scope of [...scopes.keys()])
        if (!wanted.get(subject)?.has(scope)) this.#syncGrants(subject, scope, new Set());
    for (const [subject, scopes] of wanted)
      for (const [scope, ids] of scopes) this.#syncGrants(subject, scope, ids);
    this.#members.clear();
    for (const membership of memberships) this.#setMember(membership.tenantId, membership.userId, true);
    this.#mfaTenants.clear();
    for (const tenantId of mfaTenants) this.#mfaTenants.add(tenantId);
  }

  async #apply(change: AccessChange): Promise<void> {
    if (change.kind === 'role') {
      for (const id of change.ids) {
        const role = await this.#roles.get(change.owner, id);
        if (role === null) this.#removeRole(id);
        else this.#putRole({ ...role, owner: change.owner });
      }
    } else if (change.kind === 'grant') {
      for (const subject of change.subjects) await this.#reloadGrants(subject, change.tenantId);
    } else {
      await this.#reloadTenant(change.tenantId);
    }
  }

  async #reloadGrants(subject: GrantSubject, tenantId: string | null): Promise<void> {
    const rows = await this.#grants.listBySubject(subject, tenantId);
    const ids = new Set(rows.filter((row) => row.tenantId === tenantId).map((row) => row.roleId));
    // A role created just before its first grant may not have been announced: read it with the grant.
    const unknown = [...ids].filter((id) => !this.#roleOwners.has(id));
    for (const role of await this.#roles.findVisible(tenantId, unknown)) {
      const owner: RoleOwner =
        role.scope === 'tenant' && role.tenantId !== null
          ? { scope: 'tenant', tenantId: role.tenantId }
          : { scope: 'system' };
      this.#putRole({ ...role, owner });
    }
    this.#syncGrants(subjectKey(subject), tenantId, ids);
    if (subject.type === 'user' && tenantId !== null) {
      this.#setMember(tenantId, subject.id, await this.#memberships.isMember(tenantId, subject.id));
    }
  }

  async #reloadTenant(tenantId: string): Promise<void> {
    const owner: RoleOwner = { scope: 'tenant', tenantId };
    const roles = await this.#roles.list(owner);
    const grants = await this.#grants.listByTenant(tenantId);
    const kept = new Set(roles.map((role) => role.id));
    for (const [id, known] of [...this.#roleOwners])
      if (known.scope === 'tenant' && known.tenantId === tenantId && !kept.has(id)) this.#removeRole(id);
    for (const role of roles) this.#putRole({ ...role, owner });
    const wanted = new Map<string, Set<string>>();
    for (const grant of grants) {
      const key = subjectKey(grant.subject);
      entryOf(wanted, key, () => new Set()).add(grant.roleId);
    }
    for (const [subject, scopes] of this.#held)
      if (scopes.has(tenantId) && !wanted.has(subject)) this.#syncGrants(subject, tenantId, new Set());
    for (const [subject, ids] of wanted) this.#syncGrants(subject, tenantId, ids);
    const members = await this.#snapshot.membersOf(tenantId);
    if (members.length === 0) this.#members.delete(tenantId);
    else this.#members.set(tenantId, new Set(members));
    // Settings too: PATCH /tenants/:tenantId announces a `require_mfa` change as a tenant change.
    if (await this.#snapshot.requiresMfa(tenantId)) this.#mfaTenants.add(tenantId);
    else this.#mfaTenants.delete(tenantId);
  }

  /** A role the engine refuses (a cycle two concurrent writes closed) is logged and left out, not fatal. */
  #putRole(role: SnapshotRole): void {
    try {
      this.#engine.upsertRole({ id: role.id, permissions: role.permissions, inherits: role.inherits });
      this.#roleOwners.set(role.id, role.owner);
      this.#roleNames.set(role.id, role.name);
    } catch (error) {
      this.#log.error({ err: error, roleId: role.id }, 'a stored role was refused by the access engine');
    }
  }

  /** The store deletes a role's grants with it; the engine's copies of them go too. */
  #removeRole(id: string): void {
    this.#engine.removeRole(id);
    this.#roleOwners.delete(id);
    this.#roleNames.delete(id);
    for (const [subject, scopes] of this.#held)
      for (const [scope, ids] of scopes)
        if (ids.has(id)) this.#removeGrant({ subject, roleId: id, tenantId: scope });
  }

  /** Makes the engine's grants of `subject` in exactly `scope` equal to `roleIds`. */
  #syncGrants(subject: string, scope: string | null, roleIds: ReadonlySet<string>): void {
    const held = this.#held.get(subject)?.get(scope) ?? new Set<string>();
    for (const roleId of [...held])
      if (!roleIds.has(roleId)) this.#removeGrant({ subject, roleId, tenantId: scope });
    for (const roleId of roleIds) {
      if (held.has(roleId)) continue;
      this.#engine.addGrant({ subject, role: roleId, tenantId: scope });
      entryOf(
        entryOf(this.#held, subject, () => new Map()),
        scope,
        () => new Set(),
      ).add(roleId);
    }
  }

  #removeGrant(grant: { subject: string; roleId: string; tenantId: string | null }): void {
    this.#engine.removeGrant({ subject: grant.subject, role: grant.roleId, tenantId: grant.tenantId });
    const scopes = this.#held.get(grant.subject);
    const ids = scopes?.get(grant.tenantId);
    ids?.delete(grant.roleId);
    if (ids?.size === 0) scopes?.delete(grant.tenantId);
    if (scopes?.size === 0) this.#held.delete(grant.subject);
  }
}
