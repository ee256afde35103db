import { ValidationError } from '../../core/errors.ts';
import type { Access } from '../access.ts';
import type { Grant, GrantKey } from '../stores/grant-store.ts';
import { type AdminActor, assertDelegable } from './delegation.ts';
import { RoleCatalog } from './role-catalog.ts';

/**
 * Granting and revoking roles through `/admin/api/grants`. The actor must hold, in the grant's scope (a
 * tenant, or globally), every permission the role gives (its own and inherited ones), both to grant it and
 * to revoke it. Each write calls `changed()`, so `can()` answers differently at once, and emits
 * `grant.created` / `grant.deleted`.
 */

function unknownRole(): ValidationError {
  return new ValidationError([
    { location: 'body', path: 'role_id', message: 'No such role is available here.', code: 'unknown_role' },
  ]);
}

/** What the role of a grant gives in its scope; the role must be grantable there. */
async function roleGives(access: Access, key: Pick<GrantKey, 'roleId' | 'tenantId'>): Promise<string[]> {
  const catalog = await RoleCatalog.forGrants(access.roles, key.tenantId);
  const role = catalog.get(key.roleId);
  if (role === undefined || role.scope === 'template') throw unknownRole();
  return catalog.givenBy(role);
}

/** Adds the grant, or returns the existing one with `created: false` (no event, no change). */
export async function createGrant(
  access: Access,
  actor: AdminActor,
  key: GrantKey,
): Promise<{ grant: Grant; created: boolean }> {
  await assertDelegable(access, actor, await roleGives(access, key), key.tenantId);
  const existing = (await access.grants.listBySubject(key.subject, key.tenantId)).find(
    (grant) => grant.roleId === key.roleId && grant.tenantId === key.tenantId,
  );
  if (existing !== undefined) return { grant: existing, created: false };
  const grant = await access.grants.add({ ...key, createdBy: actor.principal.id });
  await access.control.changed({ kind: 'grant', tenantId: grant.tenantId, subjects: [grant.subject] });
  await emitGrantEvent(access, actor, 'grant.created', grant);
  return { grant, created: true };
}

/** Revokes the grant; false when it was already gone. */
export async function deleteGrant(access: Access, actor: AdminActor, grant: Grant): Promise<boolean> {
  const catalog = await RoleCatalog.forGrants(access.roles, grant.tenantId);
  const role = catalog.get(grant.roleId);
  // A grant whose role is gone gives nothing; anyone with grants:write may clear it.
  await assertDelegable(access, actor, role === undefined ? [] : catalog.givenBy(role), grant.tenantId);
  const removed = await access.grants.remove(grant);
  if (!removed) return false;
  await access.control.changed({ kind: 'grant', tenantId: grant.tenantId, subjects: [grant.subject] });
  await emitGrantEvent(access, actor, 'grant.deleted', grant);
  return true;
}

function emitGrantEvent(
  access: Access,
  actor: AdminActor,
  type: 'grant.created' | 'grant.deleted',
  grant: Grant,
): Promise<void> {
  return access.events.emit({
    type,
    actor: actor.principal.id,
    ...actor.origin,
    subject: grant.subject.type === 'user' ? grant.subject.id : null,
    data: {
      grantId: grant.id,
      subject: grant.subject,
      roleId: grant.roleId,
      tenantId: grant.tenantId,
    },
  });
}
