import { describe } from 'vitest';
import { ManualClock } from '../core/clock.ts';
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
});
