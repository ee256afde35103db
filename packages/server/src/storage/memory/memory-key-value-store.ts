import { type Clock, systemClock } from '../../core/clock.ts';
import { parseCounter } from '../kv-counter.ts';
import type { KeyValueStore, KvSetOptions } from '../ports.ts';

interface Entry {
  value: string;
  /** ms since the epoch; undefined = no expiry. */
  expiresAt: number | undefined;
}

export interface MemoryKeyValueStoreOptions {
  clock?: Clock;
}

/** Writes between sweeps never fall below this, so small stores are not rescanned on every write. */
const MIN_WRITES_BETWEEN_SWEEPS = 256;

/**
 * The in-process key-value store of the embedded shape. Expired keys read as missing at once; their memory is
 * reclaimed by a sweep that runs after as many writes as the map held entries after the last sweep, so its
 * cost stays O(1) per write on average and the map holds at most about twice the entries that were live.
 */
export class MemoryKeyValueStore implements KeyValueStore {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: Clock;
  #writesSinceSweep = 0;
  #sizeAfterSweep = 0;

  constructor(options: MemoryKeyValueStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /** Number of entries held, expired ones not yet swept included. For tests and metrics. */
  get size(): number {
    return this.#entries.size;
  }

  async get(key: string): Promise<string | null> {
    return this.#live(key)?.value ?? null;
  }

  async set(key: string, value: string, options: KvSetOptions = {}): Promise<boolean> {
    if (options.ifNotExists && this.#live(key)) return false;
    this.#write(key, { value, expiresAt: this.#expiry(options.ttlMs) });
    return true;
  }

  async delete(key: string): Promise<boolean> {
    const live = this.#live(key) !== undefined;
    this.#entries.delete(key);
    return live;
  }

  async increment(key: string, by = 1, options: { ttlMs?: number } = {}): Promise<number> {
    const current = this.#live(key);
    const next = (current ? parseCounter(current.value, key) : 0) + by;
    this.#write(key, {
      value: String(next),
      expiresAt: current ? current.expiresAt : this.#expiry(options.ttlMs),
    });
    return next;
  }

  async ttl(key: string): Promise<number | null> {
    const entry = this.#live(key);
    if (!entry) return null;
    return entry.expiresAt === undefined ? Number.POSITIVE_INFINITY : entry.expiresAt - this.#clock.now();
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#entries.clear();
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.#clock.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #expiry(ttlMs: number | undefined): number | undefined {
    return ttlMs === undefined ? undefined : this.#clock.now() + ttlMs;
  }

  #write(key: string, entry: Entry): void {
    this.#entries.set(key, entry);
    this.#writesSinceSweep += 1;
    if (this.#writesSinceSweep >= Math.max(MIN_WRITES_BETWEEN_SWEEPS, this.#sizeAfterSweep)) this.#sweep();
  }

  #sweep(): void {
    this.#writesSinceSweep = 0;
    const now = this.#clock.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.#entries.delete(key);
    }
    this.#sizeAfterSweep = this.#entries.size;
  }
}
