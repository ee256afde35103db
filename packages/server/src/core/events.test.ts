import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { MemoryBroker } from '../storage/memory/memory-broker.ts';
import type { Broker } from '../storage/ports.ts';
import { ManualClock } from './clock.ts';
import { type DurableEventSink, EVENTS_CHANNEL, EventPublisher, type LiftEvent } from './events.ts';

/** A publisher on a real in-process broker; `failing` makes every publication reject. */
function publisher(options: { failing?: boolean; durable?: DurableEventSink } = {}) {
  const memory = new MemoryBroker();
  const broker: Broker = options.failing
    ? Object.assign(Object.create(memory) as Broker, {
        publish: () => Promise.reject(new Error('broker down')),
      })
    : memory;
  const log = pino({ level: 'silent' });
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const durable = options.durable ? { durable: options.durable } : {};
  return { events: new EventPublisher(() => broker, clock, log, durable), memory };
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
      { id: expect.any(String), type: 'secret.resealed', at: '2026-01-01T00:00:00.000Z', ...resealed },
      {
        id: expect.any(String),
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

  it('starts the durable write at emit, leaves publishing to its relay, and publishes what it refused', async () => {
    const written: string[] = [];
    let refuse = false;
    const { events, memory } = publisher({
      durable: {
        async write(channel, event) {
          if (refuse) throw new Error('outbox down');
          written.push(`${channel} ${event.type} ${event.id}`);
        },
        committed() {},
      },
    });
    const raw: string[] = [];
    await memory.subscribe(EVENTS_CHANNEL, (message) => raw.push(message));
    events.emit('secret.resealed', resealed);
    await Promise.resolve();
    expect(written).toEqual([expect.stringMatching(/^lift:events secret\.resealed [0-9a-f-]{36}$/)]);
    await events.settled();
    expect(raw).toEqual([]);

    refuse = true;
    events.emit('secret.resealed', resealed);
    await events.settled();
    expect(raw.map((message) => (JSON.parse(message) as LiftEvent).type)).toEqual(['secret.resealed']);
  });

  describe('change(): events that commit with the change', () => {
    const durableLog = () => {
      const log: string[] = [];
      const sink: DurableEventSink = {
        async write(_channel, event) {
          log.push(`write ${event.type}`);
        },
        committed(_channel, list) {
          log.push(...list.map((event) => `committed ${event.type} ${event.id}`));
        },
      };
      return { log, sink };
    };

    it('hands the store the events to write for its result, then the sink and local handlers get them', async () => {
      const { log, sink } = durableLog();
      const { events } = publisher({ durable: sink });
      const local: string[] = [];
      events.onLocal((event) => void local.push(event.id));
      let written: readonly LiftEvent[] = [];
      const result = await events.change<number>(
        async (announce) => {
          written = announce(2);
          return 2;
        },
        (count) => Array.from({ length: count }, () => ({ type: 'secret.resealed', payload: resealed })),
      );
      expect(result).toBe(2);
      expect(written.map((event) => event.type)).toEqual(['secret.resealed', 'secret.resealed']);
      expect(log).toEqual(written.map((event) => `committed secret.resealed ${event.id}`));
      await events.settled();
      expect(local).toEqual(written.map((event) => event.id));
      expect(events.stats.emitted).toBe(2);
    });

    it('emits after the change when the store has no transaction to write them in', async () => {
      const { log, sink } = durableLog();
      const { events } = publisher({ durable: sink });
      await events.change<string>(
        async () => 'done',
        () => [{ type: 'secret.resealed', payload: resealed }],
      );
      expect(log).toEqual(['write secret.resealed']);
    });

    it('records nothing for a change that failed, even after the store asked for its events', async () => {
      const { log, sink } = durableLog();
      const { events } = publisher({ durable: sink });
      const local: string[] = [];
      events.onLocal((event) => void local.push(event.id));
      const failing = events.change<number>(
        async (announce) => {
          announce(1);
          throw new Error('rolled back');
        },
        () => [{ type: 'secret.resealed', payload: resealed }],
      );
      await expect(failing).rejects.toThrow('rolled back');
      await events.settled();
      expect([log, local, events.stats.emitted]).toEqual([[], [], 0]);
    });
  });

  it('hands a subscriber each event once, even when the relay delivers it twice', async () => {
    const { events, memory } = publisher();
    const seen: string[] = [];
    await events.subscribe((event) => seen.push(event.id));
    const event = JSON.stringify({ id: 'e-1', type: 'secret.resealed', at: '', actor: 'system' });
    await memory.publish(EVENTS_CHANNEL, event);
    await memory.publish(EVENTS_CHANNEL, event);
    expect(seen).toEqual(['e-1']);
  });
});
