import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { reportBrokerHandlerError } from '../broker-handler-error.ts';
import type { Broker, BrokerHandler } from '../ports.ts';
import type { OutboxStore } from './outbox-store.ts';

export interface ChangeFeedOptions {
  store: OutboxStore;
  clock: Clock;
  log: Logger;
  /** This process group's origin: its own news reaches it through the inner broker, not the feed. */
  origin: string;
  /** How often other processes' news is looked for (default 500 ms: a change reaches every process in 2 s). */
  pollMs: number;
  /** How far back each poll reads (default 10 s): covers slow commits and clock skew between processes. */
  windowMs: number;
  /**
   * Channels whose messages are already outbox rows (`lift:events`: the event rows): not written again as news;
   * the poll reads those rows as news.
   */
  durableChannels?: readonly string[];
}

export interface ChangeFeedStats {
  /** News rows this process wrote for the others. */
  written: number;
  /** News from other processes delivered to this one's subscribers. */
  received: number;
  /** Polls that ran the query (SQLite skips it when no other connection committed). */
  queries: number;
  /** Polls skipped because no other connection committed (SQLite `PRAGMA data_version`). */
  skipped: number;
  /** News that could not be written or read (the database did not answer). */
  errors: number;
}

/**
 * A broker for processes that share a SQL database but no Redis (the embedded shape, a CLI next to a running
 * server): every publication is delivered in this process by the inner broker (memory, relayed between
 * cluster workers) and also written to the outbox as `news`; every process polls the outbox for news other
 * processes wrote and delivers it to its own subscribers. Delivery is at least once within the poll window,
 * so subscribers must be idempotent — Lift's are (they reread state).
 */
export class ChangeFeedBroker implements Broker {
  readonly stats: ChangeFeedStats = { written: 0, received: 0, queries: 0, skipped: 0, errors: 0 };
  readonly #inner: Broker;
  readonly #options: ChangeFeedOptions;
  readonly #local = new Map<string, Set<BrokerHandler>>();
  /** News already delivered, by row id, with when it was written (forgotten after the window). */
  readonly #seen = new Map<string, number>();
  readonly #writing = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;

  constructor(inner: Broker, options: ChangeFeedOptions) {
    this.#inner = inner;
    this.#options = options;
  }

  /**
   * Remembers the news already there (a starting process reads fresh state; old news is not for it), then
   * polls. Needs the outbox table: call after migrations.
   */
  async start(): Promise<void> {
    if (this.#timer) return;
    await this.#options.store.othersMayHaveWritten();
    await this.#poll(false);
    this.#timer = setInterval(() => {
      this.#polling ??= this.#poll(true).finally(() => {
        this.#polling = undefined;
      });
    }, this.#options.pollMs);
    this.#timer.unref();
  }

  async publish(channel: string, message: string): Promise<void> {
    if (this.#options.durableChannels?.includes(channel)) return this.#inner.publish(channel, message);
    // Registered before anything is awaited, so a `close()` right after a publication waits for its row.
    const writing = this.#options.store
      .append([{ kind: 'news', topic: channel, payload: message, dedupeKey: randomUUID() }])
      .then(
        () => {
          this.stats.written += 1;
        },
        (error: unknown) => {
          this.stats.errors += 1;
          throw error;
        },
      )
      .finally(() => this.#writing.delete(writing));
    this.#writing.add(writing);
    await Promise.all([this.#inner.publish(channel, message), writing]);
  }

  async subscribe(channel: string, handler: BrokerHandler): Promise<() => Promise<void>> {
    const unsubscribe = await this.#inner.subscribe(channel, handler);
    let handlers = this.#local.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.#local.set(channel, handlers);
    }
    handlers.add(handler);
    return async () => {
      this.#local.get(channel)?.delete(handler);
      await unsubscribe();
    };
  }

  onResync(listener: () => void): () => void {
    return this.#inner.onResync(listener);
  }

  ping(): Promise<void> {
    return this.#inner.ping();
  }

  /** Stops polling and waits for news still being written (a CLI command's last change), then the inner. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#polling;
    await Promise.allSettled([...this.#writing]);
    await this.#inner.close();
  }

  async #poll(deliver: boolean): Promise<void> {
    const { store, clock, log, origin, windowMs } = this.#options;
    try {
      if (deliver && !(await store.othersMayHaveWritten())) {
        this.stats.skipped += 1;
        return;
      }
      this.stats.queries += 1;
      const now = clock.now();
      for (const [id, at] of this.#seen) if (at < now - 2 * windowMs) this.#seen.delete(id);
      for (const row of await store.newsSince(now - windowMs, origin)) {
        if (this.#seen.has(row.id)) continue;
        this.#seen.set(row.id, row.createdAt);
        if (deliver) this.#deliver(row.topic, row.payload);
      }
    } catch (error) {
      this.stats.errors += 1;
      log.warn({ err: error }, 'could not read news from other processes; will retry');
    }
  }

  #deliver(channel: string, message: string): void {
    this.stats.received += 1;
    for (const handler of [...(this.#local.get(channel) ?? [])]) {
      try {
        handler(message, channel);
      } catch (error) {
        reportBrokerHandlerError(error, channel);
      }
    }
  }
}
