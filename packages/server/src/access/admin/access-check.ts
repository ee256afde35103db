import { ValidationError } from '../../core/errors.ts';
import type { UserDirectory } from '../../identity/index.ts';
import type { Access } from '../access.ts';
import { scopeOf } from '../access-scope.ts';
import { parseCheckedPermission } from '../engine/permission.ts';
import { GRANT_SUBJECT_TYPES, type GrantSubject, type GrantSubjectType } from '../stores/grant-store.ts';
import type { Role } from '../stores/role-store.ts';
import type { Tenant } from '../stores/tenant-store.ts';

/**
 * "May this subject do that, and why?" for `POST /admin/api/access/check` and `lift access check`: resolves
 * the subject (a user by id or email, or `type:id`) and the tenant (id or slug), then renders the engine's
 * explanation with role names: `grant: user:<id> as owner in tenant acme`, `role: owner`, `role: admin`,
 * `permission: members:*`.
 */

export interface AccessCheckResult {
  allowed: boolean;
  subject: GrantSubject;
  permission: string;
  tenant: Pick<Tenant, 'id' | 'slug'> | null;
  /** The chain grant → role → … → permission; empty when denied. */
  via: string[];
}

function issue(path: string, message: string, location: 'body' | 'query' = 'body'): ValidationError {
  return new ValidationError([{ location, path, message, code: 'invalid_value' }]);
}

/**
 * A subject given as `{ type, id }`, `type:id` (`user:…`, `api_key:…`, `service:…`), an email address or a
 * bare user id. Users must exist (400 on `subject` otherwise); keys and services are taken as given.
 */
export async function resolveSubject(
  users: UserDirectory,
  input: string | { type: string; id: string },
): Promise<GrantSubject> {
  let type: string;
  let id: string;
  if (typeof input !== 'string') ({ type, id } = input);
  else if (input.includes('@')) {
    const user = await users.findByEmail(input);
    if (user === null) throw issue('subject', 'No user has this email address.');
    return { type: 'user', id: user.id };
  } else {
    const colon = input.indexOf(':');
    const prefix = input.slice(0, colon);
    const typed = colon > 0 && GRANT_SUBJECT_TYPES.includes(prefix as GrantSubjectType);
    type = typed ? prefix : 'user';
    id = typed ? input.slice(colon + 1) : input;
  }
  if (!GRANT_SUBJECT_TYPES.includes(type as GrantSubjectType)) {
    throw issue('subject.type', 'A subject is a user, api_key or service.');
  }
  if (id === '') throw issue('subject', 'The subject needs an id.');
  if (type === 'user' && (await users.findById(id)) === null) {
    throw issue('subject', 'No user has this id.');
  }
  return { type: type as GrantSubjectType, id };
}

/** A tenant by id or slug; 400 on `tenant` when neither finds one. */
export async function resolveTenant(access: Access, idOrSlug: string): Promise<Tenant> {
  const tenant = (await access.tenants.get(idOrSlug)) ?? (await access.tenants.getBySlug(idOrSlug));
  if (tenant === null) throw issue('tenant', 'No tenant has this id or slug.');
  return tenant;
}

function label(role: Role | undefined, id: string): string {
  if (role === undefined) return id;
  return role.scope === 'system' ? `${role.name} (system)` : role.name;
}

/**
 * Explains `permission` for `subject` in `tenant` (null: global grants only) from this node's decisions.
 * Throws `InvalidPermissionError` (400 `LIFT_PERMISSION_INVALID`) for a malformed permission.
 */
export async function checkAccess(
  access: Access,
  subject: GrantSubject,
  permission: string,
  tenant: Tenant | null,
): Promise<AccessCheckResult> {
  parseCheckedPermission(permission);
  const tenantId = tenant?.id ?? null;
  const explanation = access.control.explain(subject, permission, scopeOf(tenantId));
  const roleIds = explanation.via.filter((step) => step.startsWith('role: ')).map((step) => step.slice(6));
  const roles = new Map(
    (await access.roles.findVisible(tenantId, roleIds)).map((role) => [role.id, role] as const),
  );
  const first = roleIds[0];
  const via = explanation.via.map((step) => {
    if (step.startsWith('role: ')) {
      const id = step.slice(6);
      return `role: ${label(roles.get(id), id)}`;
    }
    if (step.startsWith('grant: ') && first !== undefined) {
      const scope = step.endsWith('(global)') ? 'globally' : `in tenant ${tenant?.slug ?? tenantId}`;
      return `grant: ${subject.type}:${subject.id} as ${label(roles.get(first), first)} ${scope}`;
    }
    return step;
  });
  return {
    allowed: explanation.allowed,
    subject,
    permission,
    tenant: tenant === null ? null : { id: tenant.id, slug: tenant.slug },
    via,
  };
}
