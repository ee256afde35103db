import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { parseConfig } from '../core/config/index.ts';
import { createRealtimeStores } from './adapters.ts';
import {
  MemoryChannelHistory,
  MemoryChannelPresence,
  MemoryConnectionRegistry,
} from './memory-realtime-stores.ts';
import {
  channelHistoryConformance,
  channelPresenceConformance,
  connectionRegistryConformance,
} from './realtime-stores.conformance.ts';

/** One process holds one store, so the "other node" is the same instance; time is a manual clock. */
function target<Store extends { close(): Promise<void> }>(make: (clock: ManualClock) => Store) {
  return async () => {
    const clock = new ManualClock();
    const store = make(clock);
    return {
      store,
      peer: store,
      advance: async (ms: number) => clock.advance(ms),
      close: () => store.close(),
    };
  };
}

describe('memory realtime stores', () => {
  connectionRegistryConformance(
    'memory',
    target((clock) => new MemoryConnectionRegistry({ clock })),
  );
  channelHistoryConformance(
    'memory',
    target((clock) => new MemoryChannelHistory({ clock })),
  );
  channelPresenceConformance(
    'memory',
    target((clock) => new MemoryChannelPresence({ clock })),
  );

  it('is what createRealtimeStores gives without a redis:// storage.kv, on the clock it is given', async () => {
    const clock = new ManualClock();
    const config = parseConfig({ storage: { kv: 'memory:' } });
    const { registry, history, presence } = createRealtimeStores({ config, clock });
    expect(await registry.admit({ id: 'c1', userId: 'ann', tenantId: null }, 1, 1_000)).toBe(true);
    expect(await registry.admit({ id: 'c2', userId: 'ann', tenantId: null }, 1, 1_000)).toBe(false);
    clock.advance(1_000);
    expect(await registry.admit({ id: 'c2', userId: 'ann', tenantId: null }, 1, 1_000)).toBe(true);
    await Promise.all([registry.close(), history.close(), presence.close()]);
  });
});
