import { describe, expect, it } from 'vitest';
import { redisUrl, uniqueRedisPrefix } from '../../../test/support/services.ts';
import { kvConformance } from '../kv.conformance.ts';
import { RedisKeyValueStore } from './redis-key-value-store.ts';

const url = await redisUrl();

describe.skipIf(!url)('RedisKeyValueStore', () => {
  kvConformance('redis', async () => {
    const store = new RedisKeyValueStore({ url: url!, prefix: uniqueRedisPrefix('kv') });
    return {
      store,
      exactTime: false,
      elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      close: () => store.close(),
    };
  });

  it('keeps stores with different prefixes apart', async () => {
    const one = new RedisKeyValueStore({ url: url!, prefix: uniqueRedisPrefix('one') });
    const two = new RedisKeyValueStore({ url: url!, prefix: uniqueRedisPrefix('two') });
    await one.set('shared-name', 'from one');
    expect(await two.get('shared-name')).toBeNull();
    expect(await one.get('shared-name')).toBe('from one');
    await Promise.all([one.close(), two.close()]);
  });

  it('closes twice without error', async () => {
    const store = new RedisKeyValueStore({ url: url! });
    await store.ping();
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });
});
