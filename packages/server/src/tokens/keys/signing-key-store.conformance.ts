import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AnnouncedEvents, stagedEvent } from '../../../test/support/event-rows.ts';
import type { NewSigningKey, SigningKeyStore } from './signing-key-store.ts';

export interface SigningKeyStoreTarget {
  store: SigningKeyStore;
  /** What the store wrote to the outbox; every adapter writes announced events with its activations. */
  events: AnnouncedEvents;
  /** Closes the store and whatever the factory opened for it. */
  close(): Promise<void>;
}

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

function newKey(kid: string, createdAt = START): NewSigningKey {
  return {
    kid,
    alg: 'EdDSA',
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: `x-${kid}`, kid, alg: 'EdDSA', use: 'sig' },
    privateSealed: `v1.sealed-${kid}`,
    createdAt,
  };
}

async function statuses(store: SigningKeyStore): Promise<Record<string, string>> {
  return Object.fromEntries((await store.list()).map((key) => [key.kid, key.status]));
}

/**
 * The behaviour every SigningKeyStore adapter must show: pending, active and retired keys, one active key at
 * any time, and compare-and-set activation so nodes rotating at once rotate once. The store takes its times
 * from the caller, so it needs no clock. Each test gets a fresh, empty store.
 */
export function signingKeyStoreConformance(
  adapter: string,
  open: () => Promise<SigningKeyStoreTarget>,
): void {
  describe(`SigningKeyStore conformance: ${adapter}`, () => {
    let target: SigningKeyStoreTarget | undefined;
    let store: SigningKeyStore;

    beforeEach(async () => {
      target = await open();
      store = target.store;
    });
    afterEach(async () => {
      await target?.close();
      target = undefined;
    });

    it('inserts pending keys and lists them newest first with numeric times', async () => {
      await store.insert(newKey('a', START));
      await store.insert(newKey('b', START + 1));
      const keys = await store.list();
      expect(keys.map((key) => key.kid)).toEqual(['b', 'a']);
      expect(keys[1]).toEqual({
        kid: 'a',
        alg: 'EdDSA',
        publicJwk: { kty: 'OKP', crv: 'Ed25519', x: 'x-a', kid: 'a', alg: 'EdDSA', use: 'sig' },
        privateSealed: 'v1.sealed-a',
        status: 'pending',
        createdAt: START,
        activatedAt: null,
        retiredAt: null,
        verifyUntil: null,
      });
      await store.insert({ ...newKey('h'), alg: 'HS256', publicJwk: null });
      expect((await store.list()).find((key) => key.kid === 'h')?.publicJwk).toBeNull();
    });

    it('activates a key and retires the previous one with its verification window, in one step', async () => {
      await store.insert(newKey('a'));
      expect(await store.activate('a', { now: START, previousVerifyUntil: START + HOUR })).toBe(true);
      await store.insert(newKey('b'));
      expect(await store.activate('b', { now: START + 10, previousVerifyUntil: START + 10 + HOUR })).toBe(
        true,
      );
      const [b, a] = await store.list();
      expect(b).toMatchObject({ kid: 'b', status: 'active', activatedAt: START + 10, retiredAt: null });
      expect(a).toMatchObject({
        kid: 'a',
        status: 'retired',
        activatedAt: START,
        retiredAt: START + 10,
        verifyUntil: START + 10 + HOUR,
      });
      // Only pending keys can be activated.
      expect(await store.activate('a', { now: START + 20, previousVerifyUntil: START })).toBe(false);
      expect(await store.activate('b', { now: START + 20, previousVerifyUntil: START })).toBe(false);
      expect(await store.activate('missing', { now: START + 20, previousVerifyUntil: START })).toBe(false);
      expect(await statuses(store)).toEqual({ a: 'retired', b: 'active' });
    });

    it('activates only when the expected key is active, leaving the loser pending until discarded', async () => {
      const first = { now: START, previousVerifyUntil: START + HOUR, expectedActive: null };
      await store.insert(newKey('a'));
      await store.insert(newKey('b'));
      expect(await store.activate('a', first)).toBe(true);
      expect(await store.activate('b', first)).toBe(false);
      expect(await statuses(store)).toEqual({ a: 'active', b: 'pending' });

      expect(await store.activate('b', { ...first, expectedActive: 'stale' })).toBe(false);
      expect(await statuses(store)).toEqual({ a: 'active', b: 'pending' });
      expect(await store.activate('b', { ...first, expectedActive: 'a' })).toBe(true);
      expect(await statuses(store)).toEqual({ a: 'retired', b: 'active' });

      await store.insert(newKey('c'));
      expect(await store.discardPending('b')).toBe(false);
      expect(await store.discardPending('c')).toBe(true);
      expect(await store.discardPending('c')).toBe(false);
      expect(await statuses(store)).toEqual({ a: 'retired', b: 'active' });
    });

    it('deletes retired keys once their window has passed, never active or pending ones', async () => {
      for (const [kid, at] of [
        ['a', START],
        ['b', START + HOUR],
        ['c', START + 2 * HOUR],
      ] as const) {
        await store.insert(newKey(kid));
        await store.activate(kid, { now: at, previousVerifyUntil: at + HOUR });
      }
      await store.insert(newKey('pending'));
      // a verifies until START + 2h, b until START + 3h.
      expect(await store.deleteExpired(START + 2 * HOUR)).toBe(0);
      expect(await store.deleteExpired(START + 2 * HOUR + 1)).toBe(1);
      expect(await statuses(store)).toEqual({ b: 'retired', c: 'active', pending: 'pending' });
      expect(await store.deleteExpired(START + 100 * HOUR)).toBe(1);
      expect(await statuses(store)).toEqual({ c: 'active', pending: 'pending' });
    });

    it('activates exactly one of many keys offered at once when none is active', async () => {
      const kids = Array.from({ length: 8 }, (_, index) => `k${index}`);
      for (const kid of kids) await store.insert(newKey(kid));
      const results = await Promise.all(
        kids.map((kid) =>
          store.activate(kid, { now: START, previousVerifyUntil: START, expectedActive: null }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const active = (await store.list()).filter((key) => key.status === 'active');
      expect(active.map((key) => key.kid)).toEqual([kids[results.indexOf(true)]]);
    });

    it('ends with one active key when unconditional activations race', async () => {
      await store.insert(newKey('first'));
      await store.activate('first', { now: START, previousVerifyUntil: START });
      const kids = Array.from({ length: 8 }, (_, index) => `k${index}`);
      for (const kid of kids) await store.insert(newKey(kid));
      const results = await Promise.all(
        kids.map((kid) => store.activate(kid, { now: START + 1, previousVerifyUntil: START + HOUR })),
      );
      expect(results.every(Boolean)).toBe(true);
      const keys = await store.list();
      expect(keys.filter((key) => key.status === 'active')).toHaveLength(1);
      expect(keys.filter((key) => key.status === 'retired')).toHaveLength(8);
    });

    it('keeps a pending key pending when discardPending names another, and activates nothing twice', async () => {
      await store.insert(newKey('a'));
      expect(await store.discardPending('missing')).toBe(false);
      expect(
        await store.activate('a', { now: START, previousVerifyUntil: START, expectedActive: null }),
      ).toBe(true);
      expect(await store.discardPending('a')).toBe(false);
      expect(await store.list()).toEqual([
        expect.objectContaining({ kid: 'a', status: 'active', activatedAt: START, verifyUntil: null }),
      ]);
    });

    it('rotates exactly once when many nodes expect the same active key', async () => {
      await store.insert(newKey('old'));
      await store.activate('old', { now: START, previousVerifyUntil: START, expectedActive: null });
      const kids = Array.from({ length: 8 }, (_, index) => `n${index}`);
      for (const kid of kids) await store.insert(newKey(kid, START + 1));
      const results = await Promise.all(
        kids.map((kid) =>
          store.activate(kid, {
            now: START + HOUR,
            previousVerifyUntil: START + 2 * HOUR,
            expectedActive: 'old',
          }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = kids[results.indexOf(true)]!;
      const keys = await store.list();
      expect(keys.filter((key) => key.status === 'active').map((key) => key.kid)).toEqual([winner]);
      expect(keys.find((key) => key.kid === 'old')).toMatchObject({
        status: 'retired',
        retiredAt: START + HOUR,
        verifyUntil: START + 2 * HOUR,
      });
      expect(keys.filter((key) => key.status === 'pending')).toHaveLength(7);
    });

    it('writes the events an activation announces with it, and activates nothing when writing them fails', async () => {
      await store.insert(newKey('old'));
      await store.activate('old', { now: START, previousVerifyUntil: START });
      await store.insert(newKey('failed'));
      const announceFailing = () => {
        throw new Error('cannot write the events');
      };
      const failing = store.activate('failed', {
        now: START + HOUR,
        previousVerifyUntil: START + 2 * HOUR,
        announce: announceFailing,
      });
      await expect(failing).rejects.toThrow('cannot write');
      expect(await statuses(store)).toEqual({ old: 'active', failed: 'pending' });

      await store.insert(newKey('new'));
      const seen: boolean[] = [];
      const announce = (activated: boolean) => {
        seen.push(activated);
        return [stagedEvent('key.rotated', { kid: 'new' })];
      };
      const input = { now: START + HOUR, previousVerifyUntil: START + 2 * HOUR, announce };
      expect(await store.activate('new', input)).toBe(true);
      // A refused activation changes nothing and announces nothing.
      expect(await store.activate('failed', { ...input, expectedActive: 'old' })).toBe(false);
      expect(seen).toEqual([true]);
      expect(await statuses(store)).toEqual({ old: 'retired', failed: 'pending', new: 'active' });
      expect((await target!.events.written()).map((event) => [event.type, event.data])).toEqual([
        ['key.rotated', { kid: 'new' }],
      ]);
    });
  });
}
