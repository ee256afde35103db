import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AnnouncedEvents, stagedEvent } from '../../../test/support/event-rows.ts';
import type { RefreshRotation, RefreshTokenFamily, RefreshTokenStore } from './refresh-token-store.ts';

export interface RefreshTokenStoreTarget {
  store: RefreshTokenStore;
  /** What the store wrote to the outbox; every adapter writes announced events with its changes. */
  events: AnnouncedEvents;
  /** Closes the store and whatever the factory opened for it. */
  close(): Promise<void>;
}

const failingAnnounce = () => {
  throw new Error('cannot write the events');
};

const START = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const hash = () => randomBytes(32).toString('base64url');

/** A family as `RefreshTokens.issue` makes it: created at START, 7 days idle, 30 days absolute. */
function family(overrides: Partial<RefreshTokenFamily> = {}): RefreshTokenFamily {
  return {
    id: randomBytes(16).toString('base64url'),
    userId: 'user-ada',
    createdAt: START,
    lastUsedAt: START,
    idleExpiresAt: START + 7 * DAY,
    absoluteExpiresAt: START + 30 * DAY,
    authTime: START - 5_000,
    amr: ['pwd', 'otp'],
    scope: 'openid notes:read',
    tenantId: 'tenant-1',
    dpopJkt: 'jkt-thumbprint',
    revokedAt: null,
    revokedReason: null,
    ...overrides,
  };
}

/** The rotation of `tokenHash` (generation `generation - 1`) at `now`, with a fresh successor. */
function rotation(
  of: RefreshTokenFamily,
  tokenHash: string,
  now: number,
  overrides: Partial<RefreshRotation> = {},
): RefreshRotation {
  return {
    tokenHash,
    familyId: of.id,
    now,
    successorHash: hash(),
    successorGeneration: 1,
    successorSealed: `sealed-at-${now}`,
    idleExpiresAt: now + 7 * DAY,
    clearSealedRotatedAtOrBefore: now - MINUTE,
    ...overrides,
  };
}

/**
 * The behaviour every RefreshTokenStore adapter must show: families stored and read back exactly, and every
 * state change a conditional write, so that of concurrent rotations of one token exactly one wins and a
 * family is revoked once. The store takes its times from the caller (`RefreshTokens` owns the clock and the
 * policy), so it needs no clock. Each test gets a fresh, empty store.
 */
export function refreshTokenStoreConformance(
  adapter: string,
  open: () => Promise<RefreshTokenStoreTarget>,
): void {
  describe(`RefreshTokenStore conformance: ${adapter}`, () => {
    let target: RefreshTokenStoreTarget | undefined;
    let store: RefreshTokenStore;

    beforeEach(async () => {
      target = await open();
      store = target.store;
    });
    afterEach(async () => {
      await target?.close();
      target = undefined;
    });

    it('stores a family with its generation-0 token and reads both back exactly', async () => {
      const records = [
        family(),
        family({ amr: [], scope: null, tenantId: null, dpopJkt: null, userId: 'user-grace' }),
      ];
      const hashes = records.map(() => hash());
      for (const [index, record] of records.entries()) await store.createFamily(record, hashes[index]!);
      for (const [index, record] of records.entries()) {
        expect(await store.getFamily(record.id)).toEqual(record);
        expect(await store.findByTokenHash(hashes[index]!)).toEqual({
          token: {
            tokenHash: hashes[index],
            familyId: record.id,
            generation: 0,
            createdAt: START,
            rotatedAt: null,
            successorSealed: null,
          },
          family: record,
        });
      }
      expect(await store.getFamily('missing')).toBeNull();
      expect(await store.findByTokenHash(hash())).toBeNull();
    });

    it('rotates a token: the family moves, the token is marked with its sealed successor, the successor exists', async () => {
      const record = family();
      const first = hash();
      await store.createFamily(record, first);
      const change = rotation(record, first, START + MINUTE);
      expect(await store.rotate(change)).toEqual({
        ...record,
        lastUsedAt: START + MINUTE,
        idleExpiresAt: START + MINUTE + 7 * DAY,
      });
      expect(await store.findByTokenHash(first)).toMatchObject({
        token: { generation: 0, rotatedAt: START + MINUTE, successorSealed: `sealed-at-${START + MINUTE}` },
        family: { lastUsedAt: START + MINUTE },
      });
      expect(await store.findByTokenHash(change.successorHash)).toMatchObject({
        token: { familyId: record.id, generation: 1, createdAt: START + MINUTE, rotatedAt: null },
      });
    });

    it('refuses, changing nothing, to rotate a token twice, of a revoked or expired family, or under another family', async () => {
      const live = family();
      const token = hash();
      await store.createFamily(live, token);
      const won = rotation(live, token, START + MINUTE);
      expect(await store.rotate(won)).not.toBeNull();
      const again = rotation(live, token, START + 2 * MINUTE);
      expect(await store.rotate(again)).toBeNull();

      const other = family();
      const otherToken = hash();
      await store.createFamily(other, otherToken);
      const crossed = rotation(live, otherToken, START + 2 * MINUTE);
      expect(await store.rotate(crossed)).toBeNull();

      const idle = family({ idleExpiresAt: START + DAY });
      const absolute = family({ absoluteExpiresAt: START + DAY });
      const revoked = family({ revokedAt: START, revokedReason: 'logout' });
      const refused: RefreshRotation[] = [again, crossed];
      for (const ended of [idle, absolute, revoked]) {
        const endedToken = hash();
        await store.createFamily(ended, endedToken);
        // Exactly at the expiry the family has ended.
        const change = rotation(ended, endedToken, START + DAY);
        expect(await store.rotate(change)).toBeNull();
        refused.push(change);
        expect(await store.getFamily(ended.id)).toEqual(ended);
        expect((await store.findByTokenHash(endedToken))?.token.rotatedAt).toBeNull();
      }
      for (const change of refused) expect(await store.findByTokenHash(change.successorHash)).toBeNull();
      expect(await store.getFamily(live.id)).toMatchObject({ lastUsedAt: START + MINUTE });
      expect((await store.findByTokenHash(otherToken))?.token.rotatedAt).toBeNull();
    });

    it('clears sealed successors of tokens rotated at or before the cut-off while rotating', async () => {
      const record = family();
      const first = hash();
      await store.createFamily(record, first);
      const one = rotation(record, first, START + MINUTE);
      await store.rotate(one);
      const two = rotation(record, one.successorHash, START + 3 * MINUTE, {
        successorGeneration: 2,
        clearSealedRotatedAtOrBefore: START + MINUTE,
      });
      await store.rotate(two);
      expect((await store.findByTokenHash(first))?.token.successorSealed).toBeNull();
      expect((await store.findByTokenHash(one.successorHash))?.token).toMatchObject({
        rotatedAt: START + 3 * MINUTE,
        successorSealed: `sealed-at-${START + 3 * MINUTE}`,
      });
      expect((await store.findByTokenHash(two.successorHash))?.token.generation).toBe(2);
    });

    it('lets exactly one of many concurrent rotations of one token win', async () => {
      for (let round = 0; round < 3; round++) {
        const record = family();
        const token = hash();
        await store.createFamily(record, token);
        const changes = Array.from({ length: 12 }, (_, index) => rotation(record, token, START + index + 1));
        const results = await Promise.all(changes.map((change) => store.rotate(change)));
        expect(results.filter((result) => result !== null)).toHaveLength(1);
        const winner = changes[results.findIndex((result) => result !== null)]!;
        for (const change of changes) {
          const successor = await store.findByTokenHash(change.successorHash);
          if (change === winner) expect(successor?.token.generation).toBe(1);
          else expect(successor).toBeNull();
        }
        expect(await store.getFamily(record.id)).toMatchObject({ lastUsedAt: winner.now });
        expect((await store.findByTokenHash(token))?.token.rotatedAt).toBe(winner.now);
      }
    });

    it('revokes a family once, keeping the first reason and clearing its sealed successors', async () => {
      const record = family();
      const token = hash();
      await store.createFamily(record, token);
      const change = rotation(record, token, START + MINUTE);
      await store.rotate(change);
      expect(await store.revokeFamily(record.id, START + 2 * MINUTE, 'reuse_detected')).toMatchObject({
        id: record.id,
        revokedAt: START + 2 * MINUTE,
        revokedReason: 'reuse_detected',
      });
      expect(await store.revokeFamily(record.id, START + 3 * MINUTE, 'logout')).toBeNull();
      expect(await store.getFamily(record.id)).toMatchObject({
        revokedAt: START + 2 * MINUTE,
        revokedReason: 'reuse_detected',
      });
      expect((await store.findByTokenHash(token))?.token.successorSealed).toBeNull();
      expect(await store.rotate(rotation(record, change.successorHash, START + 4 * MINUTE))).toBeNull();
      expect(await store.revokeFamily('missing', START, 'logout')).toBeNull();
    });

    it('revokes a family for exactly one of many concurrent callers', async () => {
      const record = family();
      await store.createFamily(record, hash());
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          store.revokeFamily(record.id, START + index, `reason-${index}`),
        ),
      );
      const winners = results.filter((result) => result !== null);
      expect(winners).toHaveLength(1);
      expect(await store.getFamily(record.id)).toEqual(winners[0]);
    });

    it('revokes every unrevoked family of one user, answering the ids this call revoked', async () => {
      const [a, b, revoked] = [family(), family(), family({ revokedAt: START, revokedReason: 'logout' })];
      const others = family({ userId: 'user-grace' });
      for (const record of [a!, b!, revoked!, others]) await store.createFamily(record, hash());
      const ids = await store.revokeUserFamilies('user-ada', START + MINUTE, 'password_changed');
      expect([...ids].sort()).toEqual([a!.id, b!.id].sort());
      expect(await store.getFamily(a!.id)).toMatchObject({
        revokedAt: START + MINUTE,
        revokedReason: 'password_changed',
      });
      expect(await store.getFamily(revoked!.id)).toMatchObject({ revokedAt: START, revokedReason: 'logout' });
      expect(await store.getFamily(others.id)).toMatchObject({ revokedAt: null });
      expect(await store.revokeUserFamilies('user-ada', START + 2 * MINUTE, 'again')).toEqual([]);
      expect(await store.revokeUserFamilies('nobody', START, 'logout')).toEqual([]);
    });

    it('writes the events a rotation announces with it, and rotates nothing when writing them fails', async () => {
      const record = family();
      const token = hash();
      await store.createFamily(record, token);
      const failed = rotation(record, token, START + MINUTE);
      await expect(store.rotate(failed, { announce: failingAnnounce })).rejects.toThrow('cannot write');
      expect(await store.getFamily(record.id)).toEqual(record);
      expect((await store.findByTokenHash(token))?.token.rotatedAt).toBeNull();
      expect(await store.findByTokenHash(failed.successorHash)).toBeNull();

      const seen: RefreshTokenFamily[] = [];
      const announce = (updated: RefreshTokenFamily) => {
        seen.push(updated);
        return [stagedEvent('token.refreshed', { familyId: updated.id })];
      };
      const rotated = await store.rotate(rotation(record, token, START + 2 * MINUTE), { announce });
      expect(seen).toEqual([rotated]);
      // A refused rotation changes nothing and announces nothing.
      expect(await store.rotate(rotation(record, token, START + 3 * MINUTE), { announce })).toBeNull();
      expect(seen).toHaveLength(1);
      const written = await target!.events.written();
      expect(written.map((event) => [event.type, event.data])).toEqual([
        ['token.refreshed', { familyId: record.id }],
      ]);
    });

    it('writes the events a family revocation announces with it, or revokes nothing', async () => {
      const record = family();
      await store.createFamily(record, hash());
      const failing = store.revokeFamily(record.id, START + MINUTE, 'logout', { announce: failingAnnounce });
      await expect(failing).rejects.toThrow('cannot write');
      expect(await store.getFamily(record.id)).toEqual(record);

      const announce = (ended: RefreshTokenFamily) => [
        stagedEvent('token.revoked', { familyId: ended.id, reason: ended.revokedReason }),
      ];
      expect(await store.revokeFamily(record.id, START + 2 * MINUTE, 'logout', { announce })).not.toBeNull();
      // Revoked already: nothing changes, so nothing is announced with it.
      expect(await store.revokeFamily(record.id, START + 3 * MINUTE, 'again', { announce })).toBeNull();
      expect((await target!.events.written()).map((event) => event.data)).toEqual([
        { familyId: record.id, reason: 'logout' },
      ]);
    });

    it("writes the events revoking a user's families announces with them, or revokes none", async () => {
      const records = [family(), family()];
      for (const record of records) await store.createFamily(record, hash());
      const failing = store.revokeUserFamilies('user-ada', START, 'disabled', { announce: failingAnnounce });
      await expect(failing).rejects.toThrow('cannot write');
      for (const record of records)
        expect(await store.getFamily(record.id)).toMatchObject({ revokedAt: null });
      const announce = (ids: string[]) => [stagedEvent('token.revoked', { families: ids.length })];
      expect(await store.revokeUserFamilies('user-ada', START, 'disabled', { announce })).toHaveLength(2);
      expect(await store.revokeUserFamilies('user-ada', START, 'disabled', { announce })).toEqual([]);
      expect((await target!.events.written()).map((event) => event.data)).toEqual([
        { families: 2 },
        { families: 0 },
      ]);
    });

    it('purges ended families with their tokens and clears old sealed successors, keeping the rest', async () => {
      const expired = family({ absoluteExpiresAt: START + DAY });
      const revokedLongAgo = family({ revokedAt: START + MINUTE, revokedReason: 'logout' });
      const revokedRecently = family({ revokedAt: START + DAY, revokedReason: 'logout' });
      const live = family();
      const tokens = new Map<string, string>();
      for (const record of [expired, revokedLongAgo, revokedRecently, live]) {
        const token = hash();
        tokens.set(record.id, token);
        await store.createFamily(record, token);
      }
      const change = rotation(live, tokens.get(live.id)!, START + 2 * MINUTE);
      await store.rotate(change);

      const deleted = await store.purge({
        now: START + DAY,
        revokedAtOrBefore: START + MINUTE,
        sealedRotatedAtOrBefore: START + 2 * MINUTE,
      });
      expect(deleted).toBe(2);
      for (const gone of [expired, revokedLongAgo]) {
        expect(await store.getFamily(gone.id)).toBeNull();
        expect(await store.findByTokenHash(tokens.get(gone.id)!)).toBeNull();
      }
      expect(await store.getFamily(revokedRecently.id)).toEqual(revokedRecently);
      expect((await store.findByTokenHash(tokens.get(live.id)!))?.token).toMatchObject({
        rotatedAt: START + 2 * MINUTE,
        successorSealed: null,
      });
      expect((await store.findByTokenHash(change.successorHash))?.family.id).toBe(live.id);
      expect(
        await store.purge({
          now: START + DAY,
          revokedAtOrBefore: START + MINUTE,
          sealedRotatedAtOrBefore: 0,
        }),
      ).toBe(0);
    });
  });
}
