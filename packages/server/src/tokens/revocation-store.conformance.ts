import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AnnouncedEvents, stagedEvent } from '../../test/support/event-rows.ts';
import type { RevocationEntry, RevocationStore } from './revocation-store.ts';

export interface RevocationStoreTarget {
  store: RevocationStore;
  /** What the store wrote to the outbox; every adapter writes announced events with its saves. */
  events: AnnouncedEvents;
  /** Closes the store and whatever the factory opened for it. */
  close(): Promise<void>;
}

const START = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

const byKey = (a: RevocationEntry, b: RevocationEntry) =>
  `${a.kind}:${a.value}` < `${b.kind}:${b.value}` ? -1 : 1;

/**
 * The behaviour every RevocationStore adapter must show: the durable home of revoked token ids, sids and
 * per-user cut-offs, read back by a node that starts or missed a broker message. Times are given by the
 * caller (`RevocationState` owns the clock), so the store needs none. Each test gets a fresh, empty store.
 */
export function revocationStoreConformance(
  adapter: string,
  open: () => Promise<RevocationStoreTarget>,
): void {
  describe(`RevocationStore conformance: ${adapter}`, () => {
    let target: RevocationStoreTarget | undefined;
    let store: RevocationStore;

    beforeEach(async () => {
      target = await open();
      store = target.store;
    });
    afterEach(async () => {
      await target?.close();
      target = undefined;
    });

    it('saves entries of every kind and lists those still in force, exactly as saved', async () => {
      expect(await store.live(START)).toEqual([]);
      const entries: RevocationEntry[] = [
        { kind: 'jti', value: 'jti-1', at: 0, until: START + 10 * MINUTE },
        { kind: 'sid', value: 'family-1', at: 0, until: START + 20 * MINUTE },
        { kind: 'user', value: 'user-ada', at: START - MINUTE, until: START + 30 * MINUTE },
        // The same value under another kind is another entry.
        { kind: 'sid', value: 'jti-1', at: 0, until: START + 5 * MINUTE },
      ];
      for (const entry of entries) await store.save(entry);
      expect((await store.live(START)).sort(byKey)).toEqual([...entries].sort(byKey));
    });

    it('stops listing an entry from its `until` on', async () => {
      await store.save({ kind: 'jti', value: 'short', at: 0, until: START + MINUTE });
      await store.save({ kind: 'jti', value: 'long', at: 0, until: START + 2 * MINUTE });
      expect((await store.live(START + MINUTE - 1)).map((entry) => entry.value).sort()).toEqual([
        'long',
        'short',
      ]);
      expect((await store.live(START + MINUTE)).map((entry) => entry.value)).toEqual(['long']);
      expect(await store.live(START + 2 * MINUTE)).toEqual([]);
    });

    it('keeps the later `at` and the later `until` when an entry is saved again', async () => {
      await store.save({ kind: 'user', value: 'user-ada', at: START, until: START + 10 * MINUTE });
      await store.save({ kind: 'user', value: 'user-ada', at: START - MINUTE, until: START + 20 * MINUTE });
      expect(await store.live(START)).toEqual([
        { kind: 'user', value: 'user-ada', at: START, until: START + 20 * MINUTE },
      ]);
      await store.save({ kind: 'user', value: 'user-ada', at: START + MINUTE, until: START + 5 * MINUTE });
      expect(await store.live(START)).toEqual([
        { kind: 'user', value: 'user-ada', at: START + MINUTE, until: START + 20 * MINUTE },
      ]);
    });

    it('ends with the latest `at` and `until` when many saves of one entry race', async () => {
      const saves = Array.from({ length: 12 }, (_, index) => ({
        kind: 'user' as const,
        value: 'user-ada',
        at: START + ((index * 7) % 12) * 1_000,
        until: START + ((index * 5) % 12) * MINUTE + MINUTE,
      }));
      await Promise.all(saves.map((entry) => store.save(entry)));
      expect(await store.live(START)).toEqual([
        { kind: 'user', value: 'user-ada', at: START + 11_000, until: START + 12 * MINUTE },
      ]);
    });

    it('purges entries whose `until` has passed, answering how many, and keeps live ones', async () => {
      await store.save({ kind: 'jti', value: 'a', at: 0, until: START });
      await store.save({ kind: 'sid', value: 'b', at: 0, until: START + MINUTE });
      await store.save({ kind: 'user', value: 'c', at: START - MINUTE, until: START + 2 * MINUTE });
      expect(await store.purgeExpired(START - 1)).toBe(0);
      expect(await store.purgeExpired(START + MINUTE)).toBe(2);
      expect(await store.purgeExpired(START + MINUTE)).toBe(0);
      expect(await store.live(0)).toEqual([
        { kind: 'user', value: 'c', at: START - MINUTE, until: START + 2 * MINUTE },
      ]);
    });

    it('writes the events a save announces with the entry, and saves nothing when writing them fails', async () => {
      const failed: RevocationEntry = { kind: 'jti', value: 'jti-failed', at: 0, until: START + MINUTE };
      const announceFailing = () => {
        throw new Error('cannot write the events');
      };
      await expect(store.save(failed, { announce: announceFailing })).rejects.toThrow('cannot write');
      expect(await store.live(START)).toEqual([]);

      const saved: RevocationEntry = { kind: 'jti', value: 'jti-1', at: 0, until: START + MINUTE };
      await store.save(saved, { announce: () => [stagedEvent('token.revoked', { jti: 'jti-1' })] });
      expect(await store.live(START)).toEqual([saved]);
      expect((await target!.events.written()).map((event) => [event.type, event.data])).toEqual([
        ['token.revoked', { jti: 'jti-1' }],
      ]);
    });
  });
}
