import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { type Tracer, traced } from '../../core/tracing.ts';
import type { OutboxKind, OutboxRow, OutboxStore } from './outbox-store.ts';

/** What a claim loop has done since it started: the counters behind its metrics. */
export interface ClaimLoopStats {
  /** Rows claimed (a retry counts again). */
  claimed: number;
  /** Rows handled and marked done. */
  succeeded: number;
  /** Failures put back with a backoff. */
  retried: number;
  /** Rows given up after `maxAttempts` (jobs only). */
  gaveUp: number;
  /** Rows whose lease ended before they were settled (another process may handle them again). */
  lostClaims: number;
  /** Claim or settle queries that failed (the store was unreachable). */
  storeErrors: number;
}

export interface ClaimLoopOptions {
  kind: OutboxKind;
  store: OutboxStore;
  clock: Clock;
  log: Logger;
  /** This process's claim owner id. */
  owner: string;
  /** Handles one row; a rejection retries it with backoff. */
  handle(row: OutboxRow): Promise<void>;
  /** The topics this loop can handle (job types); all when omitted. */
  topics?: () => readonly string[];
  pollMs: number;
  leaseMs: number;
  batchSize: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Give a row up after this many claims; 0 = never. */
  maxAttempts: number;
  /** Clear the payload once done (sealed mail). */
  wipeWhenDone: boolean;
  /** With tracing on, each claimed batch is one span (`outbox.relay` for events, `outbox.jobs`). */
  tracer?: Tracer;
}

/**
 * Claims due outbox rows of one kind with a lease, hands each to `handle`, and settles it: done, or back with
 * an exponential backoff (`backoffBaseMs · 2^(attempts-1)`, at most `backoffMaxMs`). Polls every `pollMs` and
 * drains at once when `kick()` says this process just wrote a row. At least once: a process that dies after
 * handling a row but before settling it leaves the row to be handled again when the lease ends.
 */
export class ClaimLoop {
  readonly stats: ClaimLoopStats = {
    claimed: 0,
    succeeded: 0,
    retried: 0,
    gaveUp: 0,
    lostClaims: 0,
    storeErrors: 0,
  };
  readonly #options: ClaimLoopOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #started = false;

  constructor(options: ClaimLoopOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#timer = setInterval(() => this.kick(), this.#options.pollMs);
    this.#timer.unref();
    this.kick();
  }

  /** Drains soon, on a later turn of the event loop (after the current response is written). */
  kick(): void {
    if (!this.#started) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#drain())
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  /** Whether a drain is running or asked for. */
  get busy(): boolean {
    return this.#running !== undefined;
  }

  /** Resolves once no drain is running or asked for. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async close(): Promise<void> {
    this.#started = false;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#again = false;
    await this.idle();
  }

  async #drain(): Promise<void> {
    const options = this.#options;
    for (;;) {
      let rows: OutboxRow[];
      try {
        rows = await options.store.claim({
          kind: options.kind,
          owner: options.owner,
          limit: options.batchSize,
          leaseMs: options.leaseMs,
          ...(options.topics ? { topics: options.topics() } : {}),
        });
      } catch (error) {
        this.stats.storeErrors += 1;
        options.log.warn({ err: error, kind: options.kind }, 'could not claim outbox rows; will retry');
        return;
      }
      this.stats.claimed += rows.length;
      if (rows.length > 0) await this.#runBatch(rows);
      if (rows.length < options.batchSize || !this.#started) return;
    }
  }

  /**
   * A batch holds rows of many requests, so its span starts a trace of its own rather than joining the one of
   * whichever request kicked the loop.
   */
  #runBatch(rows: OutboxRow[]): Promise<void> {
    const run = async () => {
      for (const row of rows) await this.#run(row);
    };
    const tracer = this.#options.tracer;
    if (tracer === undefined || !tracer.enabled) return run();
    const kind = this.#options.kind;
    const attributes = { 'lift.outbox.kind': kind, 'lift.outbox.batch_size': rows.length };
    return traced(tracer, kind === 'event' ? 'outbox.relay' : 'outbox.jobs', attributes, run, null);
  }

  async #run(row: OutboxRow): Promise<void> {
    const options = this.#options;
    try {
      await options.handle(row);
    } catch (error) {
      await this.#settleFailure(row, error);
      return;
    }
    const complete = () => options.store.complete(row.id, options.owner, { wipe: options.wipeWhenDone });
    if (await this.#settle(row, complete)) this.stats.succeeded += 1;
  }

  async #settleFailure(row: OutboxRow, error: unknown): Promise<void> {
    const options = this.#options;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const log = { err: error, kind: options.kind, topic: row.topic, id: row.id, attempts: row.attempts };
    if (options.maxAttempts > 0 && row.attempts >= options.maxAttempts) {
      options.log.error(log, 'outbox row failed for the last time; giving up');
      if (await this.#settle(row, () => options.store.giveUp(row.id, options.owner, reason))) {
        this.stats.gaveUp += 1;
      }
      return;
    }
    const delay = Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** Math.max(0, row.attempts - 1));
    options.log.warn({ ...log, retryInMs: delay }, 'outbox row failed; will retry');
    const availableAt = options.clock.now() + delay;
    if (await this.#settle(row, () => options.store.retry(row.id, options.owner, availableAt, reason))) {
      this.stats.retried += 1;
    }
  }

  /** Runs a settle query; a lost claim or a store error leaves the row to its lease. */
  async #settle(row: OutboxRow, settle: () => Promise<boolean>): Promise<boolean> {
    try {
      if (await settle()) return true;
      this.stats.lostClaims += 1;
      this.#options.log.warn(
        { id: row.id, topic: row.topic },
        'outbox claim ended before the row was settled',
      );
    } catch (error) {
      this.stats.storeErrors += 1;
      this.#options.log.warn(
        { err: error, id: row.id },
        'could not settle an outbox row; its lease will end',
      );
    }
    return false;
  }
}
