import type { Logger } from 'pino';
import { type StoreName, StoreUnavailableError } from './errors.ts';

/**
 * The one place that decides whether an error means "a store does not answer" (DESIGN §2 rule 7: say so, with
 * a 503, rather than a 500 with a driver's message), and that counts and reports those failures.
 *
 * Adapters that can tell (the Redis key-value store) throw `StoreUnavailableError` themselves; this catches the
 * rest — a PostgreSQL or SQLite driver error that reached the error renderer unwrapped — by its shape only, so
 * core needs no driver import.
 */

/** Socket-level failures, from any driver. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** PostgreSQL SQLSTATEs of a server that is going away or refusing connections (class 08 is matched apart). */
const POSTGRES_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300']);

/** Messages of ioredis and pg for a connection that is gone or a command that timed out. */
const REDIS_MESSAGES = [
  /^Command timed out/,
  /^Connection is closed/,
  /^Reached the max retries per request/,
];
const POSTGRES_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /is not queryable/,
];

/** `error` as a `StoreUnavailableError` when it is a store's connection failure; undefined otherwise. */
export function storeFailureOf(error: unknown): StoreUnavailableError | undefined {
  if (error instanceof StoreUnavailableError) return error;
  if (!(error instanceof Error)) return undefined;
  const store = storeOf(error);
  return store === undefined ? undefined : new StoreUnavailableError(store, { cause: error });
}

function storeOf(error: Error): StoreName | undefined {
  if (error.name === 'MaxRetriesPerRequestError' || REDIS_MESSAGES.some((re) => re.test(error.message))) {
    return 'kv';
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (CONNECTION_CODES.has(code) || POSTGRES_UNAVAILABLE.has(code) || /^08[0-9A-Z]{3}$/.test(code)) {
      return 'sql';
    }
    if (code === 'SQLITE_BUSY') return 'sql';
  }
  return POSTGRES_MESSAGES.some((re) => re.test(error.message)) ? 'sql' : undefined;
}

export type StoreFailureCounts = Record<StoreName, number>;

/**
 * Counts store failures answered with 503, per store (`counts`, for the metrics module to export), and logs
 * them at most once per `logIntervalMs` — one warning with the counts since the last one and the latest cause
 * — so an outage does not write a line per request.
 */
export class StoreFailureCounter {
  readonly counts: StoreFailureCounts = { sql: 0, kv: 0, broker: 0, sessions: 0 };
  readonly #log: () => Logger;
  readonly #logIntervalMs: number;
  readonly #now: () => number;
  #unreported = 0;
  #lastLogAt = Number.NEGATIVE_INFINITY;

  constructor(log: () => Logger, options: { logIntervalMs?: number; now?: () => number } = {}) {
    this.#log = log;
    this.#logIntervalMs = options.logIntervalMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  record(failure: StoreUnavailableError): void {
    this.counts[failure.store] += 1;
    this.#unreported += 1;
    const now = this.#now();
    if (now - this.#lastLogAt < this.#logIntervalMs) return;
    this.#log().warn(
      { err: failure.cause, store: failure.store, failures: this.#unreported, counts: { ...this.counts } },
      'a store does not answer; requests that need it get 503',
    );
    this.#lastLogAt = now;
    this.#unreported = 0;
  }
}
