import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import type { Tracer } from '../../core/tracing.ts';
import type { Broker } from '../ports.ts';
import type { ChangeFeedBroker, ChangeFeedStats } from './change-feed.ts';
import { ClaimLoop, type ClaimLoopStats } from './claim-loop.ts';
import type { OutboxEntry, OutboxStore } from './outbox-store.ts';

/** One job as its handler sees it. */
export interface Job {
  id: string;
  type: string;
  payload: string;
  /** The key given at enqueue (or the row id): what makes a handler idempotent across retries. */
  key: string;
  /** 1 on the first run. */
  attempt: number;
}

export type JobHandler = (job: Job) => Promise<void>;

/**
 * Durable background work (the `jobs` port): a job is a row in the outbox, written before the answer, and run
 * by a worker in whichever process claims it first, retried with backoff after a failure or a crash.
 */
export interface JobQueue {
  /** Registers the handler of a job type. At build time: a process claims only types it can run. */
  handle(type: string, handler: JobHandler): void;
  /** Writes the job; it runs soon after in this process (or, if this one dies, in another). */
  enqueue(type: string, payload: string, options?: { key?: string }): Promise<void>;
  /** Resolves once the jobs this process is running or was told about have had their attempt. */
  idle(): Promise<void>;
}

export interface OutboxSettings {
  pollMs: number;
  leaseMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  retentionMs: number;
  feedPollMs: number;
}

export interface OutboxStats {
  relay: ClaimLoopStats;
  jobs: ClaimLoopStats;
  /** Present when processes share news through the database (no Redis broker). */
  feed?: ChangeFeedStats;
  /** Rows removed by the retention purge. */
  purged: number;
  /** Events published at once by the process that wrote them, and those left to the relay. */
  fastPath: { published: number; failed: number };
}

export interface OutboxOptions {
  store: OutboxStore;
  /** Where relayed events go (a getter: storage stays lazy). */
  broker: () => Broker;
  clock: Clock;
  log: Logger;
  /** The claim owner id of this process. */
  owner: string;
  settings: OutboxSettings;
  /** The database change feed, when this shape has no Redis broker. */
  feed?: ChangeFeedBroker;
  /** The app's tracer: each relayed or worked batch is a span. */
  tracer?: Tracer;
}

/**
 * The outbox component of the SQL shape: the event relay (security events → broker, at least once), the job
 * worker, the change feed between processes, and the purge of finished rows. Built with no I/O; `start()`
 * (after migrations) starts its timers, `close()` stops them and waits for work in hand.
 */
export class Outbox implements JobQueue {
  readonly #options: OutboxOptions;
  readonly #handlers = new Map<string, JobHandler>();
  readonly #relay: ClaimLoop;
  readonly #jobs: ClaimLoop;
  #purged = 0;
  readonly #fast = { published: 0, failed: 0 };
  /** Fast-path publications still being settled. */
  readonly #inFlight = new Set<Promise<unknown>>();
  #purgeTimer: NodeJS.Timeout | undefined;

  constructor(options: OutboxOptions) {
    this.#options = options;
    const { settings } = options;
    const common = {
      store: options.store,
      clock: options.clock,
      log: options.log,
      owner: options.owner,
      pollMs: settings.pollMs,
      leaseMs: settings.leaseMs,
      batchSize: 50,
      backoffBaseMs: settings.backoffBaseMs,
      backoffMaxMs: settings.backoffMaxMs,
      ...(options.tracer ? { tracer: options.tracer } : {}),
    };
    this.#relay = new ClaimLoop({
      ...common,
      kind: 'event',
      maxAttempts: 0,
      wipeWhenDone: false,
      handle: (row) => options.broker().publish(row.topic, row.payload),
    });
    this.#jobs = new ClaimLoop({
      ...common,
      kind: 'job',
      maxAttempts: settings.maxAttempts,
      wipeWhenDone: true,
      topics: () => [...this.#handlers.keys()],
      handle: (row) => this.#runJob(row.id, row.topic, row.payload, row.dedupeKey, row.attempts),
    });
  }

  get stats(): OutboxStats {
    const feed = this.#options.feed?.stats;
    return {
      relay: this.#relay.stats,
      jobs: this.#jobs.stats,
      ...(feed ? { feed } : {}),
      purged: this.#purged,
      fastPath: { ...this.#fast },
    };
  }

  handle(type: string, handler: JobHandler): void {
    this.#handlers.set(type, handler);
  }

  async enqueue(type: string, payload: string, options: { key?: string } = {}): Promise<void> {
    await this.#options.store.append([{ kind: 'job', topic: type, payload, dedupeKey: options.key ?? '' }]);
    this.#jobs.kick();
  }

  /**
   * Publishes events at once (the fast path: subscribers hear them as soon as before) and writes them to the
   * outbox, claimed by this process; a row is marked done once its publication succeeded. When the broker
   * refused it, or this process died first, the relay of any process publishes it after the lease.
   */
  async appendEvents(events: ReadonlyArray<{ channel: string; id: string; payload: string }>): Promise<void> {
    const { store, broker, owner, settings } = this.#options;
    const entries = events.map(
      (event): OutboxEntry => ({
        kind: 'event',
        topic: event.channel,
        payload: event.payload,
        dedupeKey: event.id,
      }),
    );
    // Started before the write is awaited, so an event emitted without awaiting is heard as soon as before.
    const publications = entries.map((entry) => settled(broker().publish(entry.topic, entry.payload)));
    const ids = await store.append(entries, { claim: { owner, leaseMs: settings.leaseMs } });
    const done = Promise.all(ids.map((id, index) => this.#settleFastPath(id, publications[index])));
    this.#inFlight.add(done);
    void done.finally(() => this.#inFlight.delete(done));
  }

  /**
   * The fast path for events a store wrote in its own transaction, claimed by this process
   * (`SqlEventRows`): publishes them now and marks their rows done; what fails is left to the relay.
   */
  publishCommitted(events: ReadonlyArray<{ channel: string; id: string; payload: string }>): void {
    const { store, broker, owner, log } = this.#options;
    const publish = async (event: { channel: string; payload: string }) => {
      try {
        return (await settled(broker().publish(event.channel, event.payload))) === undefined;
      } catch {
        return false;
      }
    };
    const done = Promise.all(events.map(publish)).then(async (outcomes) => {
      const published = events.filter((_, index) => outcomes[index]).map((event) => event.id);
      this.#fast.published += published.length;
      this.#fast.failed += events.length - published.length;
      if (published.length < events.length) {
        log.warn('could not publish committed events now; the relay will after its lease');
      }
      await store.completeEvents(published, owner).catch((failure: unknown) => {
        log.warn({ err: failure }, 'could not mark published events done; the relay may publish them again');
      });
    });
    this.#inFlight.add(done);
    void done.finally(() => this.#inFlight.delete(done));
  }

  async #settleFastPath(id: string, publication: Promise<unknown> | undefined): Promise<void> {
    const { store, owner, log } = this.#options;
    const error = await publication;
    if (error !== undefined) {
      this.#fast.failed += 1;
      log.warn({ err: error, id }, 'could not publish an event now; the relay will after its lease');
      return;
    }
    this.#fast.published += 1;
    await store.complete(id, owner).catch((failure: unknown) => {
      log.warn({ err: failure, id }, 'could not mark a published event done; the relay may publish it again');
    });
  }

  /** When the oldest event not yet relayed to the broker was written (app clock, ms); null when none waits. */
  oldestUnrelayedAt(): Promise<number | null> {
    return this.#options.store.oldestUndoneAt('event');
  }

  /** How many events are written but not relayed yet (the `outbox_pending_events` gauge). */
  unrelayedCount(): Promise<number> {
    return this.#options.store.countUndone('event');
  }

  /** Resolves once neither jobs nor events are being handled (a job may emit events, an event handler jobs). */
  async idle(): Promise<void> {
    do {
      await Promise.all([this.#jobs.idle(), this.#relay.idle(), ...this.#inFlight]);
    } while (this.#jobs.busy || this.#relay.busy || this.#inFlight.size > 0);
  }

  /** Starts the relay, the worker, the change feed and the purge. Call after migrations. */
  async start(): Promise<void> {
    await this.#options.feed?.start();
    this.#relay.start();
    this.#jobs.start();
    if (this.#purgeTimer) return;
    const every = Math.min(this.#options.settings.retentionMs, 60_000);
    this.#purgeTimer = setInterval(() => void this.#purge(), every);
    this.#purgeTimer.unref();
  }

  async close(): Promise<void> {
    if (this.#purgeTimer) clearInterval(this.#purgeTimer);
    this.#purgeTimer = undefined;
    await Promise.all([this.#jobs.close(), this.#relay.close(), ...this.#inFlight]);
  }

  async #runJob(id: string, type: string, payload: string, key: string, attempt: number): Promise<void> {
    const handler = this.#handlers.get(type);
    if (!handler) throw new Error(`No handler for job type ${type} in this process.`);
    await handler({ id, type, payload, key: key === '' ? `job:${id}` : key, attempt });
  }

  async #purge(): Promise<void> {
    const { clock, settings, store, log } = this.#options;
    const now = clock.now();
    try {
      this.#purged += await store.purge(now - settings.retentionMs, now - 10 * settings.feedPollMs - 60_000);
    } catch (error) {
      log.warn({ err: error }, 'could not purge the outbox; will retry');
    }
  }
}

declare module '../../core/module.ts' {
  interface LiftPorts {
    /** Durable background work (mail …), run with retries by the outbox's worker. */
    jobs: JobQueue;
  }
}

/** Resolves with the rejection reason, or undefined once `promise` fulfilled; never rejects. */
function settled(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error ?? new Error('publication failed'),
  );
}
