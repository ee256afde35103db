import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Broker } from '../storage/index.ts';
import type { Clock } from './clock.ts';
import { publishInBackground } from './publish-in-background.ts';

/**
 * Security and domain events (DESIGN §2 rule 4): every security decision is published on the broker, on one
 * channel, as JSON. The audit log, realtime and metrics subscribe; nobody is called directly.
 *
 * The names and what each carries form one catalog, `LiftEvents`, which every module extends by declaration
 * merging in its own `events.ts`, so `emit('session.revoked', { … })` is checked for name and payload.
 *
 * `emit()` only queues: local handlers and the broker publication run once the emitting code has yielded to
 * the event loop (after the answer is on its way), never inside a request's await chain. An effect the answer
 * depends on (a revocation that must hold on this node before logout returns) is applied by the writer
 * itself, not by a handler.
 */

export const EVENTS_CHANNEL = 'lift:events';

/** Nothing beyond `actor` and the request origin (the catalog entry of an event without details). */
export type EventDetails = Record<never, never>;

/**
 * The event catalog: each event's name and what it carries besides `actor` and the request origin (`subject`,
 * `reason`, `data`). Modules add theirs by declaration merging:
 * `declare module '../core/events.ts' { interface LiftEvents { 'session.revoked': { … } } }`.
 */
export interface LiftEvents {
  /** `app.resealSecrets()` re-sealed what a previous root secret sealed. */
  'secret.resealed': { data: { resealed: number; current: number } };
}

export type LiftEventName = keyof LiftEvents & string;

/** Who acted: a user id, `system`, or null for an anonymous caller. */
export interface EventActor {
  actor: string | null;
}

/** What `emit(name, payload)` takes for one event of the catalog. */
export type EventPayload<K extends LiftEventName> = LiftEvents[K] & EventActor & EventOrigin;

/** An event as published (and as subscribers receive it): the catalog entry with its name and time. */
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

export type LocalEventHandler = (event: LiftEvent) => void | Promise<void>;

/** One event of the catalog to record: its name and what `emit()` would take. */
export type EventSpec = { [K in LiftEventName]: { type: K; payload: EventPayload<K> } }[LiftEventName];

/**
 * The transactional outbox, as a store port sees it: a state-changing store method takes `announce` and calls
 * it inside its transaction, with the change's result, to get the events that announce the change; it writes
 * them in that same transaction, so they commit or vanish with it. A store without transactions (memory,
 * Redis) does not call it, and the events are recorded right after the change instead (`EventPublisher.change`).
 */
export type Announce<R> = (result: R) => readonly LiftEvent[];

/** The option a state-changing store method takes for `Announce`. */
export interface Announcing<R> {
  announce?: Announce<R>;
}

/**
 * Where events are written before they reach the broker (the outbox): durably, then relayed at least once, so a
 * broker outage or a crash after the decision does not lose them.
 */
export interface DurableEventSink {
  write(channel: string, event: LiftEvent): Promise<void>;
  /**
   * Events a store already wrote with its change (claimed by this process): publishes them now and marks
   * their rows done; the relay publishes them after the lease when this fails or the process dies first.
   */
  committed(channel: string, events: readonly LiftEvent[]): void;
}

/** How many recent event ids a subscriber remembers to drop redeliveries. */
const REMEMBERED_IDS = 10_000;

/** A queued event, and whether the durable sink took it (then its relay publishes it). */
interface Queued {
  event: LiftEvent;
  recorded: Promise<boolean> | undefined;
}

/** What went wrong after `emit()` returned; failures are logged too (`app.stats.events`). */
export interface EventStats {
  emitted: number;
  /** A local handler threw or rejected. */
  handlerFailures: number;
  /** The broker refused or lost the publication (the outbox relays durable events again). */
  publishFailures: number;
}

/** Runs `task` after the current macrotask (a request's remaining synchronous work and microtasks). */
const later: (task: () => void) => void =
  typeof setImmediate === 'function' ? (task) => setImmediate(task) : (task) => setTimeout(task, 0);

export class EventPublisher {
  readonly #local = new Set<LocalEventHandler>();
  readonly #broker: () => Broker;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #durable: DurableEventSink | undefined;
  readonly #queue: Queued[] = [];
  #draining: Promise<void> | undefined;
  readonly stats: EventStats = { emitted: 0, handlerFailures: 0, publishFailures: 0 };

  /** `broker` is a getter so the storage can stay lazy until the first event. */
  constructor(broker: () => Broker, clock: Clock, log: Logger, options: { durable?: DurableEventSink } = {}) {
    this.#broker = broker;
    this.#clock = clock;
    this.#log = log;
    this.#durable = options.durable;
  }

  /**
   * Records one event of the catalog and returns at once: the write to the durable sink (when there is one)
   * starts now, local handlers and the broker publication run later, in emit order. Never throws for the
   * event's sake: a failing sink, handler or broker is logged and counted (`stats`), and the decision stands.
   */
  emit<K extends LiftEventName>(type: K, payload: EventPayload<K>): void {
    const event = this.#build(type, payload);
    this.#enqueue(event, this.#record(event));
  }

  /**
   * Makes a change whose events commit with it (the transactional outbox): `run` hands `announce` to the store
   * method that makes the change, which calls it inside its transaction with the result and writes the events
   * `describe` returns for that result. Once the change committed, they are published and handed to local
   * handlers as `emit()`'s are. When the store has no transaction and never called `announce`, the events are
   * emitted after the change. A change that fails records nothing.
   */
  async change<R>(
    run: (announce: Announce<R>) => Promise<R>,
    describe: (result: R) => readonly EventSpec[],
  ): Promise<R> {
    let staged: LiftEvent[] | undefined;
    const result = await run((outcome) => {
      staged = describe(outcome).map((spec) => this.#build(spec.type, spec.payload));
      return staged;
    });
    if (staged === undefined) {
      for (const spec of describe(result)) this.emit(spec.type, spec.payload as never);
      return result;
    }
    if (staged.length > 0) this.#durable?.committed(EVENTS_CHANNEL, staged);
    for (const event of staged) this.#enqueue(event, this.#durable ? Promise.resolve(true) : undefined);
    return result;
  }

  #build(type: string, payload: object): LiftEvent {
    const at = new Date(this.#clock.now()).toISOString();
    return { ...payload, id: randomUUID(), type, at } as LiftEvent;
  }

  #enqueue(event: LiftEvent, recorded: Promise<boolean> | undefined): void {
    this.stats.emitted += 1;
    this.#queue.push({ event, recorded });
    this.#draining ??= new Promise<void>((resolve) => later(resolve)).then(() => this.#drain());
  }

  /**
   * Runs `handler` in this process, after the fact, for every event this process emits — for modules that
   * follow another's decisions where they were taken (access completing an invitation once its address is
   * verified). Never for an effect the answer depends on. Returns the unsubscribe.
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

  /**
   * Resolves once every event emitted so far (and every event their handlers emitted) has been handed to the
   * broker and through the local handlers. For `close()`, and for tests that look at an event's effects.
   */
  async settled(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
      const { event, recorded } = next;
      // A recorded event is published by the sink's relay; one the sink refused goes out directly.
      if (!(await recorded)) this.#publish(event);
      for (const handler of this.#local) await this.#run(handler, event);
    }
    this.#draining = undefined;
  }

  /** Starts the durable write; resolves to whether the sink took the event (never rejects). */
  #record(event: LiftEvent): Promise<boolean> | undefined {
    if (this.#durable === undefined) return undefined;
    const failed = (error: unknown) => {
      this.#log.error(
        { err: error, event: event.type },
        'could not write an event to the outbox; publishing it',
      );
      return false;
    };
    try {
      return this.#durable.write(EVENTS_CHANNEL, event).then(() => true, failed);
    } catch (error) {
      return Promise.resolve(failed(error));
    }
  }

  #publish(event: LiftEvent): void {
    const failed = (error: unknown) => {
      this.stats.publishFailures += 1;
      this.#log.error({ err: error, event: event.type }, 'could not publish an event');
    };
    try {
      publishInBackground(this.#broker(), EVENTS_CHANNEL, JSON.stringify(event), failed);
    } catch (error) {
      failed(error);
    }
  }

  async #run(handler: LocalEventHandler, event: LiftEvent): Promise<void> {
    try {
      await handler(event);
    } catch (error) {
      this.stats.handlerFailures += 1;
      this.#log.error({ err: error, event: event.type }, 'a local event handler failed');
    }
  }
}
