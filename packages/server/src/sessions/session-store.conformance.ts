import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AnnouncedEvents, stagedEvent } from '../../test/support/event-rows.ts';
import { type Clock, ManualClock } from '../core/clock.ts';
import type { SessionRecord, SessionStore } from './session-store.ts';

export interface SessionStoreTarget {
  store: SessionStore;
  /** What the store wrote to the outbox; every adapter writes announced events with its deletes. */
  events: AnnouncedEvents;
  /** Closes the store and whatever the factory opened for it (database, Redis keys, schema). */
  close(): Promise<void>;
}

const START = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A session as the manager would make it: created at START, 30 min idle, 12 h absolute. */
export function sessionRecord(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: randomBytes(16).toString('base64url'),
    tokenHash: randomBytes(32).toString('base64url'),
    userId: 'user-ada',
    createdAt: START,
    lastSeenAt: START,
    idleExpiresAt: START + 30 * MINUTE,
    absoluteExpiresAt: START + 12 * HOUR,
    authTime: START,
    amr: ['pwd'],
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    uaFamily: 'firefox',
    ipPrefix: '203.0.113.0/24',
    tenantId: null,
    ...overrides,
  };
}

const byId = (a: SessionRecord, b: SessionRecord) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The behaviour every SessionStore adapter must show. Register it from an adapter's test file with a factory;
 * each test gets a fresh, empty store whose clock (used by stores that compute cache lifetimes) stands at
 * 2026-01-01T00:00Z.
 */
export function sessionStoreConformance(
  adapter: string,
  open: (clock: Clock) => Promise<SessionStoreTarget>,
): void {
  describe(`SessionStore conformance: ${adapter}`, () => {
    let target: SessionStoreTarget | undefined;
    let store: SessionStore;

    beforeEach(async () => {
      target = await open(new ManualClock(START));
      store = target.store;
    });
    afterEach(async () => {
      await target?.close();
      target = undefined;
    });

    it('creates a session and finds it by token hash and by id, exactly as stored', async () => {
      const record = sessionRecord({ amr: ['pwd', 'otp'], authTime: START - 5 * MINUTE });
      await store.create(record);
      expect(await store.findByTokenHash(record.tokenHash)).toEqual(record);
      expect(await store.findById(record.id)).toEqual(record);
      // Twice: a cache that answers the second read must answer the same.
      expect(await store.findByTokenHash(record.tokenHash)).toEqual(record);
      expect(await store.findById(record.id)).toEqual(record);
    });

    it('round-trips amr arrays and null ip and user agent exactly', async () => {
      const records = [
        sessionRecord({ amr: ['otp', 'pwd', 'email'], userAgent: 'curl/8.5 "quoted" \\ ünïcødé 😀' }),
        sessionRecord({ amr: [], ip: null, userAgent: null, uaFamily: 'other', ipPrefix: 'unknown' }),
        sessionRecord({ amr: ['hwk'], ip: '2001:db8::1', ipPrefix: '2001:db8::/48', userAgent: '' }),
      ];
      for (const record of records) await store.create(record);
      for (const record of records) {
        expect(await store.findByTokenHash(record.tokenHash)).toEqual(record);
        expect(await store.findById(record.id)).toEqual(record);
      }
      expect([...(await store.listByUser('user-ada'))].sort(byId)).toEqual([...records].sort(byId));
    });

    it('keeps the active tenant, and null for none', async () => {
      const withTenant = sessionRecord({ tenantId: 'tenant-acme' });
      const without = sessionRecord();
      await store.create(withTenant);
      await store.create(without);
      for (const record of [withTenant, without]) {
        // Twice: the second read may come from a cache.
        expect(await store.findByTokenHash(record.tokenHash)).toEqual(record);
        expect(await store.findByTokenHash(record.tokenHash)).toEqual(record);
        expect(await store.findById(record.id)).toEqual(record);
      }
      expect((await store.deleteByUser('user-ada')).map((record) => record.tenantId).sort()).toEqual([
        null,
        'tenant-acme',
      ]);
    });

    it('returns null for an unknown token hash or id', async () => {
      const record = sessionRecord();
      await store.create(record);
      expect(await store.findByTokenHash(randomBytes(32).toString('base64url'))).toBeNull();
      expect(await store.findById(randomBytes(16).toString('base64url'))).toBeNull();
      // An id is not a token hash and the other way round.
      expect(await store.findByTokenHash(record.id)).toBeNull();
      expect(await store.findById(record.tokenHash)).toBeNull();
    });

    it('finds a session whose expiry has passed (the manager decides), by hash and by id', async () => {
      const record = sessionRecord({
        createdAt: START - 2 * HOUR,
        lastSeenAt: START - 2 * HOUR,
        idleExpiresAt: START - HOUR,
        authTime: START - 2 * HOUR,
      });
      await store.create(record);
      expect(await store.findByTokenHash(record.tokenHash)).toEqual(record);
      expect(await store.findById(record.id)).toEqual(record);
      expect(await store.findByTokenHash(record.tokenHash)).toEqual(record);
    });

    it('refuses a duplicate id or token hash and keeps the first record', async () => {
      const record = sessionRecord();
      await store.create(record);
      await expect(store.create(sessionRecord({ id: record.id }))).rejects.toThrow();
      await expect(store.create(sessionRecord({ tokenHash: record.tokenHash }))).rejects.toThrow();
      expect(await store.findByTokenHash(record.tokenHash)).toEqual(record);
      expect(await store.findById(record.id)).toEqual(record);
      expect(await store.listByUser(record.userId)).toEqual([record]);
    });

    it('touch moves lastSeenAt and idleExpiresAt and nothing else; an unknown id is a no-op', async () => {
      const record = sessionRecord();
      const other = sessionRecord();
      await store.create(record);
      await store.create(other);
      expect(await store.findByTokenHash(record.tokenHash)).toEqual(record);

      await store.touch(record.id, START + 10 * MINUTE, START + 40 * MINUTE);
      const touched = { ...record, lastSeenAt: START + 10 * MINUTE, idleExpiresAt: START + 40 * MINUTE };
      expect(await store.findByTokenHash(record.tokenHash)).toEqual(touched);
      expect(await store.findById(record.id)).toEqual(touched);

      await store.touch(record.id, START + 20 * MINUTE, START + 50 * MINUTE);
      const again = { ...record, lastSeenAt: START + 20 * MINUTE, idleExpiresAt: START + 50 * MINUTE };
      expect(await store.findByTokenHash(record.tokenHash)).toEqual(again);
      expect(await store.findById(record.id)).toEqual(again);
      expect(await store.findByTokenHash(other.tokenHash)).toEqual(other);

      await expect(store.touch('no-such-session', START, START + MINUTE)).resolves.toBeUndefined();
      expect(await store.findById('no-such-session')).toBeNull();
      expect([...(await store.listByUser('user-ada'))].sort(byId)).toEqual([again, other].sort(byId));
    });

    it('delete returns the removed record and forgets it; a second delete returns null', async () => {
      const record = sessionRecord({ amr: ['pwd', 'otp'] });
      const kept = sessionRecord();
      await store.create(record);
      await store.create(kept);
      expect(await store.findByTokenHash(record.tokenHash)).toEqual(record);
      expect(await store.findById(record.id)).toEqual(record);

      expect(await store.delete(record.id)).toEqual(record);
      expect(await store.findByTokenHash(record.tokenHash)).toBeNull();
      expect(await store.findById(record.id)).toBeNull();
      expect(await store.listByUser('user-ada')).toEqual([kept]);
      expect(await store.delete(record.id)).toBeNull();
      expect(await store.delete('no-such-session')).toBeNull();
      expect(await store.findByTokenHash(kept.tokenHash)).toEqual(kept);
    });

    it('deleteByUser removes and returns every session of that user, and only that user', async () => {
      const ada = [0, 1, 2].map((index) => sessionRecord({ createdAt: START + index * MINUTE }));
      const grace = sessionRecord({ userId: 'user-grace' });
      for (const record of [...ada, grace]) await store.create(record);
      for (const record of ada) expect(await store.findByTokenHash(record.tokenHash)).toEqual(record);

      const removed = await store.deleteByUser('user-ada');
      expect([...removed].sort(byId)).toEqual([...ada].sort(byId));
      for (const record of ada) {
        expect(await store.findByTokenHash(record.tokenHash)).toBeNull();
        expect(await store.findById(record.id)).toBeNull();
      }
      expect(await store.listByUser('user-ada')).toEqual([]);
      expect(await store.findByTokenHash(grace.tokenHash)).toEqual(grace);
      expect(await store.listByUser('user-grace')).toEqual([grace]);
      expect(await store.deleteByUser('user-ada')).toEqual([]);
      expect(await store.deleteByUser('user-nobody')).toEqual([]);
    });

    it('deleteByUser with exceptId keeps that one session', async () => {
      const current = sessionRecord({ createdAt: START + MINUTE });
      const others = [sessionRecord(), sessionRecord({ createdAt: START + 2 * MINUTE })];
      const grace = sessionRecord({ userId: 'user-grace' });
      for (const record of [current, ...others, grace]) await store.create(record);
      for (const record of [current, ...others]) await store.findByTokenHash(record.tokenHash);

      const removed = await store.deleteByUser('user-ada', { exceptId: current.id });
      expect([...removed].sort(byId)).toEqual([...others].sort(byId));
      expect(await store.findByTokenHash(current.tokenHash)).toEqual(current);
      expect(await store.findById(current.id)).toEqual(current);
      for (const record of others) {
        expect(await store.findByTokenHash(record.tokenHash)).toBeNull();
        expect(await store.findById(record.id)).toBeNull();
      }
      expect(await store.listByUser('user-ada')).toEqual([current]);
      expect(await store.listByUser('user-grace')).toEqual([grace]);
      expect(await store.deleteByUser('user-ada', { exceptId: current.id })).toEqual([]);
      expect(await store.deleteByUser('user-ada', { exceptId: undefined })).toEqual([current]);
    });

    it("listByUser returns only that user's sessions, oldest first, expired ones included", async () => {
      const newest = sessionRecord({ createdAt: START + 2 * MINUTE });
      const oldestExpired = sessionRecord({
        createdAt: START - 3 * HOUR,
        lastSeenAt: START - 3 * HOUR,
        idleExpiresAt: START - 2 * HOUR,
      });
      const middle = sessionRecord({ createdAt: START + MINUTE });
      const grace = sessionRecord({ userId: 'user-grace', createdAt: START });
      for (const record of [newest, oldestExpired, grace, middle]) await store.create(record);

      expect(await store.listByUser('user-ada')).toEqual([oldestExpired, middle, newest]);
      expect(await store.listByUser('user-grace')).toEqual([grace]);
      expect(await store.listByUser('user-nobody')).toEqual([]);
    });

    it('purgeExpired removes idle- and absolute-expired sessions, counts them, and keeps live ones', async () => {
      const now = START + HOUR;
      const live = sessionRecord({ idleExpiresAt: now + 1, absoluteExpiresAt: START + 12 * HOUR });
      const otherUserLive = sessionRecord({ userId: 'user-grace', idleExpiresAt: now + HOUR });
      const idleExpired = sessionRecord({ idleExpiresAt: START + 30 * MINUTE });
      const idleAtNow = sessionRecord({ userId: 'user-grace', idleExpiresAt: now });
      // Idle expiry is capped by absolute expiry in practice; these rows isolate the absolute condition.
      const absoluteExpired = sessionRecord({ idleExpiresAt: now + HOUR, absoluteExpiresAt: now - 1 });
      const absoluteAtNow = sessionRecord({ idleExpiresAt: now + HOUR, absoluteExpiresAt: now });
      const expired = [idleExpired, idleAtNow, absoluteExpired, absoluteAtNow];
      for (const record of [live, otherUserLive, ...expired]) await store.create(record);
      for (const record of [live, otherUserLive, ...expired]) {
        expect(await store.findByTokenHash(record.tokenHash)).toEqual(record);
      }
      expect(await store.countActive(now)).toBe(2);
      expect(await store.countActive(START)).toBe(6);

      expect(await store.purgeExpired(now)).toBe(4);
      for (const record of expired) {
        expect(await store.findByTokenHash(record.tokenHash)).toBeNull();
        expect(await store.findById(record.id)).toBeNull();
      }
      expect(await store.findByTokenHash(live.tokenHash)).toEqual(live);
      expect(await store.findById(otherUserLive.id)).toEqual(otherUserLive);
      expect(await store.listByUser('user-ada')).toEqual([live]);
      expect(await store.listByUser('user-grace')).toEqual([otherUserLive]);
      expect(await store.purgeExpired(now)).toBe(0);
      expect(await store.countActive(now)).toBe(2);
      expect(await store.purgeExpired(now + 1)).toBe(1);
      expect(await store.countActive(now + 1)).toBe(1);
      expect(await store.findByTokenHash(live.tokenHash)).toBeNull();
    });

    it('writes the events a delete announces with it, and keeps the session when writing them fails', async () => {
      const kept = sessionRecord();
      const gone = sessionRecord();
      await store.create(kept);
      await store.create(gone);
      const failing = store.delete(kept.id, {
        announce: () => {
          throw new Error('cannot write the events');
        },
      });
      await expect(failing).rejects.toThrow('cannot write the events');
      expect(await store.findById(kept.id)).toEqual(kept);

      const seen: Array<SessionRecord | null> = [];
      const removed = await store.delete(gone.id, {
        announce: (result) => {
          seen.push(result);
          return result ? [stagedEvent('session.revoked', { id: result.id })] : [];
        },
      });
      expect(seen).toEqual([removed]);
      expect(await store.delete('no-such-id', { announce: () => [] })).toBeNull();
      const written = await target!.events.written();
      expect(written.map((event) => [event.type, event.data])).toEqual([
        ['session.revoked', { id: gone.id }],
      ]);
    });

    it('deleteByUser writes its announced events with the removal, or removes nothing', async () => {
      const records = [sessionRecord(), sessionRecord()];
      for (const record of records) await store.create(record);
      const boom = () => {
        throw new Error('rolled back');
      };
      await expect(store.deleteByUser('user-ada', { announce: boom })).rejects.toThrow('rolled back');
      expect(await store.listByUser('user-ada')).toHaveLength(2);
      const removed = await store.deleteByUser('user-ada', {
        announce: (result) => [stagedEvent('session.revoked', { count: result.length })],
      });
      expect(removed).toHaveLength(2);
      expect((await target!.events.written()).map((event) => event.data)).toEqual([{ count: 2 }]);
    });
  });
}
