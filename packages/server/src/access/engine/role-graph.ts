import { InvalidRoleError, quoteValue, RoleCycleError } from './access-errors.ts';
import { assertGrantablePermission } from './permission.ts';

/**
 * A role as the engine sees it. Whether it is a system role, a tenant's own role or a per-tenant template is
 * the storage layer's business: the engine needs only the id, the permissions and what it inherits.
 */
export interface RoleDefinition {
  readonly id: string;
  readonly permissions: readonly string[];
  /** Ids of roles whose permissions this role also has, transitively. */
  readonly inherits?: readonly string[];
}

/** A validated role with duplicates removed, in first-seen order. */
export interface StoredRole {
  readonly id: string;
  readonly permissions: readonly string[];
  readonly inherits: readonly string[];
}

function uniqueStrings(roleId: string, field: string, values: unknown): string[] {
  if (!Array.isArray(values)) {
    throw new InvalidRoleError(`Role ${quoteValue(roleId)}: ${field} must be an array of strings.`);
  }
  for (const value of values) {
    if (typeof value !== 'string' || value === '') {
      throw new InvalidRoleError(
        `Role ${quoteValue(roleId)}: ${field} holds ${quoteValue(value)}, not a role id.`,
      );
    }
  }
  return [...new Set(values as string[])];
}

/** Validates a definition: a non-empty id, valid permission strings, and an inherits list of role ids. */
export function normalizeRole(role: RoleDefinition): StoredRole {
  if (typeof role?.id !== 'string' || role.id === '') {
    throw new InvalidRoleError(`A role needs a non-empty string id, got ${quoteValue(role?.id)}.`);
  }
  if (!Array.isArray(role.permissions)) {
    throw new InvalidRoleError(`Role ${quoteValue(role.id)}: permissions must be an array of strings.`);
  }
  for (const permission of role.permissions) assertGrantablePermission(permission);
  return {
    id: role.id,
    permissions: [...new Set(role.permissions)],
    inherits: uniqueStrings(role.id, 'inherits', role.inherits ?? []),
  };
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const members = new Set(a);
  return b.every((value) => members.has(value));
}

function sameRole(a: StoredRole | undefined, b: StoredRole | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return sameMembers(a.permissions, b.permissions) && sameMembers(a.inherits, b.inherits);
}

type InheritsOf = (id: string) => readonly string[];

/**
 * The first cycle reachable from `starts`, as a path that begins and ends with the same role, or `undefined`.
 * Iterative, so a long inheritance chain cannot overflow the stack.
 */
function findCycle(starts: Iterable<string>, inheritsOf: InheritsOf): string[] | undefined {
  const onPath = 1;
  const done = 2;
  const state = new Map<string, typeof onPath | typeof done>();
  for (const start of starts) {
    if (state.has(start)) continue;
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    state.set(start, onPath);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const inherits = inheritsOf(top.id);
      const child = inherits[top.next++];
      if (child === undefined) {
        state.set(top.id, done);
        stack.pop();
      } else if (state.get(child) === onPath) {
        const from = stack.findIndex((frame) => frame.id === child);
        return [...stack.slice(from).map((frame) => frame.id), child];
      } else if (!state.has(child)) {
        state.set(child, onPath);
        stack.push({ id: child, next: 0 });
      }
    }
  }
  return undefined;
}

/**
 * Roles and their inheritance DAG. Every change returns the roles whose effective permissions it may have
 * changed (the changed role and every role inheriting it, transitively), so the engine can drop exactly the
 * cached decisions of the subjects holding them.
 *
 * An `inherits` entry naming an unknown role contributes nothing until that role is defined: the engine is a
 * function of its roles and grants, whatever order they arrive in.
 */
export class RoleGraph {
  #roles = new Map<string, StoredRole>();
  /** role id → ids of the roles that list it in `inherits` (known or not yet defined). */
  #inheritedBy = new Map<string, Set<string>>();

  get size(): number {
    return this.#roles.size;
  }

  get(id: string): StoredRole | undefined {
    return this.#roles.get(id);
  }

  /** Replaces every role. Throws (and changes nothing) on an invalid role, a duplicate id or a cycle. */
  replaceAll(definitions: readonly RoleDefinition[]): Set<string> {
    const next = new Map<string, StoredRole>();
    for (const definition of definitions) {
      const role = normalizeRole(definition);
      if (next.has(role.id)) throw new InvalidRoleError(`Role ${quoteValue(role.id)} is defined twice.`);
      next.set(role.id, role);
    }
    const cycle = findCycle(next.keys(), (id) => next.get(id)?.inherits ?? []);
    if (cycle) throw new RoleCycleError(cycle);

    const changed: string[] = [];
    for (const [id, role] of next) if (!sameRole(this.#roles.get(id), role)) changed.push(id);
    for (const id of this.#roles.keys()) if (!next.has(id)) changed.push(id);
    const affected = this.affectedBy(changed);
    this.#roles = next;
    this.#inheritedBy = new Map();
    for (const role of next.values()) this.#link(role);
    for (const id of this.affectedBy(changed)) affected.add(id);
    return affected;
  }

  /** Adds or replaces one role. Throws (and changes nothing) on an invalid role or a cycle. */
  upsert(definition: RoleDefinition): Set<string> {
    const role = normalizeRole(definition);
    const previous = this.#roles.get(role.id);
    if (sameRole(previous, role)) return new Set();
    const cycle = findCycle([role.id], (id) =>
      id === role.id ? role.inherits : (this.#roles.get(id)?.inherits ?? []),
    );
    if (cycle) throw new RoleCycleError(cycle);
    if (previous) this.#unlink(previous);
    this.#roles.set(role.id, role);
    this.#link(role);
    return this.affectedBy([role.id]);
  }

  /** Removes a role; roles inheriting it keep the reference, which contributes nothing while it is unknown. */
  remove(id: string): Set<string> {
    const previous = this.#roles.get(id);
    if (!previous) return new Set();
    this.#unlink(previous);
    this.#roles.delete(id);
    return this.affectedBy([id]);
  }

  /** `ids` and every role that inherits one of them, directly or transitively. */
  affectedBy(ids: Iterable<string>): Set<string> {
    const affected = new Set<string>();
    const pending = [...ids];
    for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
      if (affected.has(id)) continue;
      affected.add(id);
      for (const parent of this.#inheritedBy.get(id) ?? []) pending.push(parent);
    }
    return affected;
  }

  /** Calls `visit` once for every known role reachable from `ids` (themselves included). */
  forEachReachable(ids: Iterable<string>, visit: (role: StoredRole) => void): void {
    const seen = new Set<string>();
    const pending = [...ids];
    for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
      if (seen.has(id)) continue;
      seen.add(id);
      const role = this.#roles.get(id);
      if (!role) continue;
      visit(role);
      for (const child of role.inherits) if (!seen.has(child)) pending.push(child);
    }
  }

  /**
   * The shortest inheritance path from one of `starts` to a role for which `pick` returns a permission, as
   * `{ start, roles, permission }` (`roles[0]` is `starts[start]`); `undefined` when no reachable role has one.
   */
  shortestPath(
    starts: readonly string[],
    pick: (role: StoredRole) => string | undefined,
  ): { start: number; roles: string[]; permission: string } | undefined {
    const parent = new Map<string, string | null>();
    const queue: string[] = [];
    for (const id of starts) {
      if (parent.has(id)) continue;
      parent.set(id, null);
      queue.push(id);
    }
    for (let head = 0; head < queue.length; head++) {
      const id = queue[head]!;
      const role = this.#roles.get(id);
      if (!role) continue;
      const permission = pick(role);
      if (permission !== undefined) {
        const roles = [id];
        for (let up = parent.get(id); up != null; up = parent.get(up)) roles.unshift(up);
        return { start: starts.indexOf(roles[0]!), roles, permission };
      }
      for (const child of role.inherits) {
        if (parent.has(child)) continue;
        parent.set(child, id);
        queue.push(child);
      }
    }
    return undefined;
  }

  #link(role: StoredRole): void {
    for (const child of role.inherits) {
      let parents = this.#inheritedBy.get(child);
      if (!parents) {
        parents = new Set();
        this.#inheritedBy.set(child, parents);
      }
      parents.add(role.id);
    }
  }

  #unlink(role: StoredRole): void {
    for (const child of role.inherits) {
      const parents = this.#inheritedBy.get(child);
      parents?.delete(role.id);
      if (parents?.size === 0) this.#inheritedBy.delete(child);
    }
  }
}
