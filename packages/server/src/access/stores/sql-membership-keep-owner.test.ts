import { describe, expect, it } from 'vitest';
import { migratedSqlTargets, type OpenSql } from '../../../test/support/stores.ts';
import { ManualClock } from '../../core/clock.ts';
import type { MemberChange } from './membership-store.ts';
import { SqlGrantStore } from './sql-grant-store.ts';
import { SqlMembershipStore } from './sql-membership-store.ts';
import { SqlRoleStore } from './sql-role-store.ts';
import { SqlTenantStore } from './sql-tenant-store.ts';

/** `MembershipStore.changeKeepingOwner`: the last-owner rule decided inside one locking transaction. */

const START = Date.UTC(2026, 0, 1);

async function tenantWithOwners(open: OpenSql, owners: string[], others: string[] = []) {
  const clock = new ManualClock(START);
  const members = new SqlMembershipStore(open.database, { clock });
  const roles = new SqlRoleStore(open.database, { clock });
  const grants = new SqlGrantStore(open.database, { clock });
  const tenants = new SqlTenantStore(open.database, { clock });
  const tenant = await tenants.create({ name: 'Acme', slug: 'acme', createdBy: owners[0] ?? 'nobody' });
  const owner = await roles.create({ owner: { scope: 'tenant', tenantId: tenant.id }, name: 'owner' });
  const member = await roles.create({ owner: { scope: 'tenant', tenantId: tenant.id }, name: 'member' });
  for (const userId of owners) {
    await members.add(tenant.id, userId);
    await grants.add({ subject: { type: 'user', id: userId }, roleId: owner.id, tenantId: tenant.id });
  }
  for (const userId of others) {
    await members.add(tenant.id, userId);
    await grants.add({ subject: { type: 'user', id: userId }, roleId: member.id, tenantId: tenant.id });
  }
  /** The users granted `owner` in the tenant now, sorted. */
  const ownersNow = async () =>
    (await grants.listByRole(owner.id, tenant.id)).map((grant) => grant.subject.id).sort();
  const change = (userId: string, what: MemberChange) =>
    members.changeKeepingOwner({ tenantId: tenant.id, userId, ownerRoleId: owner.id, change: what });
  return { tenantId: tenant.id, owner, member, members, grants, ownersNow, change };
}

const remove: MemberChange = { action: 'remove' };
const setRoles = (roleIds: string[]): MemberChange => ({ action: 'set_roles', roleIds, createdBy: 'u-a' });

for (const target of await migratedSqlTargets('keep_owner', { withoutDefaultRoles: true })) {
  describe(`SqlMembershipStore.changeKeepingOwner on ${target.name}`, () => {
    it('removes and re-roles members but never the last owner, and says why it did nothing', async () => {
      const open = await target.open();
      const t = await tenantWithOwners(open, ['u-a', 'u-b'], ['u-c']);

      expect(await t.change('u-c', setRoles([t.owner.id, t.member.id]))).toBe('changed');
      expect(
        (await t.grants.listByTenant(t.tenantId)).filter((g) => g.subject.id === 'u-c').map((g) => g.roleId),
      ).toEqual(expect.arrayContaining([t.owner.id, t.member.id]));
      expect(await t.change('u-c', remove)).toBe('changed');
      expect(await t.members.isMember(t.tenantId, 'u-c')).toBe(false);
      expect(await t.change('u-c', remove)).toBe('not_member');
      expect(await t.change('u-a', setRoles([t.member.id]))).toBe('changed');
      expect(await t.ownersNow()).toEqual(['u-b']);

      // u-b is the last owner: neither removed nor demoted, and nothing about them changes.
      expect(await t.change('u-b', remove)).toBe('last_owner');
      expect(await t.change('u-b', setRoles([t.member.id]))).toBe('last_owner');
      expect(await t.change('u-b', setRoles([]))).toBe('last_owner');
      expect(await t.members.isMember(t.tenantId, 'u-b')).toBe(true);
      expect(await t.ownersNow()).toEqual(['u-b']);
      // Keeping owner among the new roles is no demotion.
      expect(await t.change('u-b', setRoles([t.owner.id, t.member.id]))).toBe('changed');

      // A role of no one here is refused before anything changes; an unknown tenant has no members.
      await expect(t.change('u-a', setRoles(['no-such-role']))).rejects.toMatchObject({
        code: 'LIFT_VALIDATION_FAILED',
      });
      expect(
        await t.members.changeKeepingOwner({
          tenantId: 'no-such-tenant',
          userId: 'u-a',
          ownerRoleId: null,
          change: remove,
        }),
      ).toBe('not_member');
      await open.close();
    });

    it('lets exactly one of two owners removing or demoting each other at the same instant succeed', async () => {
      const open = await target.open();
      const t = await tenantWithOwners(open, ['u-a', 'u-b']);
      for (let round = 0; round < 10; round++) {
        const outcomes = await Promise.all([
          t.change('u-a', round % 2 === 0 ? remove : setRoles([t.member.id])),
          t.change('u-b', round % 2 === 0 ? remove : setRoles([t.member.id])),
        ]);
        expect(outcomes.sort()).toEqual(['changed', 'last_owner']);
        const [survivor] = await t.ownersNow();
        expect(await t.ownersNow()).toHaveLength(1);
        // Put the other owner back for the next round.
        const other = survivor === 'u-a' ? 'u-b' : 'u-a';
        await t.members.add(t.tenantId, other);
        expect(await t.change(other, setRoles([t.owner.id]))).toBe('changed');
      }
      await open.close();
    });
  });
}
