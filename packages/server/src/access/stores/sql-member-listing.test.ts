import { describe, expect, it } from 'vitest';
import { migratedSqlTargets } from '../../../test/support/stores.ts';
import { ManualClock } from '../../core/clock.ts';
import { SqlGrantStore } from './sql-grant-store.ts';
import { SqlMembershipStore } from './sql-membership-store.ts';
import { SqlRoleStore } from './sql-role-store.ts';

/** `MembershipStore.listDetailed`: a page of members with their accounts and tenant roles. */

const START = Date.UTC(2026, 0, 1);
const MEMBERS = 50;

for (const target of await migratedSqlTargets('member_listing', { withoutDefaultRoles: true })) {
  describe(`SqlMembershipStore.listDetailed on ${target.name}`, () => {
    it(`returns every member of a ${MEMBERS}-member page with their own roles, account and join time`, async () => {
      const { database, close } = await target.open();
      const clock = new ManualClock(START);
      const members = new SqlMembershipStore(database, { clock });
      const roles = new SqlRoleStore(database, { clock });
      const grants = new SqlGrantStore(database, { clock });
      const tenant = (name: string, tenantId: string) =>
        roles.create({ owner: { scope: 'tenant', tenantId }, name });
      const [owner, admin, member, viewer] = await Promise.all(
        ['owner', 'admin', 'member', 'viewer'].map((name) => tenant(name, 'tenant-a')),
      );
      const otherTenantRole = await tenant('owner', 'tenant-b');
      const system = await roles.create({ owner: { scope: 'system' }, name: 'auditor' });
      const tenantRoles = [owner, admin, member, viewer].map((role) => role!);

      const expected: Array<{ userId: string; email: string | null; roles: string[]; joinedAt: number }> = [];
      for (let index = 0; index < MEMBERS; index++) {
        const userId = `user-${String(index).padStart(2, '0')}`;
        const email = index === 7 ? null : `${userId}@example.com`;
        if (email !== null) {
          await database.db
            .insertInto('lift_users')
            .values({
              id: userId,
              email,
              email_normalized: email,
              name: `Name ${index}`,
              email_verified_at: START,
              password_hash: null,
              created_at: START,
              updated_at: START,
            })
            .execute();
        }
        await members.add('tenant-a', userId);
        await members.add('tenant-b', userId);
        const subject = { type: 'user' as const, id: userId };
        // Zero, one or two tenant roles, varying per member; a system role granted in the tenant counts too.
        const held = [tenantRoles[index % 4]!, ...(index % 3 === 0 ? [tenantRoles[(index + 1) % 4]!] : [])];
        if (index % 10 === 9) held.length = 0;
        if (index % 7 === 0) held.push(system);
        for (const role of held) await grants.add({ subject, roleId: role.id, tenantId: 'tenant-a' });
        // Neither a global grant nor another tenant's grant is a role in this tenant.
        await grants.add({ subject, roleId: system.id, tenantId: null });
        await grants.add({ subject, roleId: otherTenantRole.id, tenantId: 'tenant-b' });
        expected.push({
          userId,
          email,
          roles: [...new Set(held.map((role) => role.name))].sort(),
          joinedAt: clock.now(),
        });
        clock.advance(index % 5 === 0 ? 0 : 10);
      }

      const page = await members.listDetailed('tenant-a', { limit: MEMBERS });
      expect(page.nextCursor).toBeNull();
      expect(page.members).toHaveLength(MEMBERS);
      expect(
        page.members.map((entry) => ({
          userId: entry.userId,
          email: entry.email,
          roles: entry.roles,
          joinedAt: entry.createdAt.getTime(),
        })),
      ).toEqual(expected);
      expect(page.members[1]).toMatchObject({ tenantId: 'tenant-a', name: 'Name 1' });
      expect(page.members[7]).toMatchObject({ email: null, name: null });

      // The same members, page by page, in the same order as `list`.
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const detailed = await members.listDetailed('tenant-a', { limit: 15, cursor });
        const plain = await members.list('tenant-a', { limit: 15, cursor });
        expect(detailed.members.map((entry) => entry.userId)).toEqual(
          plain.members.map((entry) => entry.userId),
        );
        expect(detailed.nextCursor).toEqual(plain.nextCursor);
        pages.push(detailed.members.map((entry) => entry.userId));
        cursor = detailed.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(pages.map((ids) => ids.length)).toEqual([15, 15, 15, 5]);
      expect(pages.flat()).toEqual(expected.map((entry) => entry.userId));
      expect(await members.listDetailed('tenant-c', { limit: 5 })).toEqual({ members: [], nextCursor: null });
      await expect(members.listDetailed('tenant-a', { limit: 0 })).rejects.toMatchObject({
        code: 'LIFT_VALIDATION_FAILED',
      });
      await close();
    });
  });
}
