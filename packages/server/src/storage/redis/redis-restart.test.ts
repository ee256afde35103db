import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type TestRedisServer } from '../../../test/support/services.ts';
import { StoreUnavailableError } from '../../core/errors.ts';
import { inbox } from '../broker.conformance.ts';
import type { Broker } from '../ports.ts';
import { RedisBroker } from './redis-broker.ts';
import { RedisKeyValueStore } from './redis-key-value-store.ts';

/** Publishes until `box` holds `text` (a resubscription needs a moment after Redis returns); bounded. */
async function publishUntilReceived(
  broker: Broker,
  channel: string,
  box: { messages: Array<{ message: string }> },
  text: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!box.messages.some((entry) => entry.message === text)) {
    if (Date.now() > deadline) throw new Error(`"${text}" did not arrive within ${timeoutMs} ms`);
    await broker.publish(channel, text).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// A private redis-server that this file kills and restarts; the shared one is never touched.
describe('Redis adapters across a Redis restart', () => {
  let server: TestRedisServer;

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('resubscribes after a restart, completes subscriptions made during the outage, and pings fail fast', async () => {
    const broker = new RedisBroker({ url: server.url });
    const kv = new RedisKeyValueStore({ url: server.url });
    const before = await inbox(broker, 'before-outage');
    await broker.publish('before-outage', 'warm-up');
    await expect(kv.ping()).resolves.toBeUndefined();

    await server.stop();
    for (const check of [broker, kv]) {
      const started = Date.now();
      await expect(check.ping()).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1_500);
    }
    const duringOutage = inbox(broker, 'during-outage');

    await server.restart();
    await publishUntilReceived(broker, 'before-outage', before, 'after-restart');
    const during = await duringOutage;
    await publishUntilReceived(broker, 'during-outage', during, 'also after restart');
    await expect(broker.ping()).resolves.toBeUndefined();
    expect(await kv.increment('after-restart')).toBe(1);

    await Promise.all([broker.close(), kv.close()]);
  });

  it('fails at once with StoreUnavailableError while Redis is known to be down', async () => {
    const broker = new RedisBroker({ url: server.url });
    const kv = new RedisKeyValueStore({ url: server.url });
    await kv.set('k', 'v');
    await broker.publish('any', 'warm-up');

    await server.stop();
    // The connections notice the closed socket first.
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const failing of [() => kv.get('k'), () => kv.increment('n'), () => broker.publish('any', 'lost')]) {
      const started = Date.now();
      await expect(failing()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(100);
    }

    await server.restart();
    await Promise.all([broker.close(), kv.close()]);
  });

  it('tells resync listeners once its subscriptions are back, and when another node could not publish', async () => {
    const listener = new RedisBroker({ url: server.url });
    const publisher = new RedisBroker({ url: server.url });
    const slowPublisher = new RedisBroker({ url: server.url, publishTimeoutMs: 100 });
    let resyncs = 0;
    listener.onResync(() => {
      resyncs += 1;
    });
    const box = await inbox(listener, 'news');
    await publisher.publish('news', 'warm-up');

    await server.restart();
    const deadline = Date.now() + 10_000;
    while (resyncs === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(resyncs).toBe(1);
    // Subscriptions are active when listeners run: a publication right away arrives.
    await publisher.publish('news', 'right after').catch(() => {});
    await publishUntilReceived(publisher, 'news', box, 'right after');

    // A node whose publication failed announces a resync once it works again; here Redis only stalls (writes
    // paused past the publish deadline), so the listener's own subscription never drops.
    const admin = new Redis(server.url);
    await admin.call('CLIENT', 'PAUSE', '400', 'WRITE');
    await expect(slowPublisher.publish('news', 'lost')).rejects.toBeInstanceOf(StoreUnavailableError);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await slowPublisher.publish('news', 'works again');
    const again = Date.now() + 5_000;
    while (resyncs < 2 && Date.now() < again) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(resyncs).toBe(2);
    admin.disconnect();

    await Promise.all([listener.close(), publisher.close(), slowPublisher.close()]);
  });
});
