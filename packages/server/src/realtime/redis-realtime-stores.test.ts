import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { redisUrl, uniqueRedisPrefix } from '../../test/support/services.ts';
import { systemClock } from '../core/clock.ts';
import { parseConfig } from '../core/config/index.ts';
import { openRedisConnection } from '../storage/index.ts';
import { createRealtimeStores } from './adapters.ts';
import {
  channelHistoryConformance,
  channelPresenceConformance,
  connectionRegistryConformance,
} from './realtime-stores.conformance.ts';
import {
  RedisChannelHistory,
  RedisChannelPresence,
  RedisConnectionRegistry,
} from './redis-realtime-stores.ts';

const url = await redisUrl();

/**
 * Two instances on one prefix are two nodes sharing the state. Expiry runs on Redis's clock, so time passes
 * by waiting (the suites keep TTLs short).
 */
function target<Store extends { close(): Promise<void> }>(
  make: (options: { url: string; prefix: string }) => Store,
) {
  return async () => {
    const options = { url: url!, prefix: uniqueRedisPrefix('rt') };
    const store = make(options);
    const peer = make(options);
    return {
      store,
      peer,
      advance: (ms: number) => sleep(ms),
      close: async () => {
        await Promise.all([store.close(), peer.close()]);
      },
    };
  };
}

describe.skipIf(!url)('Redis realtime stores', () => {
  connectionRegistryConformance(
    'redis',
    target((options) => new RedisConnectionRegistry(options)),
  );
  channelHistoryConformance(
    'redis',
    target((options) => new RedisChannelHistory(options)),
  );
  channelPresenceConformance(
    'redis',
    target((options) => new RedisChannelPresence(options)),
  );

  it('keeps every key of a user, tenant or channel on one hash tag, and loads its scripts again after SCRIPT FLUSH', async () => {
    const prefix = uniqueRedisPrefix('rt');
    const registry = new RedisConnectionRegistry({ url: url!, prefix });
    const history = new RedisChannelHistory({ url: url!, prefix });
    const presence = new RedisChannelPresence({ url: url!, prefix });
    const admin = openRedisConnection(url!);
    try {
      await registry.admit({ id: 'c1', userId: 'ann', tenantId: 'acme' }, 5, 300);
      await history.append('news', '{}', { size: 10, ttlMs: 60_000 });
      await presence.join('news', { connectionId: 'c1', userId: 'ann' }, 300);
      const keys = (await admin.client.keys(`${prefix}*`)).map((key) => key.slice(prefix.length)).sort();
      expect(keys).toEqual([
        'rt:all',
        'rt:h:{news}:epoch',
        'rt:h:{news}:log',
        'rt:h:{news}:offset',
        'rt:p:{news}:conns',
        'rt:p:{news}:expiries',
        'rt:t:{acme}',
        'rt:u:{ann}',
      ]);
      for (const key of keys) expect(await admin.client.pttl(prefix + key)).toBeGreaterThan(0);

      // A heartbeat is one pipeline of EVALSHA; the scripts Redis forgot must still run, or the entries expire.
      await admin.client.script('FLUSH');
      await registry.refresh([{ id: 'c1', userId: 'ann', tenantId: 'acme' }], 60_000);
      await admin.client.script('FLUSH');
      await presence.refresh([{ channel: 'news', connectionId: 'c1' }], 60_000);
      await sleep(400);
      expect(await registry.count({ tenantId: 'acme' })).toBe(1);
      expect(await presence.members('news')).toEqual([{ userId: 'ann', connections: 1 }]);
      await admin.client.script('FLUSH');
      expect((await history.append('news', '{}', { size: 10, ttlMs: 60_000 })).offset).toBe(2);
    } finally {
      await Promise.all([registry.close(), history.close(), presence.close(), admin.close()]);
    }
  });

  it('is what createRealtimeStores gives when storage.kv is a redis:// URL: two nodes share one limit', async () => {
    const prefix = uniqueRedisPrefix('rt');
    const config = parseConfig({ storage: { kv: url, redisPrefix: prefix } });
    const [one, two] = [
      createRealtimeStores({ config, clock: systemClock }),
      createRealtimeStores({ config, clock: systemClock }),
    ];
    const admin = openRedisConnection(url!);
    try {
      expect(await one.registry.admit({ id: 'c1', userId: 'ann', tenantId: null }, 1, 60_000)).toBe(true);
      expect(await two.registry.admit({ id: 'c2', userId: 'ann', tenantId: null }, 1, 60_000)).toBe(false);
      expect(await admin.client.exists(`${prefix}rt:u:{ann}`)).toBe(1);
    } finally {
      const stores = [one, two].flatMap((set) => [set.registry, set.history, set.presence]);
      await Promise.all([...stores.map((store) => store.close()), admin.close()]);
    }
  });
});
