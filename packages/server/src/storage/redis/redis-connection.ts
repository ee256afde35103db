import type * as IORedis from 'ioredis';
import type { Redis, RedisOptions } from 'ioredis';
import { type StoreName, StoreUnavailableError } from '../../core/errors.ts';
import { lazyRequire } from '../../core/lazy-require.ts';

const ioredis = lazyRequire<typeof IORedis>('ioredis');

export interface RedisConnectionOptions {
  /** Per-command deadline in ms; commands queued while Redis is unreachable fail after it too. */
  commandTimeoutMs?: number;
}

/** Redis reconnects after 50, 100, … ms, then every second, forever. */
export const REDIS_MAX_RECONNECT_DELAY_MS = 1_000;

/**
 * One ioredis connection with Lift's defaults: by default commands do not pile up while Redis is down (a
 * queued command fails after one failed reconnect instead of twenty, and after `commandTimeoutMs`), and
 * connection errors are kept for `ping()` rather than printed as unhandled `error` events. Reconnection
 * continues forever; a subscriber connection resubscribes its channels on reconnect.
 */
export function openRedisConnection(
  url: string,
  options: RedisConnectionOptions & Pick<RedisOptions, 'maxRetriesPerRequest' | 'enableAutoPipelining'> = {},
): RedisConnection {
  // Lazy: the first command connects, so building an app does no I/O (the module contract's build step).
  const client = new (ioredis().Redis)(url, {
    lazyConnect: true,
    maxRetriesPerRequest: options.maxRetriesPerRequest === undefined ? 1 : options.maxRetriesPerRequest,
    autoResubscribe: true,
    retryStrategy: (attempt) => Math.min(50 * attempt, REDIS_MAX_RECONNECT_DELAY_MS),
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeout: options.commandTimeoutMs }),
    ...(options.enableAutoPipelining ? { enableAutoPipelining: true } : {}),
  });
  return new RedisConnection(client);
}

export class RedisConnection {
  #lastError: Error | undefined;
  #disconnected = false;

  constructor(readonly client: Redis) {
    client.on('error', (error: Error) => {
      this.#lastError = error;
    });
    client.on('ready', () => {
      this.#lastError = undefined;
      this.#disconnected = false;
    });
    client.on('close', () => {
      this.#disconnected = true;
    });
  }

  /**
   * Runs one command, failing at once while the connection is known to be down (it closed and is not ready
   * again) instead of queueing for a reconnection or a deadline: a request waits on at most one bounded Redis
   * call, and during an outage on none. Failures become `StoreUnavailableError` (503) for `store`; an error
   * reply from Redis itself passes through unchanged, since retrying would not help it.
   */
  async command<T>(store: StoreName, run: () => Promise<T>): Promise<T> {
    if (this.#disconnected) {
      throw new StoreUnavailableError(store, {
        cause: this.#lastError ?? new Error('Connection is closed.'),
      });
    }
    try {
      return await run();
    } catch (error) {
      if (error instanceof ioredis().ReplyError) throw error;
      throw new StoreUnavailableError(store, { cause: error });
    }
  }

  /** Rejects within `timeoutMs` when Redis does not answer, instead of waiting in ioredis's offline queue. */
  ping(timeoutMs: number): Promise<void> {
    return this.#within(
      timeoutMs,
      'answer PING',
      this.client.ping().then(() => {}),
    );
  }

  /**
   * Resolves once the connection is ready (at once when it is); rejects after `timeoutMs`. For a subscriber
   * connection, where a plain PING is not the same command.
   */
  ready(timeoutMs: number): Promise<void> {
    if (this.client.status === 'ready') return Promise.resolve();
    if (this.client.status === 'wait') this.client.connect().catch(() => {});
    let onReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      onReady = resolve;
      this.client.once('ready', onReady);
    });
    return this.#within(timeoutMs, 'become ready', ready).finally(() => this.client.off('ready', onReady));
  }

  async #within(timeoutMs: number, what: string, work: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const reason = this.#lastError ? `: ${this.#lastError.message}` : '';
        reject(new Error(`Redis did not ${what} within ${timeoutMs} ms (${this.client.status})${reason}`));
      }, timeoutMs);
    });
    try {
      await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the connection; waits for QUIT when connected, drops it otherwise. Safe to call twice. */
  async close(): Promise<void> {
    if (this.client.status === 'end') return;
    if (this.client.status === 'ready') {
      await this.client.quit().catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
  }
}
