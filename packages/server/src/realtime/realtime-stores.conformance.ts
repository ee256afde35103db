import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelHistory, ChannelPresence, ConnectionEntry, ConnectionRegistry } from './ports.ts';

/** A store under test, fresh for each test, with a way to let time pass. */
export interface RealtimeStoreTarget<Store> {
  store: Store;
  /** The same shared state as another node sees it: on Redis a second instance; in memory the same one. */
  peer: Store;
  /** Lets `ms` pass for the store's expiries: a manual clock moves, or (Redis's own clock) a real wait. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

export type MakeRealtimeStoreTarget<Store> = () => Promise<RealtimeStoreTarget<Store>>;

/** Short enough to wait out on Redis; the waits leave 100 ms either side of every expiry. */
const TTL = 500;
const LONG_TTL = 60_000;

function withTarget<Store>(make: MakeRealtimeStoreTarget<Store>): () => RealtimeStoreTarget<Store> {
  let target: RealtimeStoreTarget<Store> | undefined;
  beforeEach(async () => {
    target = await make();
  });
  afterEach(async () => {
    await target?.close();
    target = undefined;
  });
  return () => target!;
}

function connection(id: string, userId = 'ann', tenantId: string | null = 'acme'): ConnectionEntry {
  return { id, userId, tenantId };
}

/**
 * What every ConnectionRegistry must do: a per-user limit that holds across nodes, slots freed by removal and
 * by expiry (a node that died stops refreshing), and exact counts per user, per tenant and in total.
 */
export function connectionRegistryConformance(
  name: string,
  make: MakeRealtimeStoreTarget<ConnectionRegistry>,
): void {
  describe(`ConnectionRegistry conformance: ${name}`, () => {
    const target = withTarget(make);

    it('answers ping', async () => {
      await expect(target().store.ping()).resolves.toBeUndefined();
    });

    it("admits up to the user's limit, then refuses; other users have their own", async () => {
      const { store } = target();
      for (const id of ['a', 'b', 'c']) expect(await store.admit(connection(id), 3, LONG_TTL)).toBe(true);
      expect(await store.admit(connection('d'), 3, LONG_TTL)).toBe(false);
      expect(await store.admit(connection('e', 'bob'), 3, LONG_TTL)).toBe(true);
      expect(await store.count({ userId: 'ann' })).toBe(3);
    });

    it('admits a live connection again without taking a second slot', async () => {
      const { store } = target();
      expect(await store.admit(connection('a'), 1, LONG_TTL)).toBe(true);
      expect(await store.admit(connection('a'), 1, LONG_TTL)).toBe(true);
      expect(await store.count({ userId: 'ann' })).toBe(1);
      expect(await store.count({})).toBe(1);
    });

    it('frees a slot on remove; removing one already gone is a no-op', async () => {
      const { store } = target();
      await store.admit(connection('a'), 2, LONG_TTL);
      await store.admit(connection('b'), 2, LONG_TTL);
      await store.remove(connection('a'));
      await store.remove(connection('a'));
      await store.remove(connection('never'));
      expect(await store.count({ userId: 'ann' })).toBe(1);
      expect(await store.count({ tenantId: 'acme' })).toBe(1);
      expect(await store.count({})).toBe(1);
      expect(await store.admit(connection('c'), 2, LONG_TTL)).toBe(true);
    });

    it('frees the slots of a node that stopped refreshing once the TTL passes', async () => {
      const { store, peer, advance } = target();
      await peer.admit(connection('a'), 2, TTL);
      await peer.admit(connection('b'), 2, TTL);
      expect(await store.admit(connection('c'), 2, TTL)).toBe(false);
      await advance(TTL + 100);
      expect(await store.count({ userId: 'ann' })).toBe(0);
      expect(await store.count({ tenantId: 'acme' })).toBe(0);
      expect(await store.count({})).toBe(0);
      expect(await store.admit(connection('c'), 2, TTL)).toBe(true);
    });

    it('keeps refreshed connections live, and only those', async () => {
      const { store, advance } = target();
      await store.admit(connection('a'), 5, TTL);
      await store.admit(connection('b'), 5, TTL);
      await advance(TTL - 200);
      await store.refresh([connection('a')], TTL);
      await advance(200 + 100);
      expect(await store.count({ userId: 'ann' })).toBe(1);
      expect(await store.count({ tenantId: 'acme' })).toBe(1);
      expect(await store.count({})).toBe(1);
      await store.refresh([connection('b')], TTL);
      expect(await store.count({})).toBe(1);
    });

    it('does not bring back a removed connection on refresh', async () => {
      const { store } = target();
      await store.admit(connection('a'), 5, LONG_TTL);
      await store.remove(connection('a'));
      await store.refresh([connection('a')], LONG_TTL);
      expect(await store.count({ userId: 'ann' })).toBe(0);
      expect(await store.count({})).toBe(0);
    });

    it('counts per user, per tenant and in total', async () => {
      const { store, peer } = target();
      await store.admit(connection('a1', 'ann', 'acme'), 5, LONG_TTL);
      await peer.admit(connection('a2', 'ann', 'acme'), 5, LONG_TTL);
      await store.admit(connection('b1', 'bob', 'acme'), 5, LONG_TTL);
      await peer.admit(connection('c1', 'cid', 'globex'), 5, LONG_TTL);
      await store.admit(connection('d1', 'dee', null), 5, LONG_TTL);
      expect(await store.count({ userId: 'ann' })).toBe(2);
      expect(await peer.count({ userId: 'bob' })).toBe(1);
      expect(await store.count({ userId: 'nobody' })).toBe(0);
      expect(await store.count({ tenantId: 'acme' })).toBe(3);
      expect(await peer.count({ tenantId: 'globex' })).toBe(1);
      expect(await store.count({ tenantId: 'none' })).toBe(0);
      expect(await store.count({})).toBe(5);
    });

    it('admits exactly the limit under 20 concurrent admits from two nodes', async () => {
      const { store, peer } = target();
      const admitted = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? store : peer).admit(connection(`c${i}`), 5, LONG_TTL),
        ),
      );
      expect(admitted.filter(Boolean)).toHaveLength(5);
      expect(await store.count({ userId: 'ann' })).toBe(5);
      expect(await store.count({ tenantId: 'acme' })).toBe(5);
      expect(await peer.count({})).toBe(5);
    });
  });
}

const KEEP = { size: 10, ttlMs: LONG_TTL };

/**
 * What every ChannelHistory must do: offsets 1, 2, 3 … in one epoch; `since` gives exactly the missed
 * publications, or none and `recovered: false` when it cannot give them all (another epoch, trimmed away,
 * over the limit); a stream that expires starts again at offset 0 in a new epoch.
 */
export function channelHistoryConformance(name: string, make: MakeRealtimeStoreTarget<ChannelHistory>): void {
  describe(`ChannelHistory conformance: ${name}`, () => {
    const target = withTarget(make);

    async function publish(channel: string, count: number, options = KEEP) {
      const positions = [];
      for (let i = 1; i <= count; i++)
        positions.push(await target().store.append(channel, `{"n":${i}}`, options));
      return positions;
    }

    it('answers ping', async () => {
      await expect(target().store.ping()).resolves.toBeUndefined();
    });

    it('numbers publications 1, 2, 3 … in one epoch', async () => {
      const positions = await publish('news', 3);
      expect(positions.map((p) => p.offset)).toEqual([1, 2, 3]);
      expect(new Set(positions.map((p) => p.epoch)).size).toBe(1);
      expect(await target().peer.position('news')).toEqual(positions[2]);
    });

    it('gives an unwritten stream offset 0 and an epoch its first publications keep', async () => {
      const { store, peer } = target();
      const start = await store.position('quiet');
      expect(start.offset).toBe(0);
      expect(start.epoch).not.toBe('');
      expect(await peer.position('quiet')).toEqual(start);
      await publish('quiet', 2);
      expect(await peer.since('quiet', start, 10)).toEqual({
        publications: [
          { offset: 1, data: '{"n":1}' },
          { offset: 2, data: '{"n":2}' },
        ],
        position: { offset: 2, epoch: start.epoch },
        recovered: true,
      });
    });

    it('gives exactly the missed publications, oldest first', async () => {
      const positions = await publish('news', 5);
      const result = await target().peer.since('news', positions[1]!, 10);
      expect(result).toEqual({
        publications: [
          { offset: 3, data: '{"n":3}' },
          { offset: 4, data: '{"n":4}' },
          { offset: 5, data: '{"n":5}' },
        ],
        position: positions[4],
        recovered: true,
      });
      expect(await target().store.since('news', positions[4]!, 10)).toEqual({
        publications: [],
        position: positions[4],
        recovered: true,
      });
    });

    it('recovers nothing from another epoch', async () => {
      const [first] = await publish('news', 2);
      const result = await target().store.since('news', { offset: 1, epoch: `${first!.epoch}x` }, 10);
      expect(result).toEqual({
        publications: [],
        position: { offset: 2, epoch: first!.epoch },
        recovered: false,
      });
    });

    it('recovers nothing from a position the stream has not reached', async () => {
      const [first] = await publish('news', 2);
      const result = await target().store.since('news', { offset: 5, epoch: first!.epoch }, 10);
      expect(result).toMatchObject({ publications: [], recovered: false });
    });

    it('trims to size, and recovers nothing once a missed publication was trimmed away', async () => {
      const options = { size: 3, ttlMs: LONG_TTL };
      const positions = await publish('news', 6, options);
      const { epoch } = positions[0]!;
      expect(await target().store.since('news', { offset: 3, epoch }, 10)).toMatchObject({
        publications: [{ offset: 4 }, { offset: 5 }, { offset: 6 }],
        recovered: true,
      });
      expect(await target().store.since('news', { offset: 2, epoch }, 10)).toEqual({
        publications: [],
        position: positions[5],
        recovered: false,
      });
      expect(await target().store.since('news', { offset: 0, epoch }, 10)).toMatchObject({
        recovered: false,
      });
    });

    it('recovers nothing when more than the limit was missed', async () => {
      const positions = await publish('news', 5);
      const { epoch } = positions[0]!;
      expect(await target().store.since('news', { offset: 1, epoch }, 3)).toEqual({
        publications: [],
        position: positions[4],
        recovered: false,
      });
      expect((await target().store.since('news', { offset: 2, epoch }, 3)).publications).toHaveLength(3);
    });

    it('keeps channels apart', async () => {
      await publish('news', 3);
      const [other] = await publish('sport', 1);
      expect(other!.offset).toBe(1);
      expect(await target().store.since('sport', { offset: 0, epoch: other!.epoch }, 10)).toMatchObject({
        publications: [{ offset: 1 }],
        recovered: true,
      });
    });

    it('keeps a stream while it is written, and restarts it in a new epoch once its TTL passes', async () => {
      const { store, advance } = target();
      const options = { size: 10, ttlMs: TTL };
      const [first] = await publish('news', 1, options);
      await advance(TTL - 200);
      await publish('news', 1, options);
      await advance(200 + 100);
      expect(await store.position('news')).toEqual({ offset: 2, epoch: first!.epoch });
      await advance(TTL);
      const restarted = await store.position('news');
      expect(restarted.offset).toBe(0);
      expect(restarted.epoch).not.toBe(first!.epoch);
      const [next] = await publish('news', 1, options);
      expect(next).toEqual({ offset: 1, epoch: restarted.epoch });
      expect(await store.since('news', { offset: 2, epoch: first!.epoch }, 10)).toEqual({
        publications: [],
        position: next,
        recovered: false,
      });
    });
  });
}

/**
 * What every ChannelPresence must do: members per user with their connection count and info, leave and
 * expiry dropping a connection, refresh keeping it.
 */
export function channelPresenceConformance(
  name: string,
  make: MakeRealtimeStoreTarget<ChannelPresence>,
): void {
  describe(`ChannelPresence conformance: ${name}`, () => {
    const target = withTarget(make);

    it('answers ping', async () => {
      await expect(target().store.ping()).resolves.toBeUndefined();
    });

    it('lists members per user, with their connection count and info', async () => {
      const { store, peer } = target();
      await store.join('room', { connectionId: 'a1', userId: 'ann', info: { name: 'Ann' } }, LONG_TTL);
      await peer.join('room', { connectionId: 'a2', userId: 'ann' }, LONG_TTL);
      await peer.join(
        'room',
        { connectionId: 'b1', userId: 'bob', info: { name: 'Bob', tags: [] } },
        LONG_TTL,
      );
      await store.join('room', { connectionId: 'c1', userId: 'cid' }, LONG_TTL);
      await store.join('other', { connectionId: 'd1', userId: 'dee' }, LONG_TTL);
      expect(await peer.members('room')).toEqual([
        { userId: 'ann', connections: 2, info: { name: 'Ann' } },
        { userId: 'bob', connections: 1, info: { name: 'Bob', tags: [] } },
        { userId: 'cid', connections: 1 },
      ]);
      expect(await store.members('empty')).toEqual([]);
    });

    it("shows the info of the user's connection that joined last", async () => {
      const { store, advance } = target();
      await store.join('room', { connectionId: 'a1', userId: 'ann', info: 'Ann' }, LONG_TTL);
      await advance(5);
      await store.join('room', { connectionId: 'a0', userId: 'ann', info: 'Annie' }, LONG_TTL);
      expect(await store.members('room')).toEqual([{ userId: 'ann', connections: 2, info: 'Annie' }]);
      await advance(5);
      await store.join('room', { connectionId: 'a1', userId: 'ann', info: 'Ann B.' }, LONG_TTL);
      expect(await store.members('room')).toEqual([{ userId: 'ann', connections: 2, info: 'Ann B.' }]);
    });

    it('drops a connection that leaves, and the user with their last one', async () => {
      const { store, peer } = target();
      await store.join('room', { connectionId: 'a1', userId: 'ann' }, LONG_TTL);
      await store.join('room', { connectionId: 'a2', userId: 'ann' }, LONG_TTL);
      await peer.leave('room', 'a1');
      expect(await store.members('room')).toEqual([{ userId: 'ann', connections: 1 }]);
      await store.leave('room', 'a2');
      await store.leave('room', 'a2');
      await store.leave('nowhere', 'a2');
      expect(await store.members('room')).toEqual([]);
    });

    it('drops a connection whose TTL passed, and keeps one that was refreshed', async () => {
      const { store, peer, advance } = target();
      await store.join('room', { connectionId: 'a1', userId: 'ann' }, TTL);
      await peer.join('room', { connectionId: 'b1', userId: 'bob' }, TTL);
      await store.join('hall', { connectionId: 'a1', userId: 'ann' }, TTL);
      await advance(TTL - 200);
      await store.refresh(
        [
          { channel: 'room', connectionId: 'a1' },
          { channel: 'hall', connectionId: 'a1' },
        ],
        TTL,
      );
      await advance(200 + 100);
      expect(await store.members('room')).toEqual([{ userId: 'ann', connections: 1 }]);
      expect(await store.members('hall')).toEqual([{ userId: 'ann', connections: 1 }]);
      await peer.refresh([{ channel: 'room', connectionId: 'b1' }], TTL);
      expect(await store.members('room')).toEqual([{ userId: 'ann', connections: 1 }]);
      await advance(TTL);
      expect(await store.members('room')).toEqual([]);
    });
  });
}
