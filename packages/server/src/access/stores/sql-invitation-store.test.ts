import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { migratedSqlTargets, type OpenSql } from '../../../test/support/stores.ts';
import { ManualClock } from '../../core/clock.ts';
import { INVITATION_TTL_MS } from './invitation-store.ts';
import { SqlInvitationStore } from './sql-invitation-store.ts';

const START = Date.UTC(2026, 0, 1);

function fixture({ database, close }: OpenSql) {
  const clock = new ManualClock(START);
  return { database, clock, close, invitations: new SqlInvitationStore(database, { clock }) };
}

for (const target of await migratedSqlTargets('invitations', { withoutDefaultRoles: true })) {
  describe(`SqlInvitationStore on ${target.name}`, () => {
    it('issues a 256-bit token stored only as its SHA-256, expiring after 7 days', async () => {
      const { invitations, database, close } = fixture(await target.open());
      const { token, invitation } = await invitations.issue({
        tenantId: 'tenant-a',
        email: ' Eve@Example.COM ',
        roleId: 'role-1',
        invitedBy: 'ada',
      });
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(invitation).toEqual({
        id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        tenantId: 'tenant-a',
        email: 'eve@example.com',
        roleId: 'role-1',
        invitedBy: 'ada',
        createdAt: new Date(START),
        expiresAt: new Date(START + INVITATION_TTL_MS),
        acceptedAt: null,
      });
      expect(INVITATION_TTL_MS).toBe(604_800_000);
      const rows = await database.db.selectFrom('lift_invitations').select('token_hash').execute();
      expect(rows).toEqual([{ token_hash: createHash('sha256').update(token).digest('base64url') }]);
      await close();
    });

    it('consumes once, only for the invited address, and not after expiry', async () => {
      const { invitations, clock, close } = fixture(await target.open());
      const { token, invitation } = await invitations.issue({
        tenantId: 'tenant-a',
        email: 'eve@example.com',
        invitedBy: 'ada',
      });
      expect(await invitations.consume(token, 'mallory@example.com')).toBeNull();
      expect(await invitations.consume('x'.repeat(43), 'eve@example.com')).toBeNull();
      expect(await invitations.consume('short', 'eve@example.com')).toBeNull();
      expect(await invitations.consume(token, 'not an address')).toBeNull();
      clock.advance(1_000);
      expect(await invitations.consume(token, 'EVE@example.com')).toEqual({
        ...invitation,
        acceptedAt: new Date(START + 1_000),
      });
      expect(await invitations.consume(token, 'eve@example.com')).toBeNull();

      const late = await invitations.issue({
        tenantId: 'tenant-a',
        email: 'eve@example.com',
        invitedBy: 'ada',
        ttlMs: 60_000,
      });
      clock.advance(60_000);
      expect(await invitations.consume(late.token, 'eve@example.com')).toBeNull();
      await expect(
        invitations.issue({ tenantId: 'tenant-a', email: 'eve@example.com', invitedBy: 'ada', ttlMs: 0 }),
      ).rejects.toMatchObject({ code: 'LIFT_CONFIG_INVALID' });
      await expect(
        invitations.issue({ tenantId: 'tenant-a', email: 'not an address', invitedBy: 'ada' }),
      ).rejects.toMatchObject({ code: 'LIFT_VALIDATION_FAILED' });
      await close();
    });

    it('peeks without spending, and consumes by id only for the invited address while pending', async () => {
      const { invitations, clock, close } = fixture(await target.open());
      const { token, invitation } = await invitations.issue({
        tenantId: 'tenant-a',
        email: 'eve@example.com',
        invitedBy: 'ada',
      });
      expect(await invitations.peek(token)).toEqual(invitation);
      expect(await invitations.peek(token)).toEqual(invitation);
      expect(await invitations.peek('x'.repeat(43))).toBeNull();
      expect(await invitations.peek('short')).toBeNull();
      expect(await invitations.consumeById(invitation.id, 'mallory@example.com')).toBeNull();
      expect(await invitations.consumeById('unknown', 'eve@example.com')).toBeNull();
      const accepted = await invitations.consumeById(invitation.id, 'Eve@Example.com');
      expect(accepted?.acceptedAt).toEqual(new Date(START));
      expect(await invitations.consumeById(invitation.id, 'eve@example.com')).toBeNull();
      expect(await invitations.peek(token)).toBeNull();
      expect(await invitations.consume(token, 'eve@example.com')).toBeNull();

      const later = await invitations.issue({
        tenantId: 'tenant-a',
        email: 'eve@example.com',
        invitedBy: 'ada',
      });
      clock.advance(INVITATION_TTL_MS);
      expect(await invitations.peek(later.token)).toBeNull();
      expect(await invitations.consumeById(later.invitation.id, 'eve@example.com')).toBeNull();
      await close();
    });

    it("lists and revokes a tenant's pending invitations, never another tenant's", async () => {
      const { invitations, clock, close } = fixture(await target.open());
      const first = await invitations.issue({
        tenantId: 'tenant-a',
        email: 'one@example.com',
        invitedBy: 'ada',
      });
      clock.advance(1);
      const second = await invitations.issue({
        tenantId: 'tenant-a',
        email: 'two@example.com',
        invitedBy: 'ada',
      });
      const inB = await invitations.issue({
        tenantId: 'tenant-b',
        email: 'one@example.com',
        invitedBy: 'bob',
      });
      expect(await invitations.listPending('tenant-a')).toEqual([second.invitation, first.invitation]);
      expect(await invitations.revoke('tenant-a', inB.invitation.id)).toBe(false);
      expect(await invitations.listPending('tenant-b')).toEqual([inB.invitation]);

      await invitations.consume(second.token, 'two@example.com');
      expect(await invitations.revoke('tenant-a', second.invitation.id)).toBe(false);
      expect(await invitations.revoke('tenant-a', first.invitation.id)).toBe(true);
      expect(await invitations.consume(first.token, 'one@example.com')).toBeNull();
      expect(await invitations.listPending('tenant-a')).toEqual([]);
      await close();
    });

    it('gives an invitation to exactly one of many concurrent consumers', async () => {
      const { invitations, close } = fixture(await target.open());
      const { token } = await invitations.issue({
        tenantId: 'tenant-a',
        email: 'eve@example.com',
        invitedBy: 'ada',
      });
      // Opens every pooled connection first, so the consumers below really run side by side on PostgreSQL.
      await Promise.all(Array.from({ length: 8 }, () => invitations.listPending('tenant-a')));
      const results = await Promise.all(
        Array.from({ length: 8 }, () => invitations.consume(token, 'eve@example.com')),
      );
      expect(results.filter((result) => result !== null)).toHaveLength(1);
      await close();
    });
  });
}
