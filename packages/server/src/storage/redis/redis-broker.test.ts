import { describe, expect, it } from 'vitest';
import { redisUrl, uniqueRedisPrefix } from '../../../test/support/services.ts';
import { brokerConformance, inbox, received } from '../broker.conformance.ts';
import { RedisBroker } from './redis-broker.ts';

const url = await redisUrl();

describe.skipIf(!url)('RedisBroker', () => {
  brokerConformance('redis', async () => {
    const broker = new RedisBroker({ url: url!, prefix: uniqueRedisPrefix('broker') });
    return { broker, close: () => broker.close() };
  });

  it('delivers between broker instances, as between nodes', async () => {
    const prefix = uniqueRedisPrefix('nodes');
    const nodeA = new RedisBroker({ url: url!, prefix });
    const nodeB = new RedisBroker({ url: url!, prefix });
    const onB = await inbox(nodeB, 'session.revoked');
    const onA = await inbox(nodeA, 'session.revoked');
    await nodeA.publish('session.revoked', 'sid-1');
    expect(await received(onB, 1)).toEqual(['sid-1']);
    expect(await received(onA, 1)).toEqual(['sid-1']);
    await Promise.all([nodeA.close(), nodeB.close()]);
  });

  it('does not hear brokers with another prefix', async () => {
    const mine = new RedisBroker({ url: url!, prefix: uniqueRedisPrefix('mine') });
    const theirs = new RedisBroker({ url: url!, prefix: uniqueRedisPrefix('theirs') });
    const box = await inbox(mine, 'events');
    await theirs.publish('events', 'not for you');
    await mine.publish('events', 'marker');
    expect(await received(box, 1)).toEqual(['marker']);
    await Promise.all([mine.close(), theirs.close()]);
  });

  it('keeps delivering when a handler throws', async () => {
    const errors: string[] = [];
    const broker = new RedisBroker({
      url: url!,
      prefix: uniqueRedisPrefix('errors'),
      onHandlerError: (_error, channel) => errors.push(channel),
    });
    await broker.subscribe('c', () => {
      throw new Error('handler bug');
    });
    const box = await inbox(broker, 'c');
    await broker.publish('c', 'm');
    expect(await received(box, 1)).toEqual(['m']);
    expect(errors).toEqual(['c']);
    await broker.close();
    await expect(broker.close()).resolves.toBeUndefined();
  });
});
