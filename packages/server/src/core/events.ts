import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Broker } from '../storage/index.ts';
import type { Clock } from './clock.ts';
import { publishInBackground } from './publish-in-background.ts';

/**
 * Security and domain events (DESIGN §2 rule 4): every security decision is published on the broker, on one
 * channel, as JSON. Caches, the audit log (a later module) and metrics subscribe; nobody is called directly.
 */

export const EVENTS_CHANNEL = 'lift:events';

export interface LiftEvent {
  /** Unique per event and kept through every redelivery: what an idempotent consumer keys on. */
  id: string;
  /** Dotted name: `auth.login.failed`, `session.revoked`, `user.disabled` … */
  type: string;
  /** ISO 8601 time of the decision. */
  at: string;
  /** Who acted: a user id, `system`, or null for an anonymous caller. */
  actor: string | null;
  /** Whom it is about (a user id), when that differs from the actor or the actor is anonymous. */
  subject?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  /** Why a refusal happened (`wrong_password`, `locked`, `unknown_email` …). Never a secret. */
  reason?: string;
  /** Further non-secret facts (session ids, counts). */
  data?: Record<string, unknown>;
}

/** Where an event happened: the request facts every event carries. */
export interface EventOrigin {
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

export type EventInput = Omit<LiftEvent, 'at' | 'id'>;

/**
 * Where events are written before they reach the broker (storage/outbox/): durably, then relayed at least once,
 * so a broker outage or a crash after the decision does not lose them.
 */
export interface DurableEventSink {
  write(channel: string, event: LiftEvent): Promise<void>;
}

/** How many recent event ids a subscriber remembers to drop redeliveries. */
const REMEMBERED_IDS = 10_000;

export type LocalEventHandler = (event: LiftEvent) => void | Promise<void>;

export class EventPublisher {
  readonly #local = new Set<LocalEventHandler>();
  readonly #broker: () => Broker;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #durable: DurableEventSink | undefined;

  /** `broker` is a getter so the storage can stay lazy until the first event. */
  constructor(broker: () => Broker, clock: Clock, log: Logger, options: { durable?: DurableEventSink } = {}) {
    this.#broker = broker;
    this.#clock = clock;
    this.#log = log;
    this.#durable = options.durable;
  }

  /**
   * Runs the local handlers, then writes the event to the outbox (the durable sink), whose relay publishes it
   * at least once; without a sink, hands it to the broker without waiting for it. Never throws: a broker outage must not turn a security decision into an error, so a
   * failed publication is logged at error level with the event (events hold no secrets).
   */
  async emit(event: EventInput): Promise<void> {
    const full: LiftEvent = { ...event, id: randomUUID(), at: new Date(this.#clock.now()).toISOString() };
    for (const handler of this.#local) {
      try {
        await handler(full);
      } catch (error) {
        this.#log.error({ err: error, event: full.type }, 'a local event handler failed');
      }
    }
    if (this.#durable) {
      try {
        await this.#durable.write(EVENTS_CHANNEL, full);
        return;
      } catch (error) {
        this.#log.error(
          { err: error, event: full.type },
          'could not write an event to the outbox; publishing it',
        );
      }
    }
    publishInBackground(this.#broker(), EVENTS_CHANNEL, JSON.stringify(full), (error) => {
      this.#log.error({ err: error, event: full }, 'could not publish an event');
    });
  }

  /**
   * Runs `handler` in this process for every event this process emits, before the event is published — for
   * modules that must act where the decision was taken, exactly once (tokens revoking a disabled user's
   * families). Returns the unsubscribe.
   */
  onLocal(handler: LocalEventHandler): () => void {
    this.#local.add(handler);
    return () => this.#local.delete(handler);
  }

  /** Subscribes to every event (tests, the audit log). Resolves once active; returns the unsubscribe. */
  subscribe(handler: (event: LiftEvent) => void): Promise<() => Promise<void>> {
    // Delivery is at least once (the outbox relay may publish an event twice): drop what was seen.
    const seen = new Set<string>();
    return this.#broker().subscribe(EVENTS_CHANNEL, (message) => {
      const event = JSON.parse(message) as LiftEvent;
      if (seen.has(event.id)) return;
      seen.add(event.id);
      if (seen.size > REMEMBERED_IDS) seen.delete(seen.values().next().value as string);
      handler(event);
    });
  }
}
