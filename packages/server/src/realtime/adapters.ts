import type { Clock } from '../core/clock.ts';
import type { LiftConfig } from '../core/config/schema.ts';
import {
  MemoryChannelHistory,
  MemoryChannelPresence,
  MemoryConnectionRegistry,
} from './memory-realtime-stores.ts';
import type { RealtimeStores } from './module.ts';

/** The realtime module's stores, for the app's shape factories only (Redis joins with its adapters). */
export function createRealtimeStores(options: { config: LiftConfig; clock: Clock }): RealtimeStores {
  const { clock } = options;
  return {
    registry: new MemoryConnectionRegistry({ clock }),
    history: new MemoryChannelHistory({ clock }),
    presence: new MemoryChannelPresence({ clock }),
  };
}
