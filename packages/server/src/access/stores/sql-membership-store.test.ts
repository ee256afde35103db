import { describe, expect, it } from 'vitest';
import { migratedSqlTargets, type OpenSql } from '../../../test/support/stores.ts';
import { ManualClock } from '../../core/clock.ts';
import { SqlGrantStore } from './sql-grant-store.ts';
import { SqlMembershipStore } from './sql-membership-store.ts';
import { SqlRoleStore } from './sql-role-store.ts';

const START = Date.UTC(2026, 0, 1);

function stores({ database, close }: OpenSql) {
  const clock = new ManualClock(START);
  return {
    clock,
    close,
    members: new SqlMembershipStore(database, { clock }),
    roles: new SqlRoleStore(database, { clock }),
    grants: new SqlGrantStore(database, { clock }),
  };
}

for (const target of await migratedSqlTargets('memberships', { withoutDefaultRoles: true })) {
  describe(`SqlMembershipStore on ${target.name}`, () => {
    it('adds a member idempotently and answers isMember per tenant only', async () => {
      const { members, clock, close } = stores(await target.open());
      const first = await members.add('tenant-a', 'user-1');
      expect(first).toEqual({ tenantId: 'tenant-a', userId: 'user-1', createdAt: new Date(START) });
      clock.advance(1_000);
      expect(await members.add('tenant-a', 'user-1')).toEqual(first);
      expect(await members.isMember('tenant-a', 'user-1')).toBe(true);
      expect(await members.isMember('tenant-b', 'user-1')).toBe(false);
      expect(await members.isMember('tenant-a', 'user-2')).toBe(false);
      await close();
    });

    it("lists a tenant's members oldest first in exact pages, never another tenant's", async () => {
      const { members, clock, close } = stores(await target.open());
      const expected: string[] = [];
      for (let index = 0; index < 5; index++) {
        await members.add('tenant-a', `user-${index}`);
        await members.add('tenant-b', `other-${index}`);
        expected.push(`user-${index}`);
        // Two members share a millisecond so the user id has to break the tie.
        if (index !== 1) clock.advance(10);
      }
      const first = await members.list('tenant-a', { limit: 2 });
      const second = await members.list('tenant-a', { limit: 2, cursor: first.nextCursor! });
      const third = await members.list('tenant-a', { limit: 2, cursor: second.nextCursor! });
      expect(third.nextCursor).toBeNull();
      const pages = [first, second, third].map((page) => page.members.map((member) => member.userId));
      expect(pages).toEqual([['user-0', 'user-1'], ['user-2', 'user-3'], ['user-4']]);
      expect(pages.flat()).toEqual(expected);
      expect([first, second, third].flatMap((page) => page.members.map((member) => member.tenantId))).toEqual(
        Array(5).fill('tenant-a'),
      );
      expect(await members.list('tenant-c', { limit: 10 })).toEqual({ members: [], nextCursor: null });
      await close();
    });

    it('refuses a limit out of range and a cursor it did not make', async () => {
      const { members, close } = stores(await target.open());
      for (const limit of [0, 201, 2.5]) {
        await expect(members.list('tenant-a', { limit })).rejects.toMatchObject({
          code: 'LIFT_VALIDATION_FAILED',
          issues: [expect.objectContaining({ path: 'limit' })],
        });
      }
      for (const cursor of ['not-a-cursor', Buffer.from('[1]').toString('base64url')]) {
        await expect(members.list('tenant-a', { limit: 1, cursor })).rejects.toMatchObject({
          issues: [expect.objectContaining({ path: 'cursor' })],
        });
      }
      await close();
    });

    it("removes a member with their grants in that tenant, keeping global and other tenants' grants", async () => {
      const { members, roles, grants, clock, close } = stores(await target.open());
      const admin = await roles.create({ owner: { scope: 'system' }, name: 'admin' });
      const user = { type: 'user' as const, id: 'user-1' };
      await members.add('tenant-a', 'user-1');
      await members.add('tenant-b', 'user-1');
      await grants.add({ subject: user, roleId: admin.id, tenantId: 'tenant-a' });
      clock.advance(1);
      await grants.add({ subject: user, roleId: admin.id, tenantId: 'tenant-b' });
      clock.advance(1);
      await grants.add({ subject: user, roleId: admin.id, tenantId: null });

      expect(await members.remove('tenant-a', 'user-1')).toBe(true);
      expect(await members.remove('tenant-a', 'user-1')).toBe(false);
      expect(await members.isMember('tenant-a', 'user-1')).toBe(false);
      expect(await members.isMember('tenant-b', 'user-1')).toBe(true);
      expect(await grants.listByTenant('tenant-a')).toEqual([]);
      expect((await grants.listBySubject(user, 'tenant-b')).map((grant) => grant.tenantId)).toEqual([
        'tenant-b',
        null,
      ]);
      await close();
    });
  });
}
