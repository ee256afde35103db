import type { Announcing } from '../../core/events.ts';

export type RoleScope = 'system' | 'tenant' | 'template';

/**
 * Who a role belongs to: the system (usable in every tenant), the templates (blueprints copied into
 * tenants, never granted), or one tenant.
 */
export type RoleOwner = { scope: 'system' } | { scope: 'template' } | { scope: 'tenant'; tenantId: string };

export interface Role {
  /** Random, 128 bits, base64url. */
  id: string;
  scope: RoleScope;
  /** Set exactly when `scope` is 'tenant'. */
  tenantId: string | null;
  /** Unique within its owner. */
  name: string;
  description: string | null;
  /** Distinct, in the order given. */
  permissions: string[];
  /** Ids of the roles whose permissions this role also has; distinct, in the order given. */
  inherits: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface CreateRoleInput {
  owner: RoleOwner;
  name: string;
  description?: string | null;
  permissions?: string[];
  inherits?: string[];
}

export interface UpdateRoleInput {
  name?: string;
  description?: string | null;
  /** Replaces the list. */
  permissions?: string[];
  /** Replaces the list. */
  inherits?: string[];
}

/**
 * Roles and their inheritance. Every method takes the owner, so a query for tenant A never reads or
 * changes B's roles. A role may inherit only roles its owner can see: system roles inherit system roles;
 * templates inherit system roles and templates; a tenant's roles inherit system roles and that tenant's.
 */
export interface RoleStore {
  /**
   * Throws `RoleNameTakenError` when the owner has a role of that name, `ValidationError` for an empty
   * name, a malformed permission, or an inherited role that does not exist or is not visible. `announce`
   * (the transactional outbox, core/events.ts): the events to write with the role, in its transaction; the
   * same for `update` and `delete`.
   */
  create(input: CreateRoleInput, options?: Announcing<Role>): Promise<Role>;
  get(owner: RoleOwner, id: string): Promise<Role | null>;
  /** The role with this id whoever owns it: for the system admin API only, never for a tenant's request. */
  findById(id: string): Promise<Role | null>;
  /** The owner's roles by name. */
  list(owner: RoleOwner): Promise<Role[]>;
  /**
   * The roles among `ids` that hold in `tenantId`: system roles plus, when given, that tenant's roles.
   * What an authorizer resolves grants and inheritance with.
   */
  findVisible(tenantId: string | null, ids: readonly string[]): Promise<Role[]>;
  /** As `create` for its checks, plus `ValidationError` on `inherits` when the change would make a cycle. */
  update(
    owner: RoleOwner,
    id: string,
    changes: UpdateRoleInput,
    options?: Announcing<Role | null>,
  ): Promise<Role | null>;
  /**
   * Deletes the role, its grants and the pending invitations that name it, and removes it from the
   * `inherits` of other roles, in one transaction.
   */
  delete(owner: RoleOwner, id: string, options?: Announcing<boolean>): Promise<boolean>;
}
