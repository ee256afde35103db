import { describe, expect, it } from 'vitest';
import { redisUrl, uniqueRedisPrefix } from '../../test/support/services.ts';
import { ManualClock } from '../core/clock.ts';
import { openRedisConnection } from '../storage/index.ts';
import { rateLimitStoreConformance } from './rate-limit-store.conformance.ts';
import { RedisRateLimitStore } from './redis-rate-limit-store.ts';

const url = await redisUrl();

describe.skipIf(!url)('RedisRateLimitStore', () => {
  rateLimitStoreConformance('redis', async () => {
    const clock = new ManualClock();
    const store = new RedisRateLimitStore({ url: url!, prefix: uniqueRedisPrefix('rl'), time: clock });
    return { store, clock, close: () => store.close() };
  });

  it("decides on Redis's own clock by default, and loads its script again after SCRIPT FLUSH", async () => {
    const prefix = uniqueRedisPrefix('rl');
    const store = new RedisRateLimitStore({ url: url!, prefix });
    const rule = { algorithm: 'sliding-window', limit: 2, windowMs: 3_600_000 } as const;
    expect((await store.consume('k', rule, 1)).allowed).toBe(true);
    const admin = openRedisConnection(url!);
    await admin.client.script('FLUSH');
    expect(await store.consume('k', rule, 1)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await store.consume('k', rule, 1)).allowed).toBe(false);
    // The key carries a hash tag, so a cluster puts it on one slot whatever the subject.
    expect(await admin.client.exists(`${prefix}rl:{k}`)).toBe(1);
    await admin.close();
    await store.close();
  });
});
