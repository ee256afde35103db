import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AnnouncedEvents, stagedEvent } from '../../../test/support/event-rows.ts';
import { type Clock, ManualClock } from '../../core/clock.ts';
import type { MfaFactorStore } from './mfa-factor-store.ts';
import { generateRecoveryCodes } from './recovery-codes.ts';

export interface MfaFactorStoreTarget {
  store: MfaFactorStore;
  /** What the store wrote to the outbox; every adapter writes announced events with its changes. */
  events: AnnouncedEvents;
  /** Closes the store and whatever the factory opened for it. */
  close(): Promise<void>;
}

const START = Date.UTC(2026, 0, 1);
const STEP = Math.floor(START / 30_000);

/** A user with a confirmed factor whose last used step is STEP. */
async function confirmed(store: MfaFactorStore, userId = 'user-1'): Promise<string[]> {
  const { hashes } = generateRecoveryCodes();
  expect(await store.savePending(userId, `sealed-${userId}`)).toBe(true);
  expect(await store.confirm(userId, hashes, STEP)).toBe(true);
  return hashes;
}

/** An `announce` that fails, as a failed write of the events would: the change must roll back with it. */
function failing(): never {
  throw new Error('cannot write the events');
}

/** An `announce` that stages one event named `type` carrying the result it was called with. */
function announcing(type: string) {
  return (done: boolean) => [stagedEvent(type, { done })];
}

/** Reads a few times at once first, so a pooled adapter has every connection open and the race is real. */
async function warmUp(store: MfaFactorStore): Promise<void> {
  await Promise.all(Array.from({ length: 10 }, () => store.get('user-1')));
}

/**
 * The behaviour every MfaFactorStore adapter must show: one factor per user, and every use of a code a single
 * conditional write, so of concurrent uses exactly one wins. Each test gets a fresh, empty store on a manual
 * clock standing at 2026-01-01T00:00Z.
 */
export function mfaFactorStoreConformance(
  adapter: string,
  open: (clock: Clock) => Promise<MfaFactorStoreTarget>,
): void {
  describe(`MfaFactorStore conformance: ${adapter}`, () => {
    let target: MfaFactorStoreTarget | undefined;
    let store: MfaFactorStore;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = new ManualClock(START);
      target = await open(clock);
      store = target.store;
    });
    afterEach(async () => {
      await target?.close();
      target = undefined;
    });

    it('saves a pending factor as given and replaces it while it is unconfirmed', async () => {
      expect(await store.get('user-1')).toBeNull();
      expect(await store.savePending('user-1', 'v1.iv.first.tag')).toBe(true);
      expect(await store.get('user-1')).toEqual({
        userId: 'user-1',
        type: 'totp',
        secretSealed: 'v1.iv.first.tag',
        confirmedAt: null,
        lastUsedStep: null,
        recoveryCodes: [],
        createdAt: new Date(START),
        updatedAt: new Date(START),
      });
      clock.advance(1_000);
      expect(await store.savePending('user-1', 'v1.iv.second.tag')).toBe(true);
      expect(await store.get('user-1')).toMatchObject({
        secretSealed: 'v1.iv.second.tag',
        confirmedAt: null,
        createdAt: new Date(START + 1_000),
        updatedAt: new Date(START + 1_000),
      });
      expect(await store.get('user-2')).toBeNull();
    });

    it('confirms a pending factor once, recording its codes and step', async () => {
      const { hashes } = generateRecoveryCodes();
      expect(await store.confirm('user-1', hashes, STEP)).toBe(false);
      await store.savePending('user-1', 'sealed');
      clock.advance(5_000);
      expect(await store.confirm('user-1', hashes, STEP)).toBe(true);
      const factor = await store.get('user-1');
      expect(factor).toEqual({
        userId: 'user-1',
        type: 'totp',
        secretSealed: 'sealed',
        confirmedAt: new Date(START + 5_000),
        lastUsedStep: STEP,
        recoveryCodes: hashes,
        createdAt: new Date(START),
        updatedAt: new Date(START + 5_000),
      });
      clock.advance(5_000);
      expect(await store.confirm('user-1', ['other'], STEP + 1)).toBe(false);
      expect(await store.get('user-1')).toEqual(factor);
    });

    it('never lets savePending overwrite a confirmed factor', async () => {
      await confirmed(store);
      const before = await store.get('user-1');
      clock.advance(1_000);
      expect(await store.savePending('user-1', 'attacker-secret')).toBe(false);
      expect(await store.get('user-1')).toEqual(before);
    });

    it('accepts each time step once and only moving forward', async () => {
      await store.savePending('user-1', 'sealed');
      expect(await store.useStep('user-1', STEP)).toBe(false);
      expect(await store.get('user-1')).toMatchObject({ lastUsedStep: null });
      await store.confirm('user-1', [], STEP);

      expect(await store.useStep('user-1', STEP)).toBe(false);
      expect(await store.useStep('user-1', STEP - 1)).toBe(false);
      clock.advance(30_000);
      expect(await store.useStep('user-1', STEP + 1)).toBe(true);
      expect(await store.get('user-1')).toMatchObject({
        lastUsedStep: STEP + 1,
        updatedAt: new Date(START + 30_000),
      });
      expect(await store.useStep('user-1', STEP + 1)).toBe(false);
      expect(await store.useStep('user-1', STEP + 3)).toBe(true);
      expect(await store.useStep('user-1', STEP + 2)).toBe(false);
      expect(await store.useStep('user-2', STEP + 5)).toBe(false);
    });

    it('lets exactly one of many concurrent uses of the same step win', async () => {
      await confirmed(store);
      await warmUp(store);
      const results = await Promise.all(Array.from({ length: 8 }, () => store.useStep('user-1', STEP + 1)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get('user-1')).toMatchObject({ lastUsedStep: STEP + 1 });
    });

    it('uses a recovery code once by clearing its slot, leaving the others', async () => {
      const hashes = await confirmed(store);
      clock.advance(1_000);
      expect(await store.useRecoveryCode('user-1', 3)).toBe(true);
      const factor = await store.get('user-1');
      expect(factor?.recoveryCodes).toEqual(hashes.map((hash, index) => (index === 3 ? null : hash)));
      expect(factor?.updatedAt).toEqual(new Date(START + 1_000));
      expect(await store.useRecoveryCode('user-1', 3)).toBe(false);
      expect(await store.useRecoveryCode('user-1', 9)).toBe(true);
      for (const index of [10, -1, 1.5, Number.NaN]) {
        expect(await store.useRecoveryCode('user-1', index)).toBe(false);
      }
      expect((await store.get('user-1'))?.recoveryCodes).toEqual([
        ...hashes.slice(0, 3),
        null,
        ...hashes.slice(4, 9),
        null,
      ]);
      expect(await store.useRecoveryCode('user-2', 0)).toBe(false);
    });

    it('refuses recovery codes of a pending factor', async () => {
      await store.savePending('user-1', 'sealed');
      expect(await store.useRecoveryCode('user-1', 0)).toBe(false);
    });

    it('lets one of many concurrent uses of a code win, and concurrent uses of different codes all win', async () => {
      await confirmed(store);
      await warmUp(store);
      const same = await Promise.all(Array.from({ length: 8 }, () => store.useRecoveryCode('user-1', 0)));
      expect(same.filter(Boolean)).toHaveLength(1);
      const different = await Promise.all(
        Array.from({ length: 9 }, (_, index) => store.useRecoveryCode('user-1', index + 1)),
      );
      expect(different).toEqual(Array.from({ length: 9 }, () => true));
      expect((await store.get('user-1'))?.recoveryCodes).toEqual(Array.from({ length: 10 }, () => null));
    });

    it('replaces the recovery codes of a confirmed factor only', async () => {
      await store.savePending('user-2', 'sealed');
      const { hashes } = generateRecoveryCodes();
      expect(await store.replaceRecoveryCodes('user-2', hashes)).toBe(false);
      expect(await store.replaceRecoveryCodes('nobody', hashes)).toBe(false);
      await confirmed(store);
      await store.useRecoveryCode('user-1', 0);
      clock.advance(1_000);
      expect(await store.replaceRecoveryCodes('user-1', hashes)).toBe(true);
      expect(await store.get('user-1')).toMatchObject({
        recoveryCodes: hashes,
        lastUsedStep: STEP,
        updatedAt: new Date(START + 1_000),
      });
      expect((await store.get('user-2'))?.recoveryCodes).toEqual([]);
    });

    it('deletes a factor, after which enrolment can start again', async () => {
      await confirmed(store);
      await store.savePending('user-2', 'sealed');
      expect(await store.delete('user-1')).toBe(true);
      expect(await store.delete('user-1')).toBe(false);
      expect(await store.get('user-1')).toBeNull();
      expect(await store.useStep('user-1', STEP + 1)).toBe(false);
      expect(await store.savePending('user-1', 'fresh')).toBe(true);
      expect(await store.get('user-1')).toMatchObject({
        secretSealed: 'fresh',
        confirmedAt: null,
        recoveryCodes: [],
      });
      expect(await store.delete('user-2')).toBe(true);
    });

    it('confirms a pending factor for exactly one of many concurrent callers', async () => {
      await store.savePending('user-1', 'sealed');
      await warmUp(store);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, index) => store.confirm('user-1', [`hash-${index}`], STEP + index)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await store.get('user-1')).toMatchObject({
        recoveryCodes: [`hash-${winner}`],
        lastUsedStep: STEP + winner,
      });
    });

    it('writes the events a confirmation announces with it, and leaves the factor pending when that fails', async () => {
      const { hashes } = generateRecoveryCodes();
      await store.savePending('user-1', 'sealed-user-1');
      await expect(store.confirm('user-1', hashes, STEP, { announce: failing })).rejects.toThrow(
        'cannot write the events',
      );
      expect(await store.get('user-1')).toMatchObject({
        confirmedAt: null,
        lastUsedStep: null,
        recoveryCodes: [],
      });
      expect(await store.confirm('user-1', hashes, STEP, { announce: announcing('auth.mfa.enrolled') })).toBe(
        true,
      );
      expect(await store.confirm('user-1', hashes, STEP, { announce: () => [] })).toBe(false);
      const written = await target!.events.written();
      expect(written.map((event) => [event.type, event.data])).toEqual([
        ['auth.mfa.enrolled', { done: true }],
      ]);
    });

    it('writes the events a recovery-code replacement or a delete announces with it, or changes nothing', async () => {
      const hashes = await confirmed(store);
      const fresh = generateRecoveryCodes().hashes;
      await expect(store.replaceRecoveryCodes('user-1', fresh, { announce: failing })).rejects.toThrow();
      await expect(store.delete('user-1', { announce: failing })).rejects.toThrow();
      expect((await store.get('user-1'))?.recoveryCodes).toEqual(hashes);

      const regenerated = announcing('auth.mfa.recovery_codes_regenerated');
      expect(await store.replaceRecoveryCodes('user-1', fresh, { announce: regenerated })).toBe(true);
      expect((await store.get('user-1'))?.recoveryCodes).toEqual(fresh);
      expect(await store.delete('user-1', { announce: announcing('auth.mfa.removed') })).toBe(true);
      expect(await store.get('user-1')).toBeNull();
      expect(await store.delete('user-1', { announce: announcing('auth.mfa.reset') })).toBe(false);
      const written = await target!.events.written();
      expect(written.map((event) => [event.type, event.data])).toEqual([
        ['auth.mfa.recovery_codes_regenerated', { done: true }],
        ['auth.mfa.removed', { done: true }],
        ['auth.mfa.reset', { done: false }],
      ]);
    });
  });
}
