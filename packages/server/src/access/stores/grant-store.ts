import type { Announcing } from '../../core/events.ts';

export type GrantSubjectType = 'user' | 'api_key' | 'service';

export const GRANT_SUBJECT_TYPES: readonly GrantSubjectType[] = ['user', 'api_key', 'service'];

export interface GrantSubject {
  type: GrantSubjectType;
  id: string;
}

export interface Grant {
  /** Random, 128 bits, base64url. */
  id: string;
  subject: GrantSubject;
  roleId: string;
  /** null for a global grant, which holds in every tenant. */
  tenantId: string | null;
  createdBy: string | null;
  createdAt: Date;
}

/** What makes a grant unique. */
export interface GrantKey {
  subject: GrantSubject;
  roleId: string;
  tenantId: string | null;
}

export interface AddGrantInput extends GrantKey {
  createdBy?: string | null;
}

/** Which subject holds which role where. Every list is oldest grant first. */
export interface GrantStore {
  /**
   * Idempotent: granting the same role again returns the existing grant unchanged. The role must be a
   * system role or, for a tenant grant, a role of that tenant; otherwise `ValidationError` on `roleId`.
   * `announce` (the transactional outbox, core/events.ts): the events to write with the grant, in its
   * transaction; the same for `remove`.
   */
  add(input: AddGrantInput, options?: Announcing<Grant>): Promise<Grant>;
  remove(key: GrantKey, options?: Announcing<boolean>): Promise<boolean>;
  /** The grant with this id, in any scope: for the system admin API only. */
  get(id: string): Promise<Grant | null>;
  /**
   * The subject's grants that hold in `tenantId`: the global ones plus that tenant's, never another
   * tenant's. With null, only the global ones.
   */
  listBySubject(subject: GrantSubject, tenantId: string | null): Promise<Grant[]>;
  /** The grants made in one tenant (global grants are not listed). */
  listByTenant(tenantId: string): Promise<Grant[]>;
  /** The grants of one role in one tenant, or its global grants when `tenantId` is null. */
  listByRole(roleId: string, tenantId: string | null): Promise<Grant[]>;
}
