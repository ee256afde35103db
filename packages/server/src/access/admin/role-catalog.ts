import type { Role, RoleOwner, RoleStore } from '../stores/role-store.ts';

/**
 * The roles one owner can see (a tenant: system roles and its own; templates: system roles and templates;
 * the system: system roles), read from the store for one write. The admin flows decide with it what a role
 * gives (for delegation), name an inheritance cycle, and resolve `inherits` given by name. Read from the
 * store rather than the node's engine, so a role another node created a moment ago is not missed: a
 * delegation check must fail closed.
 */
export class RoleCatalog {
  readonly #byId: Map<string, Role>;
  readonly #owner: RoleOwner;

  private constructor(owner: RoleOwner, roles: readonly Role[]) {
    this.#owner = owner;
    this.#byId = new Map(roles.map((role) => [role.id, role]));
  }

  /** The roles `owner`'s roles may inherit, and its own. */
  static async load(store: RoleStore, owner: RoleOwner): Promise<RoleCatalog> {
    const system = await store.list({ scope: 'system' });
    const own = owner.scope === 'system' ? [] : await store.list(owner);
    return new RoleCatalog(owner, [...own, ...system]);
  }

  /** The roles a grant may name in `tenantId` (null: global, system roles only). */
  static forGrants(store: RoleStore, tenantId: string | null): Promise<RoleCatalog> {
    return RoleCatalog.load(store, tenantId === null ? { scope: 'system' } : { scope: 'tenant', tenantId });
  }

  get(id: string): Role | undefined {
    return this.#byId.get(id);
  }

  /**
   * Role ids for `entries` given as ids or names. A name finds the owner's own role first, then a system
   * role. Anything unknown is kept as given, for the store to refuse.
   */
  resolve(entries: readonly string[]): string[] {
    return entries.map((entry) => {
      if (this.#byId.has(entry)) return entry;
      const named = [...this.#byId.values()].filter((role) => role.name === entry);
      const own = named.find((role) => role.scope === this.#owner.scope);
      return (own ?? named.find((role) => role.scope === 'system'))?.id ?? entry;
    });
  }

  /** Every permission a role with these permissions and parents gives, through inheritance, sorted. */
  gives(permissions: readonly string[], inherits: readonly string[]): string[] {
    const given = new Set(permissions);
    const seen = new Set<string>();
    const stack = [...inherits];
    for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
      if (seen.has(id)) continue;
      seen.add(id);
      const role = this.#byId.get(id);
      if (!role) continue;
      for (const permission of role.permissions) given.add(permission);
      stack.push(...role.inherits);
    }
    return [...given].sort();
  }

  /** What an existing role gives now. */
  givenBy(role: Role): string[] {
    return this.gives(role.permissions, role.inherits);
  }

  /**
   * The cycle role `role` would close by inheriting `inherits`, as names from `role` back to it
   * (`editor → reviewer → editor`), or undefined.
   */
  cycle(role: Pick<Role, 'id' | 'name'>, inherits: readonly string[]): string[] | undefined {
    const parent = new Map<string, string | null>();
    const queue: string[] = [];
    for (const id of inherits) {
      if (parent.has(id)) continue;
      parent.set(id, null);
      queue.push(id);
    }
    for (let head = 0; head < queue.length; head++) {
      const id = queue[head]!;
      if (id === role.id) {
        const path: string[] = [];
        for (let at: string | null | undefined = id; at != null; at = parent.get(at)) path.unshift(at);
        return [role.name, ...path.map((step) => (step === role.id ? role.name : this.#nameOf(step)))];
      }
      for (const next of this.#byId.get(id)?.inherits ?? []) {
        if (parent.has(next)) continue;
        parent.set(next, id);
        queue.push(next);
      }
    }
    return undefined;
  }

  #nameOf(id: string): string {
    return this.#byId.get(id)?.name ?? id;
  }
}
