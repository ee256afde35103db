import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { MemoryBroker } from '../storage/memory/memory-broker.ts';
import type { Broker } from '../storage/ports.ts';
import { ManualClock } from './clock.ts';
import { EVENTS_CHANNEL, EventPublisher, type LiftEvent } from './events.ts';

/** A publisher on a real in-process broker; `failing` makes every publication reject. */
function publisher(options: { failing?: boolean } = {}) {
  const memory = new MemoryBroker();
  const broker: Broker = options.failing
    ? Object.assign(Object.create(memory) as Broker, {
        publish: () => Promise.reject(new Error('broker down')),
      })
    : memory;
  const log = pino({ level: 'silent' });
  return { events: new EventPublisher(() => broker, new ManualClock(Date.UTC(2026, 0, 1)), log), memory };
}

const resealed = { actor: 'system', data: { resealed: 1, current: 2 } } as const;

describe('EventPublisher', () => {
  it('returns from emit before any handler or subscriber has seen the event, then delivers it in order', async () => {
    const { events } = publisher();
    const handled: string[] = [];
    const published: LiftEvent[] = [];
    events.onLocal((event) => {
      handled.push(`${event.type}:${event.data?.resealed}`);
    });
    await events.subscribe((event) => published.push(event));

    events.emit('secret.resealed', resealed);
    events.emit('secret.resealed', { ...resealed, data: { resealed: 2, current: 2 } });
    await Promise.resolve();
    expect(handled).toEqual([]);
    expect(published).toEqual([]);

    await events.settled();
    expect(handled).toEqual(['secret.resealed:1', 'secret.resealed:2']);
    expect(published).toEqual([
      { type: 'secret.resealed', at: '2026-01-01T00:00:00.000Z', ...resealed },
      {
        type: 'secret.resealed',
        at: '2026-01-01T00:00:00.000Z',
        ...resealed,
        data: { resealed: 2, current: 2 },
      },
    ]);
    expect(events.stats).toEqual({ emitted: 2, handlerFailures: 0, publishFailures: 0 });
  });

  it('counts a failing handler and still runs the others and the later events', async () => {
    const { events } = publisher();
    const seen: number[] = [];
    events.onLocal(() => {
      throw new Error('handler bug');
    });
    events.onLocal(async (event) => {
      seen.push(Number(event.data?.resealed));
    });
    events.emit('secret.resealed', resealed);
    events.emit('secret.resealed', { ...resealed, data: { resealed: 5, current: 5 } });
    await events.settled();
    expect(seen).toEqual([1, 5]);
    expect(events.stats.handlerFailures).toBe(2);
  });

  it('settles only after events emitted by handlers have run too', async () => {
    const { events } = publisher();
    const seen: string[] = [];
    events.onLocal((event) => {
      seen.push(String(event.data?.resealed));
      if (event.data?.resealed === 1)
        events.emit('secret.resealed', { ...resealed, data: { resealed: 9, current: 9 } });
    });
    events.emit('secret.resealed', resealed);
    await events.settled();
    expect(seen).toEqual(['1', '9']);
  });

  it('counts a publication the broker refused, without failing the emitter or the handlers', async () => {
    const { events } = publisher({ failing: true });
    const seen: LiftEvent[] = [];
    events.onLocal((event) => {
      seen.push(event);
    });
    expect(() => events.emit('secret.resealed', resealed)).not.toThrow();
    await events.settled();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toHaveLength(1);
    expect(events.stats.publishFailures).toBe(1);
  });

  it('publishes on the one events channel', async () => {
    const { events, memory } = publisher();
    const raw: string[] = [];
    await memory.subscribe(EVENTS_CHANNEL, (message) => raw.push(message));
    events.emit('secret.resealed', resealed);
    await events.settled();
    expect(raw.map((message) => (JSON.parse(message) as LiftEvent).type)).toEqual(['secret.resealed']);
  });
});
