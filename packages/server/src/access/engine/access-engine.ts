import { type Grant, GrantIndex, type GrantScope } from './grant-index.ts';
import { ALL_PERMISSIONS, type CheckedPermission, parseCheckedPermission } from './permission.ts';
import { type RoleDefinition, RoleGraph, type StoredRole } from './role-graph.ts';

/** The object of an `authorize` check. A missing `tenantId` means the object lives outside any tenant. */
export interface AccessObject {
  readonly ownerId?: string | null;
  readonly tenantId?: string | null;
}

export interface AccessExplanation {
  readonly allowed: boolean;
  /** `grant: …`, then `role: …` down the inheritance path, then `permission: …`; empty when denied. */
  readonly via: readonly string[];
}

/** Counters for tests and metrics: effective sets computed, cached entries dropped, entries held now. */
export interface AccessCacheStats {
  readonly computed: number;
  readonly invalidated: number;
  readonly entries: number;
}

/** Parsed checked permissions; the names a program checks are few, so the bound is only a safety net. */
const MAX_PARSED_PERMISSIONS = 1024;
const NOTHING: ReadonlySet<string> = new Set();

/**
 * Lift's access decisions, in memory and without I/O: roles (a DAG of inherited permission sets) and grants
 * (subject, role, tenant or global). Deny by default.
 *
 * Each (subject, tenant) gets its effective permission set computed once and cached; a check is then three or
 * five set lookups. Every change drops exactly the cached entries it can affect: a grant change its subject's
 * entry for that tenant (every tenant, if global); a role change the entries of every subject holding that
 * role directly or through a role that inherits it.
 */
export class AccessEngine {
  readonly #roles = new RoleGraph();
  readonly #grants = new GrantIndex();
  /** subject → scope (tenant id, or `null` outside any tenant) → effective permissions. */
  readonly #cache = new Map<string, Map<GrantScope, ReadonlySet<string>>>();
  readonly #parsed = new Map<string, CheckedPermission>();
  #computed = 0;
  #invalidated = 0;

  constructor(data: { roles?: readonly RoleDefinition[]; grants?: readonly Grant[] } = {}) {
    this.#roles.replaceAll(data.roles ?? []);
    for (const grant of data.grants ?? []) this.#grants.add(grant);
  }

  /** Replaces every role. Throws `InvalidRoleError`, `InvalidPermissionError` or `RoleCycleError`, changing nothing. */
  setRoles(roles: readonly RoleDefinition[]): void {
    this.#invalidateHolders(this.#roles.replaceAll(roles));
  }

  /** Adds or replaces one role; an unchanged definition invalidates nothing. */
  upsertRole(role: RoleDefinition): void {
    this.#invalidateHolders(this.#roles.upsert(role));
  }

  /** Removes a role. Grants of it and roles inheriting it stay, and contribute nothing while it is unknown. */
  removeRole(id: string): void {
    this.#invalidateHolders(this.#roles.remove(id));
  }

  addGrant(grant: Grant): void {
    if (this.#grants.add(grant)) this.#invalidateHolder(grant.subject, grant.tenantId);
  }

  removeGrant(grant: Grant): void {
    if (this.#grants.remove(grant)) this.#invalidateHolder(grant.subject, grant.tenantId);
  }

  /**
   * Whether `subject` holds `permission` (`resource:action`) unconditionally in `tenantId` (or, with no
   * tenant, through global grants alone). `:own` grants never satisfy this: they need an object, see
   * `authorize`. Throws `InvalidPermissionError` for a malformed permission.
   */
  can(subject: string, permission: string, tenantId: string | null = null): boolean {
    const checked = this.#parse(permission);
    const granted = this.#effective(subject, tenantId);
    return granted.has(checked.exact) || granted.has(checked.anyAction) || granted.has(ALL_PERMISSIONS);
  }

  /**
   * Whether `subject` may apply `permission` to `object`, decided in the object's tenant. A plain grant
   * allows any object there; an `:own` grant only an object whose `ownerId` is `subject`. When the request's
   * `tenantId` is given and is not the object's, the answer is no whatever the grants.
   */
  authorize(subject: string, permission: string, object: AccessObject, tenantId?: string | null): boolean {
    const checked = this.#parse(permission);
    const objectTenant = object.tenantId ?? null;
    if (tenantId !== undefined && (tenantId ?? null) !== objectTenant) return false;
    const granted = this.#effective(subject, objectTenant);
    if (granted.has(checked.exact) || granted.has(checked.anyAction) || granted.has(ALL_PERMISSIONS))
      return true;
    const owner = object.ownerId;
    return (
      typeof owner === 'string' &&
      owner === subject &&
      (granted.has(checked.own) || granted.has(checked.anyActionOwn))
    );
  }

  /**
   * Why `can(subject, permission, tenantId)` answers as it does: the shortest path from a grant (the
   * tenant's before global ones) through inherited roles to the matching permission. Computed afresh, not
   * cached; meant for admin tools and audit, not the request path.
   */
  explain(subject: string, permission: string, tenantId: string | null = null): AccessExplanation {
    const checked = this.#parse(permission);
    const grants: { role: string; scope: GrantScope }[] = [];
    if (tenantId !== null)
      for (const role of this.#grants.rolesIn(subject, tenantId)) grants.push({ role, scope: tenantId });
    for (const role of this.#grants.rolesIn(subject, null)) grants.push({ role, scope: null });
    const matching = (role: StoredRole): string | undefined =>
      role.permissions.find((p) => p === checked.exact || p === checked.anyAction || p === ALL_PERMISSIONS);
    const found = this.#roles.shortestPath(
      grants.map((grant) => grant.role),
      matching,
    );
    if (!found) return { allowed: false, via: [] };
    const grant = grants[found.start]!;
    const where = grant.scope === null ? '(global)' : `in tenant ${grant.scope}`;
    return {
      allowed: true,
      via: [
        `grant: ${subject} as ${grant.role} ${where}`,
        ...found.roles.map((role) => `role: ${role}`),
        `permission: ${found.permission}`,
      ],
    };
  }

  /** Every permission string `subject` holds in `tenantId` (global grants included), wildcards and `:own` as granted. */
  effectivePermissions(subject: string, tenantId: string | null = null): ReadonlySet<string> {
    return this.#effective(subject, tenantId);
  }

  /**
   * The ids of every role `subject` holds in `tenantId`: granted there or globally, plus what those inherit
   * (transitively). Not cached: for `requireRole` and role listings, not the permission hot path.
   */
  heldRoles(subject: string, tenantId: string | null = null): Set<string> {
    const held = new Set<string>();
    const starts = [...this.#grants.rolesIn(subject, null)];
    if (tenantId !== null) starts.push(...this.#grants.rolesIn(subject, tenantId));
    this.#roles.forEachReachable(starts, (role) => held.add(role.id));
    return held;
  }

  /** Every permission of role `id` and the roles it inherits (transitively), as granted. */
  rolePermissions(id: string): string[] {
    const permissions = new Set<string>();
    this.#roles.forEachReachable([id], (role) => {
      for (const permission of role.permissions) permissions.add(permission);
    });
    return [...permissions].sort();
  }

  /**
   * Drops cached decisions, for changes made elsewhere (another node's broker event): everything; one
   * subject's entries; one subject's entry for one scope (`null` = outside any tenant); or, with `subject`
   * undefined, every subject's entry for one tenant.
   */
  invalidate(subject?: string, tenantId?: string | null): void {
    if (subject === undefined && tenantId === undefined) {
      for (const entries of this.#cache.values()) this.#invalidated += entries.size;
      this.#cache.clear();
    } else if (subject === undefined) {
      for (const cached of [...this.#cache.keys()]) this.#drop(cached, tenantId ?? null);
    } else if (tenantId === undefined) {
      this.#dropSubject(subject);
    } else {
      this.#drop(subject, tenantId);
    }
  }

  cacheStats(): AccessCacheStats {
    let entries = 0;
    for (const scopes of this.#cache.values()) entries += scopes.size;
    return { computed: this.#computed, invalidated: this.#invalidated, entries };
  }

  #parse(permission: string): CheckedPermission {
    let checked = this.#parsed.get(permission);
    if (checked === undefined) {
      checked = parseCheckedPermission(permission);
      if (this.#parsed.size >= MAX_PARSED_PERMISSIONS) this.#parsed.clear();
      this.#parsed.set(permission, checked);
    }
    return checked;
  }

  #effective(subject: string, scope: GrantScope): ReadonlySet<string> {
    const cached = this.#cache.get(subject)?.get(scope);
    if (cached !== undefined) return cached;
    const global = this.#grants.rolesIn(subject, null);
    const local = scope === null ? NOTHING : this.#grants.rolesIn(subject, scope);
    // A subject with no grants is not cached: unknown ids must not grow the cache.
    if (global.size === 0 && local.size === 0) return NOTHING;
    const permissions = new Set<string>();
    this.#roles.forEachReachable([...local, ...global], (role) => {
      for (const permission of role.permissions) permissions.add(permission);
    });
    this.#computed++;
    let scopes = this.#cache.get(subject);
    if (!scopes) {
      scopes = new Map();
      this.#cache.set(subject, scopes);
    }
    scopes.set(scope, permissions);
    return permissions;
  }

  #invalidateHolders(roles: ReadonlySet<string>): void {
    for (const role of roles) {
      for (const [subject, scopes] of this.#grants.holdersOf(role) ?? []) {
        for (const scope of scopes) this.#invalidateHolder(subject, scope);
      }
    }
  }

  /** A change to what `subject` holds in `scope`: a global one reaches every scope of that subject. */
  #invalidateHolder(subject: string, scope: GrantScope): void {
    if (scope === null) this.#dropSubject(subject);
    else this.#drop(subject, scope);
  }

  #dropSubject(subject: string): void {
    const scopes = this.#cache.get(subject);
    if (!scopes) return;
    this.#invalidated += scopes.size;
    this.#cache.delete(subject);
  }

  #drop(subject: string, scope: GrantScope): void {
    const scopes = this.#cache.get(subject);
    if (!scopes?.delete(scope)) return;
    this.#invalidated++;
    if (scopes.size === 0) this.#cache.delete(subject);
  }
}
