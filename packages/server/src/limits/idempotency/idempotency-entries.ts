import type { Logger } from 'pino';
import type { KeyValueStore } from '../../storage/index.ts';
import { IdempotencyInProgressError, IdempotencyMismatchError } from './idempotency-errors.ts';
import { decodeRecord, encodeRecord, type RunningRecord } from './idempotency-record.ts';
import { replayResponse } from './stored-response.ts';

/** What happened to one request that carried a key; a metric counts them by this label. */
export type IdempotencyOutcome =
  | 'stored'
  | 'replayed'
  | 'in_progress'
  | 'mismatch'
  /** The first run failed (5xx or a thrown error): the claim was released so a retry runs again. */
  | 'released';

export interface IdempotencyMetrics {
  record(outcome: IdempotencyOutcome): void;
}

/** How long a client should wait before retrying a request that is in progress. */
const IN_PROGRESS_RETRY_AFTER_SECONDS = 1;

/** Claiming and releasing the key-value entry of one (principal, key); storing the answer is the middleware's. */
export class IdempotencyEntries {
  readonly #kv: KeyValueStore;
  readonly #leaseMs: number;
  readonly #log: Logger;
  readonly #metrics: IdempotencyMetrics | undefined;

  constructor(options: { kv: KeyValueStore; leaseMs: number; log: Logger; metrics?: IdempotencyMetrics }) {
    this.#kv = options.kv;
    this.#leaseMs = options.leaseMs;
    this.#log = options.log;
    this.#metrics = options.metrics;
  }

  /** Claims the key (undefined: go on and run); else replays what holds it, or throws 409/422. */
  async claimOrAnswer(storeKey: string, fingerprint: string): Promise<Response | undefined> {
    const running = encodeRecord({ state: 'running', fingerprint } satisfies RunningRecord);
    // Two rounds: a record that expires between the refused claim and the read leaves the key free again.
    for (let round = 0; round < 2; round++) {
      if (await this.#kv.set(storeKey, running, { ifNotExists: true, ttlMs: this.#leaseMs }))
        return undefined;
      const stored = await this.#kv.get(storeKey);
      const existing = decodeRecord(stored);
      if (existing === null) {
        // Unreadable (written by something else): it must not hold the key forever.
        if (stored !== null) await this.#kv.delete(storeKey);
        continue;
      }
      if (existing.fingerprint !== fingerprint) {
        this.#metrics?.record('mismatch');
        throw new IdempotencyMismatchError();
      }
      if (existing.state === 'running') {
        this.#metrics?.record('in_progress');
        throw new IdempotencyInProgressError(IN_PROGRESS_RETRY_AFTER_SECONDS);
      }
      this.#metrics?.record('replayed');
      return replayResponse(existing);
    }
    // Neither free nor readable twice over (a race with other retries): never run without the claim.
    this.#metrics?.record('in_progress');
    throw new IdempotencyInProgressError(IN_PROGRESS_RETRY_AFTER_SECONDS);
  }

  async release(storeKey: string): Promise<void> {
    this.#metrics?.record('released');
    try {
      await this.#kv.delete(storeKey);
    } catch (error) {
      // The claim then runs out with its lease; the original error is what the client must see.
      this.#log.error({ err: error }, 'idempotency: the claim could not be released');
    }
  }
}
