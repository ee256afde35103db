import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyValueStore } from './ports.ts';

export interface KvConformanceTarget {
  store: KeyValueStore;
  /** Lets `ms` pass: moves a manual clock, or really waits for stores on a server's clock. */
  elapse(ms: number): Promise<void>;
  /** True when `elapse` moves a manual clock, so remaining lifetimes can be asserted exactly. */
  exactTime: boolean;
  close(): Promise<void>;
}

/**
 * The behaviour every KeyValueStore adapter must show (DESIGN §2 rule 3). Register it from an adapter's test
 * file with a factory for that adapter; each test uses its own keys, so one store serves the whole suite.
 */
export function kvConformance(adapter: string, create: () => Promise<KvConformanceTarget>): void {
  describe(`KeyValueStore conformance: ${adapter}`, () => {
    let target: KvConformanceTarget;
    let store: KeyValueStore;
    const run = randomBytes(4).toString('hex');
    let counter = 0;
    const key = (label: string) => `conformance:${run}:${++counter}:${label}`;

    beforeAll(async () => {
      target = await create();
      store = target.store;
    });
    afterAll(async () => {
      await target?.close();
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('returns null for a key never set', async () => {
      expect(await store.get(key('missing'))).toBeNull();
    });

    it('stores, overwrites and deletes a value', async () => {
      const k = key('plain');
      expect(await store.set(k, 'one')).toBe(true);
      expect(await store.get(k)).toBe('one');
      expect(await store.set(k, 'two')).toBe(true);
      expect(await store.get(k)).toBe('two');
      expect(await store.delete(k)).toBe(true);
      expect(await store.get(k)).toBeNull();
      expect(await store.delete(k)).toBe(false);
    });

    it('keeps unicode keys and values intact', async () => {
      const k = key('ключ:🔑:日本');
      const value = 'значение ✓ 😀 "quotes" \\ end';
      await store.set(k, value);
      expect(await store.get(k)).toBe(value);
    });

    it('writes with ifNotExists only when the key is absent', async () => {
      const k = key('nx');
      expect(await store.set(k, 'first', { ifNotExists: true })).toBe(true);
      expect(await store.set(k, 'second', { ifNotExists: true })).toBe(false);
      expect(await store.get(k)).toBe('first');
      await store.delete(k);
      expect(await store.set(k, 'third', { ifNotExists: true })).toBe(true);
      expect(await store.get(k)).toBe('third');
    });

    it('treats an expired key as missing for get, delete, ttl and ifNotExists', async () => {
      const k = key('expiring');
      // On a real server the read below must land inside the lifetime even on a loaded machine.
      const ttlMs = target.exactTime ? 100 : 1_000;
      await store.set(k, 'short-lived', { ttlMs });
      expect(await store.get(k)).toBe('short-lived');
      await target.elapse(ttlMs + 50);
      expect(await store.get(k)).toBeNull();
      expect(await store.ttl(k)).toBeNull();
      expect(await store.delete(k)).toBe(false);
      expect(await store.set(k, 'again', { ifNotExists: true, ttlMs: 10_000 })).toBe(true);
      expect(await store.get(k)).toBe('again');
    });

    it('reports remaining lifetime with ttl()', async () => {
      const withTtl = key('ttl');
      const forever = key('forever');
      expect(await store.ttl(key('absent'))).toBeNull();
      await store.set(forever, 'x');
      expect(await store.ttl(forever)).toBe(Number.POSITIVE_INFINITY);
      await store.set(withTtl, 'x', { ttlMs: 1_000 });
      const initial = await store.ttl(withTtl);
      if (target.exactTime) expect(initial).toBe(1_000);
      else expect(initial).toBeGreaterThan(800);
      expect(initial).toBeLessThanOrEqual(1_000);
      await target.elapse(300);
      const later = await store.ttl(withTtl);
      if (target.exactTime) expect(later).toBe(700);
      else expect(later).toBeGreaterThan(400);
      expect(later).toBeLessThanOrEqual(700);
    });

    it('drops the expiry when a key is overwritten without ttl', async () => {
      const k = key('reset-ttl');
      await store.set(k, 'a', { ttlMs: 100 });
      await store.set(k, 'b');
      await target.elapse(150);
      expect(await store.get(k)).toBe('b');
      expect(await store.ttl(k)).toBe(Number.POSITIVE_INFINITY);
    });

    it('increments from zero, by 1 or by a given step, including negative ones', async () => {
      const k = key('counter');
      expect(await store.increment(k)).toBe(1);
      expect(await store.increment(k)).toBe(2);
      expect(await store.increment(k, 10)).toBe(12);
      expect(await store.increment(k, -15)).toBe(-3);
      expect(await store.get(k)).toBe('-3');
      const other = key('counter-by');
      expect(await store.increment(other, 5)).toBe(5);
    });

    it('refuses to increment a value that is not an integer', async () => {
      const k = key('text');
      await store.set(k, 'hello');
      await expect(store.increment(k)).rejects.toMatchObject({ code: 'LIFT_KV_NOT_A_COUNTER' });
      expect(await store.get(k)).toBe('hello');
    });

    it('increments atomically under 200 concurrent calls', async () => {
      const k = key('concurrent');
      const results = await Promise.all(
        Array.from({ length: 200 }, () => store.increment(k, 1, { ttlMs: 60_000 })),
      );
      expect(await store.get(k)).toBe('200');
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    });

    it('applies the increment ttl only when the key is created, so the window does not slide', async () => {
      const k = key('window');
      expect(await store.increment(k, 1, { ttlMs: 200 })).toBe(1);
      await target.elapse(130);
      expect(await store.increment(k, 1, { ttlMs: 200 })).toBe(2);
      await target.elapse(130);
      // 260 ms after creation: a sliding window would still hold 2 until 330 ms.
      expect(await store.get(k)).toBeNull();
      expect(await store.increment(k, 1, { ttlMs: 200 })).toBe(1);
    });

    it('leaves an existing key without expiry when increment passes a ttl', async () => {
      const k = key('no-expiry');
      await store.increment(k);
      await store.increment(k, 1, { ttlMs: 100 });
      expect(await store.ttl(k)).toBe(Number.POSITIVE_INFINITY);
    });

    it('restarts an expired counter with a fresh ttl', async () => {
      const k = key('restart');
      await store.increment(k, 7, { ttlMs: 100 });
      await target.elapse(150);
      expect(await store.increment(k, 1, { ttlMs: 1_000 })).toBe(1);
      const remaining = await store.ttl(k);
      expect(remaining).toBeGreaterThan(800);
      expect(remaining).toBeLessThanOrEqual(1_000);
    });
  });
}
