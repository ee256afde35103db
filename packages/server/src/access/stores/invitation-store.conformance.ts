import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import type { AccessStoresTarget, OpenAccessStores } from './access-stores-target.ts';
import {
  ANNOUNCE_FAILURE,
  failingAnnounce,
  recordingAnnounce,
  writtenEvents,
} from './announcing.conformance.ts';
import { INVITATION_TTL_MS, type IssuedInvitation } from './invitation-store.ts';

const START = Date.UTC(2026, 0, 1);

/**
 * The behaviour every InvitationStore adapter must show: a token returned once, accepted once and only by the
 * invited address, expiring by the injected clock, and tenant-scoped lists and revocation. Each test gets fresh,
 * empty stores on a manual clock standing at 2026-01-01T00:00Z.
 */
export function invitationStoreConformance(adapter: string, open: OpenAccessStores): void {
  describe(`InvitationStore conformance: ${adapter}`, () => {
    let target: AccessStoresTarget | undefined;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = new ManualClock(START);
      target = await open(clock);
    });
    afterEach(async () => {
      await target?.close();
      target = undefined;
    });

    it('issues a 256-bit token, returned once, and an invitation expiring after 7 days', async () => {
      const { invitations } = target!;
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
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      expect(JSON.stringify(invitation)).not.toContain(token);
    });

    it('consumes once, only for the invited address, and not after expiry', async () => {
      const { invitations } = target!;
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
    });

    it('peeks without spending, and consumes by id only for the invited address while pending', async () => {
      const { invitations } = target!;
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
    });

    it("lists and revokes a tenant's pending invitations, never another tenant's", async () => {
      const { invitations } = target!;
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
    });

    it('gives an invitation to exactly one of many concurrent consumers', async () => {
      const { invitations } = target!;
      const { token } = await invitations.issue({
        tenantId: 'tenant-a',
        email: 'eve@example.com',
        invitedBy: 'ada',
      });
      // Reads first, so a pooled adapter has every connection open and the consumers really run side by side.
      await Promise.all(Array.from({ length: 8 }, () => invitations.listPending('tenant-a')));
      const results = await Promise.all(
        Array.from({ length: 8 }, () => invitations.consume(token, 'eve@example.com')),
      );
      expect(results.filter((result) => result !== null)).toHaveLength(1);
    });

    it('refuses a token from its expiry on, and drops it from the pending list', async () => {
      const { invitations } = target!;
      const { token, invitation } = await invitations.issue({
        tenantId: 'tenant-a',
        email: 'eve@example.com',
        invitedBy: 'ada',
        ttlMs: 60_000,
      });
      clock.advance(59_999);
      expect(await invitations.peek(token)).toEqual(invitation);
      expect(await invitations.listPending('tenant-a')).toEqual([invitation]);
      clock.advance(1);
      expect(await invitations.peek(token)).toBeNull();
      expect(await invitations.listPending('tenant-a')).toEqual([]);
      expect(await invitations.consume(token, 'eve@example.com')).toBeNull();
    });

    it('accepts an invitation once when consume by token and consumeById race', async () => {
      const { invitations } = target!;
      const { token, invitation } = await invitations.issue({
        tenantId: 'tenant-a',
        email: 'eve@example.com',
        invitedBy: 'ada',
      });
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          index % 2 === 0
            ? invitations.consume(token, 'eve@example.com')
            : invitations.consumeById(invitation.id, 'eve@example.com'),
        ),
      );
      expect(results.filter((result) => result !== null)).toHaveLength(1);
    });

    it('writes the events an issue or a revocation announces with it, and changes nothing when that fails', async () => {
      const { invitations } = target!;
      const failing = { announce: failingAnnounce };
      const input = { tenantId: 'tenant-a', email: 'eve@example.com', invitedBy: 'ada' };
      await expect(invitations.issue(input, failing)).rejects.toThrow(ANNOUNCE_FAILURE);
      expect(await invitations.listPending('tenant-a')).toEqual([]);
      const kept = await invitations.issue(input);
      await expect(invitations.revoke('tenant-a', kept.invitation.id, failing)).rejects.toThrow(
        ANNOUNCE_FAILURE,
      );
      expect(await invitations.listPending('tenant-a')).toEqual([kept.invitation]);
      expect(await writtenEvents(target!)).toEqual([]);

      const issuing = recordingAnnounce<IssuedInvitation>('invitation.created', (issued) => ({
        invitationId: issued.invitation.id,
      }));
      const issued = await invitations.issue({ ...input, email: 'joe@example.com' }, issuing);
      expect(issuing.seen).toEqual([issued]);
      const revoking = recordingAnnounce<boolean>('invitation.revoked', (done) => ({ done }));
      expect(await invitations.revoke('tenant-a', kept.invitation.id, revoking)).toBe(true);
      expect(await invitations.listPending('tenant-a')).toEqual([issued.invitation]);
      expect(await writtenEvents(target!)).toEqual([
        ['invitation.created', { invitationId: issued.invitation.id }],
        ['invitation.revoked', { done: true }],
      ]);
    });
  });
}
