import type { DurableEventSink } from '../../core/events.ts';
import type { Outbox } from './outbox.ts';

/** The events' durable sink on the outbox: each event is a row the relay publishes at least once. */
export function outboxEventSink(outbox: Outbox): DurableEventSink {
  return {
    write: (channel, event) =>
      outbox.appendEvents([{ channel, id: event.id, payload: JSON.stringify(event) }]),
    committed: (channel, events) =>
      outbox.publishCommitted(
        events.map((event) => ({ channel, id: event.id, payload: JSON.stringify(event) })),
      ),
  };
}
