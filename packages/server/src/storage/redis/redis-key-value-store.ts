import type { Redis } from 'ioredis';
import { KvNotACounterError } from '../kv-counter.ts';
import type { KeyValueStore, KvSetOptions } from '../ports.ts';
import { openRedisConnection, type RedisConnection } from './redis-connection.ts';

export interface RedisKeyValueStoreOptions {
  url: string;
  /** Prepended to every key (default `lift:`), so apps can share one Redis. */
  prefix?: string;
  /** Per-command deadline in ms (default 2000). */
  commandTimeoutMs?: number;
  /** Deadline of `ping()` in ms (default 1000). */
  pingTimeoutMs?: number;
}

/** Adds `by` and, only when this call created the key, sets its expiry: a fixed window does not slide. */
const INCREMENT_SCRIPT = `
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = tonumber(ARGV[2])
if created and ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return value`;

/**
 * Hot state in Redis for the scaled shape: every node sees the same counters, nonces and one-time tickets.
 * While Redis does not answer every operation rejects with `StoreUnavailableError` (503): at once once the
 * connection is known to be down, otherwise within `commandTimeoutMs`.
 */
export class RedisKeyValueStore implements KeyValueStore {
  readonly #connection: RedisConnection;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #pingTimeoutMs: number;

  constructor(options: RedisKeyValueStoreOptions) {
    this.#connection = openRedisConnection(options.url, {
      commandTimeoutMs: options.commandTimeoutMs ?? 2_000,
    });
    this.#redis = this.#connection.client;
    this.#prefix = options.prefix ?? 'lift:';
    this.#pingTimeoutMs = options.pingTimeoutMs ?? 1_000;
  }

  get(key: string): Promise<string | null> {
    return this.#connection.command('kv', () => this.#redis.get(this.#prefix + key));
  }

  async set(key: string, value: string, options: KvSetOptions = {}): Promise<boolean> {
    const args: Array<string | number> = [this.#prefix + key, value];
    if (options.ttlMs !== undefined) args.push('PX', Math.max(1, Math.ceil(options.ttlMs)));
    if (options.ifNotExists) args.push('NX');
    const reply = await this.#connection.command('kv', () => this.#redis.call('SET', ...args));
    return reply === 'OK';
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#connection.command('kv', () => this.#redis.del(this.#prefix + key))) > 0;
  }

  async increment(key: string, by = 1, options: { ttlMs?: number } = {}): Promise<number> {
    const ttl = options.ttlMs === undefined ? 0 : Math.max(1, Math.ceil(options.ttlMs));
    try {
      // Plain EVAL: Redis caches the compiled script, so this costs only the bytes, and a restarted Redis
      // (empty script cache) needs no NOSCRIPT fallback.
      return Number(
        await this.#connection.command('kv', () =>
          this.#redis.eval(INCREMENT_SCRIPT, 1, this.#prefix + key, by, ttl),
        ),
      );
    } catch (error) {
      if (error instanceof Error && /not an integer/.test(error.message)) throw new KvNotACounterError(key);
      throw error;
    }
  }

  async ttl(key: string): Promise<number | null> {
    const remaining = await this.#connection.command('kv', () => this.#redis.pttl(this.#prefix + key));
    if (remaining === -2) return null;
    if (remaining === -1) return Number.POSITIVE_INFINITY;
    return remaining;
  }

  ping(): Promise<void> {
    return this.#connection.ping(this.#pingTimeoutMs);
  }

  close(): Promise<void> {
    return this.#connection.close();
  }
}
