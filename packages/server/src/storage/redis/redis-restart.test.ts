import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type TestRedisServer } from '../../../test/support/services.ts';
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
});
