import { NotFoundError, ValidationError } from '../../core/errors.ts';
import type { EventSpec } from '../../core/events.ts';
import type { Access } from '../access.ts';
import { TENANT_OWNER_ROLE } from '../default-roles.ts';
import type { Grant, GrantKey } from '../stores/grant-store.ts';
import type { KeepOwnerOutcome, Membership } from '../stores/membership-store.ts';
import { LastOwnerError } from '../tenant-errors.ts';
import { type AdminActor, assertDelegable } from './delegation.ts';
import { RoleCatalog } from './role-catalog.ts';

/**
 * Granting and revoking roles through `/admin/api/grants` (and revoking through `/tenants/:tenantId/grants`). The actor must hold, in the grant's scope (a
 * tenant, or globally), every permission the role gives (its own and inherited ones), both to grant it and
 * to revoke it. Each write calls `changed()`, so `can()` answers differently at once, and writes
 * `grant.created` / `grant.deleted` in its transaction.
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

/**
 * Adds the grant, or returns the existing one with `created: false` (no event, no change). A user granted a
 * role in a tenant they do not belong to becomes a member first (`memberAdded`, event `member.added`), so the
 * tenant's member list and its owners see everyone who holds a role there.
 */
export async function createGrant(
  access: Access,
  actor: AdminActor,
  key: GrantKey,
): Promise<{ grant: Grant; created: boolean; memberAdded: boolean }> {
  await assertDelegable(access, actor, await roleGives(access, key), key.tenantId);
  const memberAdded = await ensureMember(access, actor, key);
  const existing = (await access.grants.listBySubject(key.subject, key.tenantId)).find(
    (grant) => grant.roleId === key.roleId && grant.tenantId === key.tenantId,
  );
  if (existing !== undefined) {
    if (memberAdded)
      await access.control.changed({ kind: 'grant', tenantId: key.tenantId, subjects: [key.subject] });
    return { grant: existing, created: false, memberAdded };
  }
  const grant = await access.events.change<Grant>(
    (announce) => access.grants.add({ ...key, createdBy: actor.principal.id }, { announce }),
    (made) => [grantEvent(actor, 'grant.created', made)],
  );
  await access.control.changed({ kind: 'grant', tenantId: grant.tenantId, subjects: [grant.subject] });
  return { grant, created: true, memberAdded };
}

/** Makes a user subject of a tenant grant a member of that tenant; true when they were not one. */
async function ensureMember(access: Access, actor: AdminActor, key: GrantKey): Promise<boolean> {
  if (key.subject.type !== 'user' || key.tenantId === null) return false;
  if (await access.memberships.isMember(key.tenantId, key.subject.id)) return false;
  if ((await access.tenants.get(key.tenantId)) === null) {
    throw new ValidationError([
      { location: 'body', path: 'tenant_id', message: 'No such tenant.', code: 'unknown_tenant' },
    ]);
  }
  const { tenantId, subject, roleId } = key;
  await access.events.change<Membership>(
    (announce) => access.memberships.add(tenantId, subject.id, { announce }),
    () => [
      {
        type: 'member.added',
        payload: {
          actor: actor.principal.id,
          ...actor.origin,
          subject: subject.id,
          data: { tenantId, via: 'grant', roleId },
        },
      },
    ],
  );
  return true;
}

/** Revokes the grant; false when it was already gone. */
export async function deleteGrant(access: Access, actor: AdminActor, grant: Grant): Promise<boolean> {
  const catalog = await RoleCatalog.forGrants(access.roles, grant.tenantId);
  const role = catalog.get(grant.roleId);
  // A grant whose role is gone gives nothing; anyone with grants:write may clear it.
  await assertDelegable(access, actor, role === undefined ? [] : catalog.givenBy(role), grant.tenantId);
  const removed = await access.events.change<boolean>(
    (announce) => access.grants.remove(grant, { announce }),
    (done) => (done ? [grantEvent(actor, 'grant.deleted', grant)] : []),
  );
  if (!removed) return false;
  await access.control.changed({ kind: 'grant', tenantId: grant.tenantId, subjects: [grant.subject] });
  return true;
}

/**
 * Revokes a grant of tenant `tenantId` through `/tenants/:tenantId/grants` (404 for another tenant's or a
 * global grant). Held to delegation like the global API, and also to the last-owner rule: taking `owner` from
 * the tenant's last owner is 409 `LIFT_LAST_OWNER`, decided in the same locking transaction as the change.
 */
export async function deleteTenantGrant(
  access: Access,
  actor: AdminActor,
  tenantId: string,
  grantId: string,
): Promise<void> {
  const grant = await access.grants.get(grantId);
  if (grant === null || grant.tenantId !== tenantId) throw new NotFoundError('No such grant in this tenant.');
  const catalog = await RoleCatalog.forGrants(access.roles, tenantId);
  const role = catalog.get(grant.roleId);
  await assertDelegable(access, actor, role === undefined ? [] : catalog.givenBy(role), tenantId);
  const userId = grant.subject.type === 'user' ? grant.subject.id : null;
  const ownerRole = role?.scope === 'tenant' && role.name === TENANT_OWNER_ROLE ? role : undefined;
  if (userId !== null && ownerRole !== undefined && (await access.memberships.isMember(tenantId, userId))) {
    const kept = (await access.grants.listBySubject(grant.subject, tenantId))
      .filter((held) => held.tenantId === tenantId && held.id !== grant.id)
      .map((held) => held.roleId);
    let outcome: KeepOwnerOutcome;
    try {
      const change = { action: 'set_roles' as const, roleIds: kept, createdBy: actor.principal.id };
      outcome = await access.events.change<KeepOwnerOutcome>(
        (announce) =>
          access.memberships.changeKeepingOwner(
            { tenantId, userId, ownerRoleId: ownerRole.id, change },
            { announce },
          ),
        (result) => (result === 'changed' ? [grantEvent(actor, 'grant.deleted', grant)] : []),
      );
    } finally {
      await access.control.changed({ kind: 'grant', tenantId, subjects: [grant.subject] });
    }
    if (outcome === 'last_owner') {
      access.events.emit('access.denied', {
        actor: actor.principal.id,
        ...actor.origin,
        reason: 'last_owner',
        data: { tenantId, userId },
      });
      throw new LastOwnerError();
    }
    if (outcome === 'not_member') throw new NotFoundError('No such grant in this tenant.');
    return;
  }
  if (!(await deleteGrant(access, actor, grant))) throw new NotFoundError('No such grant in this tenant.');
}

/** `grant.created` / `grant.deleted`, written with the change (the transactional outbox, core/events.ts). */
function grantEvent(actor: AdminActor, type: 'grant.created' | 'grant.deleted', grant: Grant): EventSpec {
  const payload = {
    actor: actor.principal.id,
    ...actor.origin,
    subject: grant.subject.type === 'user' ? grant.subject.id : null,
    data: {
      grantId: grant.id,
      subject: grant.subject,
      roleId: grant.roleId,
      tenantId: grant.tenantId,
    },
  };
  return { type, payload };
}
