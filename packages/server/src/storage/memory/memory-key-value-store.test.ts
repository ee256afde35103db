import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { kvConformance } from '../kv.conformance.ts';
import { MemoryKeyValueStore } from './memory-key-value-store.ts';

kvConformance('memory', async () => {
  const clock = new ManualClock();
  const store = new MemoryKeyValueStore({ clock });
  return {
    store,
    exactTime: true,
    elapse: async (ms) => clock.advance(ms),
    close: () => store.close(),
  };
});

describe('MemoryKeyValueStore', () => {
  it('reclaims the memory of expired keys that are never read again', async () => {
    const clock = new ManualClock();
    const store = new MemoryKeyValueStore({ clock });
    for (let i = 0; i < 5_000; i += 1) await store.set(`nonce:${i}`, 'x', { ttlMs: 1_000 });
    clock.advance(2_000);
    for (let i = 0; i < 5_000; i += 1) await store.set(`nonce:next:${i}`, 'x', { ttlMs: 1_000 });
    // All 5000 first-round keys expired unread; the sweep must have dropped them.
    expect(store.size).toBeLessThan(6_000);
    expect(await store.get('nonce:next:1')).toBe('x');
  });
});
