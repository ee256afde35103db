import type { Logger } from 'pino';
import { type AccessChange, subjectKey } from './access-change.ts';
import type { AccessSnapshotSource, SnapshotRole } from './access-snapshot.ts';
import { AccessEngine } from './engine/index.ts';
import type { GrantStore, GrantSubject } from './stores/grant-store.ts';
import type { MembershipStore } from './stores/membership-store.ts';
import type { RoleOwner, RoleStore } from './stores/role-store.ts';

export interface AccessReplicaOptions {
  roles: RoleStore;
  grants: GrantStore;
  memberships: MembershipStore;
  snapshot: AccessSnapshotSource;
  log: Logger;
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
 * This node's copy of the access stores: the `AccessEngine` with every role and grant, each role's owner and
 * name, every tenant's members and the tenants requiring MFA. `loadAll()` rereads everything; `apply()` rereads
 * the rows one change names. `AccessControl` runs both one at a time and answers decisions from here.
 */
export class AccessReplica {
  readonly engine = new AccessEngine();
  readonly #roles: RoleStore;
  readonly #grants: GrantStore;
  readonly #memberships: MembershipStore;
  readonly #snapshot: AccessSnapshotSource;
  readonly #log: Logger;
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

  constructor(options: AccessReplicaOptions) {
    this.#roles = options.roles;
    this.#grants = options.grants;
    this.#memberships = options.memberships;
    this.#snapshot = options.snapshot;
    this.#log = options.log;
  }

  roleName(id: string): string | undefined {
    return this.#roleNames.get(id);
  }

  roleOwner(id: string): RoleOwner | undefined {
    return this.#roleOwners.get(id);
  }

  isMember(tenantId: string, userId: string): boolean {
    return this.#members.get(tenantId)?.has(userId) === true;
  }

  requiresMfa(tenantId: string): boolean {
    return this.#mfaTenants.has(tenantId);
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

  async loadAll(): Promise<void> {
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

  async apply(change: AccessChange): Promise<void> {
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
      this.engine.upsertRole({ id: role.id, permissions: role.permissions, inherits: role.inherits });
      this.#roleOwners.set(role.id, role.owner);
      this.#roleNames.set(role.id, role.name);
    } catch (error) {
      this.#log.error({ err: error, roleId: role.id }, 'a stored role was refused by the access engine');
    }
  }

  /** The store deletes a role's grants with it; the engine's copies of them go too. */
  #removeRole(id: string): void {
    this.engine.removeRole(id);
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
      this.engine.addGrant({ subject, role: roleId, tenantId: scope });
      entryOf(
        entryOf(this.#held, subject, () => new Map()),
        scope,
        () => new Set(),
      ).add(roleId);
    }
  }

  #removeGrant(grant: { subject: string; roleId: string; tenantId: string | null }): void {
    this.engine.removeGrant({ subject: grant.subject, role: grant.roleId, tenantId: grant.tenantId });
    const scopes = this.#held.get(grant.subject);
    const ids = scopes?.get(grant.tenantId);
    ids?.delete(grant.roleId);
    if (ids?.size === 0) scopes?.delete(grant.tenantId);
    if (scopes?.size === 0) this.#held.delete(grant.subject);
  }
}
