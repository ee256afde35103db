import type { Clock } from '../core/clock.ts';
import type { LiftConfig } from '../core/config/schema.ts';
import {
  MemoryChannelHistory,
  MemoryChannelPresence,
  MemoryConnectionRegistry,
} from './memory-realtime-stores.ts';
import type { RealtimeStores } from './module.ts';
import {
  RedisChannelHistory,
  RedisChannelPresence,
  RedisConnectionRegistry,
} from './redis-realtime-stores.ts';

/**
 * Redis calls of the realtime stores give up after this long: a connect, a publish or a heartbeat waits on
 * Redis for a bounded time, and an outage becomes a 503 / a retried heartbeat instead of a hang.
 */
const REDIS_COMMAND_TIMEOUT_MS = 1_000;

/**
 * The realtime module's stores, for the app's shape factories only: Redis when `storage.kv` is a redis:// or
 * rediss:// URL (keys under `storage.redisPrefix`), so every node shares them; otherwise memory (one process).
 * Each Redis store opens its own connection, closed by its own `close()`.
 */
export function createRealtimeStores(options: { config: LiftConfig; clock: Clock }): RealtimeStores {
  const { config, clock } = options;
  const url = config.storage.kv;
  if (!/^rediss?:\/\//.test(url)) {
    return {
      registry: new MemoryConnectionRegistry({ clock }),
      history: new MemoryChannelHistory({ clock }),
      presence: new MemoryChannelPresence({ clock }),
    };
  }
  const redis = { url, prefix: config.storage.redisPrefix, commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS };
  return {
    registry: new RedisConnectionRegistry(redis),
    history: new RedisChannelHistory(redis),
    presence: new RedisChannelPresence(redis),
  };
}
