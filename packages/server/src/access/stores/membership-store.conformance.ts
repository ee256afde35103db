import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import type { AccessStoresTarget, OpenAccessStores } from './access-stores-target.ts';
import {
  ANNOUNCE_FAILURE,
  failingAnnounce,
  recordingAnnounce,
  writtenEvents,
} from './announcing.conformance.ts';
import type { KeepOwnerOutcome, MemberChange, Membership } from './membership-store.ts';

const START = Date.UTC(2026, 0, 1);
const DETAILED_MEMBERS = 50;

const remove: MemberChange = { action: 'remove' };
const setRoles = (roleIds: string[]): MemberChange => ({ action: 'set_roles', roleIds, createdBy: 'u-a' });

/** A tenant with `owners` granted its `owner` role and `others` its `member` role. */
async function tenantWithOwners(stores: AccessStoresTarget, owners: string[], others: string[] = []) {
  const { tenants, memberships, roles, grants } = stores;
  const tenant = await tenants.create({ name: 'Acme', slug: 'acme', createdBy: owners[0] ?? 'nobody' });
  const owner = await roles.create({ owner: { scope: 'tenant', tenantId: tenant.id }, name: 'owner' });
  const member = await roles.create({ owner: { scope: 'tenant', tenantId: tenant.id }, name: 'member' });
  for (const [userIds, role] of [
    [owners, owner],
    [others, member],
  ] as const) {
    for (const userId of userIds) {
      await memberships.add(tenant.id, userId);
      await grants.add({ subject: { type: 'user', id: userId }, roleId: role.id, tenantId: tenant.id });
    }
  }
  /** The users granted `owner` in the tenant now, sorted. */
  const ownersNow = async () =>
    (await grants.listByRole(owner.id, tenant.id)).map((grant) => grant.subject.id).sort();
  const change = (userId: string, what: MemberChange) =>
    memberships.changeKeepingOwner({ tenantId: tenant.id, userId, ownerRoleId: owner.id, change: what });
  return { tenantId: tenant.id, owner, member, ownersNow, change };
}

/**
 * The behaviour every MembershipStore adapter must show, with the other access stores of its set: idempotent
 * adds, exact pages, grants that leave with the member, and the last-owner rule decided atomically. Each test
 * gets fresh, empty stores on a manual clock standing at 2026-01-01T00:00Z.
 */
export function membershipStoreConformance(adapter: string, open: OpenAccessStores): void {
  describe(`MembershipStore conformance: ${adapter}`, () => {
    let target: AccessStoresTarget | undefined;
    let stores: AccessStoresTarget;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = new ManualClock(START);
      target = await open(clock);
      stores = target;
    });
    afterEach(async () => {
      await target?.close();
      target = undefined;
    });

    it('adds a member idempotently and answers isMember per tenant only', async () => {
      const { memberships } = stores;
      const first = await memberships.add('tenant-a', 'user-1');
      expect(first).toEqual({ tenantId: 'tenant-a', userId: 'user-1', createdAt: new Date(START) });
      clock.advance(1_000);
      expect(await memberships.add('tenant-a', 'user-1')).toEqual(first);
      expect(await memberships.isMember('tenant-a', 'user-1')).toBe(true);
      expect(await memberships.isMember('tenant-b', 'user-1')).toBe(false);
      expect(await memberships.isMember('tenant-a', 'user-2')).toBe(false);
    });

    it('keeps one membership when many adds of it race', async () => {
      const { memberships } = stores;
      const results = await Promise.all(
        Array.from({ length: 8 }, () => memberships.add('tenant-a', 'user-1')),
      );
      expect(new Set(results.map((result) => result.createdAt.getTime()))).toEqual(new Set([START]));
      expect((await memberships.list('tenant-a', { limit: 10 })).members).toHaveLength(1);
    });

    it("lists a tenant's members oldest first in exact pages, never another tenant's", async () => {
      const { memberships } = stores;
      const expected: string[] = [];
      for (let index = 0; index < 5; index++) {
        await memberships.add('tenant-a', `user-${index}`);
        await memberships.add('tenant-b', `other-${index}`);
        expected.push(`user-${index}`);
        // Two members share a millisecond so the user id has to break the tie.
        if (index !== 1) clock.advance(10);
      }
      const first = await memberships.list('tenant-a', { limit: 2 });
      const second = await memberships.list('tenant-a', { limit: 2, cursor: first.nextCursor! });
      const third = await memberships.list('tenant-a', { limit: 2, cursor: second.nextCursor! });
      expect(third.nextCursor).toBeNull();
      const pages = [first, second, third].map((page) => page.members.map((member) => member.userId));
      expect(pages).toEqual([['user-0', 'user-1'], ['user-2', 'user-3'], ['user-4']]);
      expect(pages.flat()).toEqual(expected);
      expect([first, second, third].flatMap((page) => page.members.map((member) => member.tenantId))).toEqual(
        Array(5).fill('tenant-a'),
      );
      expect(await memberships.list('tenant-c', { limit: 10 })).toEqual({ members: [], nextCursor: null });
    });

    it('refuses a limit out of range and a cursor it did not make', async () => {
      const { memberships } = stores;
      for (const limit of [0, 201, 2.5]) {
        await expect(memberships.list('tenant-a', { limit })).rejects.toMatchObject({
          code: 'LIFT_VALIDATION_FAILED',
          issues: [expect.objectContaining({ path: 'limit' })],
        });
      }
      for (const cursor of ['not-a-cursor', Buffer.from('[1]').toString('base64url')]) {
        await expect(memberships.list('tenant-a', { limit: 1, cursor })).rejects.toMatchObject({
          issues: [expect.objectContaining({ path: 'cursor' })],
        });
      }
      await expect(memberships.listDetailed('tenant-a', { limit: 0 })).rejects.toMatchObject({
        code: 'LIFT_VALIDATION_FAILED',
      });
    });

    it("removes a member with their grants in that tenant, keeping global and other tenants' grants", async () => {
      const { memberships, roles, grants } = stores;
      const admin = await roles.create({ owner: { scope: 'system' }, name: 'admin' });
      const user = { type: 'user' as const, id: 'user-1' };
      await memberships.add('tenant-a', 'user-1');
      await memberships.add('tenant-b', 'user-1');
      await grants.add({ subject: user, roleId: admin.id, tenantId: 'tenant-a' });
      clock.advance(1);
      await grants.add({ subject: user, roleId: admin.id, tenantId: 'tenant-b' });
      clock.advance(1);
      await grants.add({ subject: user, roleId: admin.id, tenantId: null });

      expect(await memberships.remove('tenant-a', 'user-1')).toBe(true);
      expect(await memberships.remove('tenant-a', 'user-1')).toBe(false);
      expect(await memberships.isMember('tenant-a', 'user-1')).toBe(false);
      expect(await memberships.isMember('tenant-b', 'user-1')).toBe(true);
      expect(await grants.listByTenant('tenant-a')).toEqual([]);
      expect((await grants.listBySubject(user, 'tenant-b')).map((grant) => grant.tenantId)).toEqual([
        'tenant-b',
        null,
      ]);
    });

    it(`lists ${DETAILED_MEMBERS} members in detail: account, tenant roles and join time, paged like list`, async () => {
      const { memberships, roles, grants } = stores;
      const tenantRole = (name: string, tenantId: string) =>
        roles.create({ owner: { scope: 'tenant', tenantId }, name });
      const tenantRoles = [];
      for (const name of ['owner', 'admin', 'member', 'viewer'])
        tenantRoles.push(await tenantRole(name, 'tenant-a'));
      const otherTenantRole = await tenantRole('owner', 'tenant-b');
      const system = await roles.create({ owner: { scope: 'system' }, name: 'auditor' });

      const expected: Array<{ userId: string; email: string | null; roles: string[]; joinedAt: number }> = [];
      for (let index = 0; index < DETAILED_MEMBERS; index++) {
        const userId = `user-${String(index).padStart(2, '0')}`;
        // One member's account is gone.
        const email = index === 7 ? null : `${userId}@example.com`;
        if (email !== null) await stores.seedUser({ id: userId, email, name: `Name ${index}` });
        await memberships.add('tenant-a', userId);
        await memberships.add('tenant-b', userId);
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

      const page = await memberships.listDetailed('tenant-a', { limit: DETAILED_MEMBERS });
      expect(page.nextCursor).toBeNull();
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

      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const detailed = await memberships.listDetailed('tenant-a', { limit: 15, cursor });
        const plain = await memberships.list('tenant-a', { limit: 15, cursor });
        expect(detailed.members.map((entry) => entry.userId)).toEqual(
          plain.members.map((entry) => entry.userId),
        );
        expect(detailed.nextCursor).toEqual(plain.nextCursor);
        pages.push(detailed.members.map((entry) => entry.userId));
        cursor = detailed.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(pages.map((ids) => ids.length)).toEqual([15, 15, 15, 5]);
      expect(pages.flat()).toEqual(expected.map((entry) => entry.userId));
      expect(await memberships.listDetailed('tenant-c', { limit: 5 })).toEqual({
        members: [],
        nextCursor: null,
      });
    });

    it('removes and re-roles members but never the last owner, and says why it did nothing', async () => {
      const t = await tenantWithOwners(stores, ['u-a', 'u-b'], ['u-c']);
      const { memberships, grants } = stores;

      expect(await t.change('u-c', setRoles([t.owner.id, t.member.id]))).toBe('changed');
      expect(
        (await grants.listByTenant(t.tenantId)).filter((g) => g.subject.id === 'u-c').map((g) => g.roleId),
      ).toEqual(expect.arrayContaining([t.owner.id, t.member.id]));
      expect(await t.change('u-c', remove)).toBe('changed');
      expect(await memberships.isMember(t.tenantId, 'u-c')).toBe(false);
      expect(await t.change('u-c', remove)).toBe('not_member');
      expect(await t.change('u-a', setRoles([t.member.id]))).toBe('changed');
      expect(await t.ownersNow()).toEqual(['u-b']);

      // u-b is the last owner: neither removed nor demoted, and nothing about them changes.
      expect(await t.change('u-b', remove)).toBe('last_owner');
      expect(await t.change('u-b', setRoles([t.member.id]))).toBe('last_owner');
      expect(await t.change('u-b', setRoles([]))).toBe('last_owner');
      expect(await memberships.isMember(t.tenantId, 'u-b')).toBe(true);
      expect(await t.ownersNow()).toEqual(['u-b']);
      // Keeping owner among the new roles is no demotion.
      expect(await t.change('u-b', setRoles([t.owner.id, t.member.id]))).toBe('changed');

      // A role of no one here is refused before anything changes; an unknown tenant has no members.
      await expect(t.change('u-a', setRoles(['no-such-role']))).rejects.toMatchObject({
        code: 'LIFT_VALIDATION_FAILED',
      });
      expect(
        await memberships.changeKeepingOwner({
          tenantId: 'no-such-tenant',
          userId: 'u-a',
          ownerRoleId: null,
          change: remove,
        }),
      ).toBe('not_member');
    });

    it('lets exactly one of two owners removing or demoting each other at the same instant succeed', async () => {
      const t = await tenantWithOwners(stores, ['u-a', 'u-b']);
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
        await stores.memberships.add(t.tenantId, other);
        expect(await t.change(other, setRoles([t.owner.id]))).toBe('changed');
      }
    });

    it('writes the events an add announces with it, and adds no one when that fails', async () => {
      const { memberships } = stores;
      const failing = memberships.add('tenant-a', 'u-a', { announce: failingAnnounce });
      await expect(failing).rejects.toThrow(ANNOUNCE_FAILURE);
      expect(await memberships.isMember('tenant-a', 'u-a')).toBe(false);
      const added = recordingAnnounce<Membership>('member.added', (result) => ({ userId: result.userId }));
      const membership = await memberships.add('tenant-a', 'u-a', added);
      expect(added.seen).toEqual([membership]);
      expect(await memberships.isMember('tenant-a', 'u-a')).toBe(true);
      expect(await writtenEvents(target!)).toEqual([['member.added', { userId: 'u-a' }]]);
    });

    it('writes what changeKeepingOwner announces for its outcome with it, and changes nothing when that fails', async () => {
      const t = await tenantWithOwners(stores, ['u-a', 'u-b'], ['u-c']);
      const { memberships } = stores;
      const input = (userId: string, change: MemberChange) => ({
        tenantId: t.tenantId,
        userId,
        ownerRoleId: t.owner.id,
        change,
      });
      const failing = memberships.changeKeepingOwner(input('u-a', remove), { announce: failingAnnounce });
      await expect(failing).rejects.toThrow(ANNOUNCE_FAILURE);
      const demoting = memberships.changeKeepingOwner(input('u-b', setRoles([t.member.id])), {
        announce: failingAnnounce,
      });
      await expect(demoting).rejects.toThrow(ANNOUNCE_FAILURE);
      expect(await memberships.isMember(t.tenantId, 'u-a')).toBe(true);
      expect(await t.ownersNow()).toEqual(['u-a', 'u-b']);
      expect(await writtenEvents(target!)).toEqual([]);

      const changes = recordingAnnounce<KeepOwnerOutcome>('member.removed', (outcome) => ({ outcome }));
      expect(await memberships.changeKeepingOwner(input('u-a', remove), changes)).toBe('changed');
      expect(await memberships.changeKeepingOwner(input('u-b', remove), changes)).toBe('last_owner');
      expect(await memberships.changeKeepingOwner(input('u-a', remove), changes)).toBe('not_member');
      expect(changes.seen).toEqual(['changed', 'last_owner', 'not_member']);
      expect(await memberships.isMember(t.tenantId, 'u-a')).toBe(false);
      expect((await writtenEvents(target!)).map(([, data]) => data)).toEqual([
        { outcome: 'changed' },
        { outcome: 'last_owner' },
        { outcome: 'not_member' },
      ]);
    });
  });
}
