import type { Announcing } from '../../core/events.ts';
import type { JsonObject } from './json-text.ts';

/** Per-tenant settings, a JSON object such as `{ "require_mfa": false }`. */
export type TenantSettings = JsonObject;

export interface Tenant {
  /** Random, 128 bits, base64url. */
  id: string;
  name: string;
  /** Lower-case letters, digits and inner hyphens, 1 to 63 characters; unique. */
  slug: string;
  settings: TenantSettings;
  /** The user who created it; made its first member. */
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface CreateTenantInput {
  name: string;
  /** Lower-cased before it is checked and stored. */
  slug: string;
  settings?: TenantSettings;
  createdBy: string;
}

export interface UpdateTenantInput {
  name?: string;
  slug?: string;
  /** Replaces the settings object as a whole. */
  settings?: TenantSettings;
}

/** Where tenants live. */
export interface TenantStore {
  /**
   * Creates the tenant and the creator's membership in one transaction. Throws `ValidationError` for an
   * empty name or malformed slug, `TenantSlugTakenError` when the slug is in use.
   */
  create(input: CreateTenantInput): Promise<Tenant>;
  get(id: string): Promise<Tenant | null>;
  /** Any casing of the slug finds the tenant. */
  getBySlug(slug: string): Promise<Tenant | null>;
  /** The tenants the user is a member of, oldest membership first. */
  listForUser(userId: string): Promise<Tenant[]>;
  /**
   * Returns the tenant as stored afterwards, or null for an unknown id; moves `updatedAt`. `announce` (the
   * transactional outbox, core/events.ts): the events to write with the change, in its transaction.
   */
  update(id: string, changes: UpdateTenantInput, options?: Announcing<Tenant | null>): Promise<Tenant | null>;
  /**
   * Deletes the tenant with its memberships, grants, invitations and tenant roles, in one transaction, with
   * the events `announce` returns.
   */
  delete(id: string, options?: Announcing<boolean>): Promise<boolean>;
}
