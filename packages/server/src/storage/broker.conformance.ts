import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from './ports.ts';

export interface BrokerConformanceTarget {
  broker: Broker;
  close(): Promise<void>;
}

interface Inbox {
  messages: Array<{ message: string; channel: string }>;
  unsubscribe: () => Promise<void>;
}

const DELIVERY_TIMEOUT_MS = 3_000;

/** Subscribes and records what arrives. */
export async function inbox(broker: Broker, channel: string): Promise<Inbox> {
  const messages: Inbox['messages'] = [];
  const unsubscribe = await broker.subscribe(channel, (message, from) => {
    messages.push({ message, channel: from });
  });
  return { messages, unsubscribe };
}

/** Waits until `box` holds at least `count` messages; fails after a bounded time instead of hanging. */
export async function received(box: Inbox, count: number): Promise<string[]> {
  const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
  while (box.messages.length < count) {
    if (Date.now() > deadline) {
      throw new Error(
        `expected ${count} messages within ${DELIVERY_TIMEOUT_MS} ms, got ${box.messages.length}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return box.messages.map((entry) => entry.message);
}

/**
 * The behaviour every Broker adapter must show. Negative checks ("did not receive") wait for a later
 * marker message on a still-subscribed inbox instead of sleeping: delivery is in order, so once the marker
 * arrived, anything published before it would have too.
 */
export function brokerConformance(adapter: string, create: () => Promise<BrokerConformanceTarget>): void {
  describe(`Broker conformance: ${adapter}`, () => {
    let target: BrokerConformanceTarget;
    let broker: Broker;
    const run = randomBytes(4).toString('hex');
    let counter = 0;
    const channel = (label: string) => `conformance:${run}:${++counter}:${label}`;

    beforeAll(async () => {
      target = await create();
      broker = target.broker;
    });
    afterAll(async () => {
      await target?.close();
    });

    it('answers ping', async () => {
      await expect(broker.ping()).resolves.toBeUndefined();
    });

    it('accepts a publication nobody listens to', async () => {
      await expect(broker.publish(channel('void'), 'nobody')).resolves.toBeUndefined();
    });

    it('delivers to every subscriber of a channel, with the channel name, in order', async () => {
      const c = channel('fanout');
      const first = await inbox(broker, c);
      const second = await inbox(broker, c);
      await broker.publish(c, 'one');
      await broker.publish(c, 'two');
      expect(await received(first, 2)).toEqual(['one', 'two']);
      expect(await received(second, 2)).toEqual(['one', 'two']);
      expect(first.messages[0]?.channel).toBe(c);
    });

    it('stops delivering to a handler once it unsubscribed, and keeps the others', async () => {
      const c = channel('unsubscribe');
      const leaving = await inbox(broker, c);
      const staying = await inbox(broker, c);
      await broker.publish(c, 'before');
      await received(leaving, 1);
      await leaving.unsubscribe();
      await broker.publish(c, 'after');
      expect(await received(staying, 2)).toEqual(['before', 'after']);
      expect(leaving.messages.map((entry) => entry.message)).toEqual(['before']);
      await expect(leaving.unsubscribe()).resolves.toBeUndefined();
    });

    it('delivers again after the last handler left and a new one subscribed', async () => {
      const c = channel('resubscribe');
      const gone = await inbox(broker, c);
      await gone.unsubscribe();
      const back = await inbox(broker, c);
      await broker.publish(c, 'hello again');
      expect(await received(back, 1)).toEqual(['hello again']);
      expect(gone.messages).toEqual([]);
    });

    it('keeps channels apart', async () => {
      const a = channel('a');
      const b = channel('b');
      const onA = await inbox(broker, a);
      const onB = await inbox(broker, b);
      await broker.publish(a, 'for a');
      await broker.publish(b, 'for b');
      await broker.publish(a, 'marker');
      expect(await received(onA, 2)).toEqual(['for a', 'marker']);
      expect(await received(onB, 1)).toEqual(['for b']);
    });

    it('carries unicode channels and messages unchanged', async () => {
      const c = channel('канал:🚀');
      const box = await inbox(broker, c);
      const message = JSON.stringify({ text: 'Grüße, 世界 👋', emoji: '🧪', escape: '\\n"' });
      await broker.publish(c, message);
      expect(await received(box, 1)).toEqual([message]);
      expect(box.messages[0]?.channel).toBe(c);
    });
  });
}
