import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { redisUrl, uniqueRedisPrefix } from '../../test/support/services.ts';
import { MemoryBroker } from '../storage/memory/memory-broker.ts';
import type { Broker } from '../storage/ports.ts';
import { RedisBroker } from '../storage/redis/redis-broker.ts';
import { BrokerInvalidation, INVALIDATION_CHANNEL } from './invalidation.ts';

const log = pino({ level: 'silent' });
const url = await redisUrl();

/** Two nodes of one deployment: each its own broker connection (Redis) or the one in-process broker. */
interface Deployment {
  nodes: [Broker, Broker];
  close(): Promise<void>;
}

const deployments: Array<{ name: string; make(): Deployment }> = [
  {
    name: 'MemoryBroker',
    make() {
      const broker = new MemoryBroker();
      return { nodes: [broker, broker], close: () => broker.close() };
    },
  },
  ...(url
    ? [
        {
          name: 'RedisBroker',
          make(): Deployment {
            const prefix = uniqueRedisPrefix('invalidation');
            const a = new RedisBroker({ url, prefix });
            const b = new RedisBroker({ url, prefix });
            return { nodes: [a, b], close: async () => void (await Promise.all([a.close(), b.close()])) };
          },
        },
      ]
    : []),
];

const open: Deployment[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((deployment) => deployment.close()));
});

/** Resolves once `box` holds `count` keys, or fails after 2 s. */
async function received(box: string[], count: number): Promise<string[]> {
  const deadline = Date.now() + 2_000;
  while (box.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  return box;
}

describe.each(deployments)('BrokerInvalidation on $name', ({ make }) => {
  function nodes() {
    const deployment = make();
    open.push(deployment);
    const [a, b] = deployment.nodes;
    return {
      a: new BrokerInvalidation(() => a, log),
      b: new BrokerInvalidation(() => b, log),
      brokerOfA: a,
    };
  }

  it('delivers a key to the topic’s handlers on every node, the sender included, and to no other topic', async () => {
    const { a, b } = nodes();
    const sessionsOnA: string[] = [];
    const sessionsOnB: string[] = [];
    const keysOnB: string[] = [];
    await a.on('sessions', (key) => sessionsOnA.push(key));
    await b.on('sessions', (key) => sessionsOnB.push(key));
    await b.on('keys', (key) => keysOnB.push(key));

    a.invalidate('sessions', 'sid-1');
    a.invalidate('keys', 'kid-2');
    expect(await received(sessionsOnB, 1)).toEqual(['sid-1']);
    expect(await received(sessionsOnA, 1)).toEqual(['sid-1']);
    expect(await received(keysOnB, 1)).toEqual(['kid-2']);
    expect(sessionsOnB).toEqual(['sid-1']);
  });

  it('carries every topic on the one channel', async () => {
    const { a, brokerOfA } = nodes();
    const raw: string[] = [];
    await brokerOfA.subscribe(INVALIDATION_CHANNEL, (message) => raw.push(message));
    a.invalidate('access', '{"type":"access.changed"}');
    a.invalidate('revocations', '{"kind":"jti"}');
    expect((await received(raw, 2)).map((message) => JSON.parse(message))).toEqual([
      { topic: 'access', key: '{"type":"access.changed"}' },
      { topic: 'revocations', key: '{"kind":"jti"}' },
    ]);
  });

  it('stops calling a handler once unsubscribed, and ignores malformed messages', async () => {
    const { a, b, brokerOfA } = nodes();
    const first: string[] = [];
    const second: string[] = [];
    const stop = await b.on('sessions', (key) => first.push(key));
    await b.on('sessions', (key) => second.push(key));
    await stop();
    await brokerOfA.publish(INVALIDATION_CHANNEL, 'not json');
    await brokerOfA.publish(INVALIDATION_CHANNEL, JSON.stringify({ topic: 'sessions' }));
    a.invalidate('sessions', 'sid-9');
    expect(await received(second, 1)).toEqual(['sid-9']);
    expect(first).toEqual([]);
  });
});
