import { InvalidAccessGrantError, quoteValue } from './access-errors.ts';

/** A tenant id, or `null` for global: a global grant applies in every tenant and outside any tenant. */
export type GrantScope = string | null;

/** `subject` holds `role` in `tenantId`. Subjects are opaque ids: users, API keys, service accounts. */
export interface Grant {
  readonly subject: string;
  readonly role: string;
  /** Required even when global (`null`), so a forgotten field never widens a grant to every tenant. */
  readonly tenantId: GrantScope;
}

function assertGrant(grant: Grant): void {
  if (typeof grant?.subject !== 'string' || grant.subject === '') {
    throw new InvalidAccessGrantError(
      `A grant needs a non-empty subject id, got ${quoteValue(grant?.subject)}.`,
    );
  }
  if (typeof grant.role !== 'string' || grant.role === '') {
    throw new InvalidAccessGrantError(`A grant needs a non-empty role id, got ${quoteValue(grant.role)}.`);
  }
  if (grant.tenantId !== null && (typeof grant.tenantId !== 'string' || grant.tenantId === '')) {
    throw new InvalidAccessGrantError(
      `A grant's tenantId is a non-empty tenant id or null for global, got ${quoteValue(grant.tenantId)}.`,
    );
  }
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): boolean {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  if (set.has(value)) return false;
  set.add(value);
  return true;
}

function deleteFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): boolean {
  const set = map.get(key);
  if (!set?.delete(value)) return false;
  if (set.size === 0) map.delete(key);
  return true;
}

const NO_ROLES: ReadonlySet<string> = new Set();

/**
 * Grants indexed both ways: by subject and scope (what a decision reads) and by role (who must be
 * re-evaluated when a role changes). A grant naming an unknown role is kept and grants nothing until the role
 * is defined.
 */
export class GrantIndex {
  readonly #bySubject = new Map<string, Map<GrantScope, Set<string>>>();
  readonly #byRole = new Map<string, Map<string, Set<GrantScope>>>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds a grant; `false` when it was already there. */
  add(grant: Grant): boolean {
    assertGrant(grant);
    let scopes = this.#bySubject.get(grant.subject);
    if (!scopes) {
      scopes = new Map();
      this.#bySubject.set(grant.subject, scopes);
    }
    if (!addTo(scopes, grant.tenantId, grant.role)) return false;
    let holders = this.#byRole.get(grant.role);
    if (!holders) {
      holders = new Map();
      this.#byRole.set(grant.role, holders);
    }
    addTo(holders, grant.subject, grant.tenantId);
    this.#size++;
    return true;
  }

  /** Removes a grant; `false` when there was none. */
  remove(grant: Grant): boolean {
    assertGrant(grant);
    const scopes = this.#bySubject.get(grant.subject);
    if (!scopes || !deleteFrom(scopes, grant.tenantId, grant.role)) return false;
    if (scopes.size === 0) this.#bySubject.delete(grant.subject);
    const holders = this.#byRole.get(grant.role);
    if (holders) {
      deleteFrom(holders, grant.subject, grant.tenantId);
      if (holders.size === 0) this.#byRole.delete(grant.role);
    }
    this.#size--;
    return true;
  }

  /** Roles granted to `subject` in exactly `scope` (not including global ones for a tenant). */
  rolesIn(subject: string, scope: GrantScope): ReadonlySet<string> {
    return this.#bySubject.get(subject)?.get(scope) ?? NO_ROLES;
  }

  /** Subjects holding `role` directly, each with the scopes they hold it in. */
  holdersOf(role: string): ReadonlyMap<string, ReadonlySet<GrantScope>> | undefined {
    return this.#byRole.get(role);
  }
}
