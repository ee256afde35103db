import { describe, expect, it } from 'vitest';
import { brokerConformance, inbox, received } from '../broker.conformance.ts';
import { MemoryBroker } from './memory-broker.ts';

brokerConformance('memory', async () => {
  const broker = new MemoryBroker();
  return { broker, close: () => broker.close() };
});

describe('MemoryBroker', () => {
  it('keeps delivering to the other handlers when one throws, and reports the error', async () => {
    const errors: Array<{ error: unknown; channel: string }> = [];
    const broker = new MemoryBroker({ onHandlerError: (error, channel) => errors.push({ error, channel }) });
    await broker.subscribe('news', () => {
      throw new Error('handler bug');
    });
    const box = await inbox(broker, 'news');
    await broker.publish('news', 'still delivered');
    expect(await received(box, 1)).toEqual(['still delivered']);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.channel).toBe('news');
    await broker.close();
  });

  it('does not deliver to separate in-process broker instances outside a cluster', async () => {
    const one = new MemoryBroker();
    const two = new MemoryBroker();
    const onTwo = await inbox(two, 'local');
    const onOne = await inbox(one, 'local');
    await one.publish('local', 'only one');
    await two.publish('local', 'only two');
    expect(await received(onOne, 1)).toEqual(['only one']);
    expect(await received(onTwo, 1)).toEqual(['only two']);
    await Promise.all([one.close(), two.close()]);
  });
});
