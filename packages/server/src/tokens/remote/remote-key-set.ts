import type { Clock } from '../../core/clock.ts';
import type { VerificationKey } from '../jws/index.ts';
import { JwksFetchError, type KeySet } from './jwks-fetch.ts';
import { JwksUnavailableError } from './jwks-unavailable-error.ts';

/**
 * The issuer's keys as this app last fetched them. A set is used for `ttlMs`; a `kid` it lacks triggers a
 * refetch (the issuer rotated); and whatever asks — an unknown kid, an expired set, a retry after a failure —
 * at most one fetch starts per `floorMs`, and concurrent askers share it. So a flood of tokens with made-up
 * kids costs the issuer one request per floor, and a failed fetch is not retried in a loop.
 */

export interface RemoteKeySetOptions {
  fetch: () => Promise<KeySet>;
  clock: Clock;
  ttlMs: number;
  floorMs: number;
  /** Told about every fetch, so the module can log it and emit its event. */
  onFetch?: (outcome: { keys: KeySet } | { error: JwksFetchError }) => void;
}

export type KeyLookup =
  /** The key for the kid. */
  | { key: VerificationKey }
  /** The issuer's current set has no such kid (fetched now, or within the floor). */
  | { key: undefined };

export class RemoteKeySet {
  readonly #options: RemoteKeySetOptions;
  #keys: KeySet | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #attemptedAt = Number.NEGATIVE_INFINITY;
  #lastFailure: JwksFetchError | undefined;
  #inFlight: Promise<void> | undefined;
  #fetches = 0;

  constructor(options: RemoteKeySetOptions) {
    this.#options = options;
  }

  /** JWKS fetches started so far (for health details and tests). */
  get fetches(): number {
    return this.#fetches;
  }

  /** The key for `kid` from a fresh set, synchronously; undefined when the set is stale or lacks the kid. */
  cached(kid: string): VerificationKey | undefined {
    return this.#fresh() ? this.#keys?.get(kid) : undefined;
  }

  /**
   * The key for `kid`, fetching the set when it is stale or lacks the kid and the floor allows. Throws
   * `JwksUnavailableError` when no fresh set can be had, or when the fetch that would decide about an
   * unknown kid failed: the app cannot tell a good token from a forged one, so it accepts neither.
   */
  async lookup(kid: string): Promise<KeyLookup> {
    if (this.#fresh()) {
      const key = this.#keys?.get(kid);
      if (key !== undefined) return { key };
      if (this.#inFlight === undefined && !this.#mayFetch()) {
        // Within the floor: the last fetch said this kid does not exist — unless it failed, and said nothing.
        // (A fetch still in flight may yet bring it: join it below.)
        if (this.#lastFailure !== undefined) throw this.#unavailable();
        return { key };
      }
    }
    await this.refresh();
    if (!this.#fresh() || this.#lastFailure !== undefined) throw this.#unavailable();
    return { key: this.#keys?.get(kid) };
  }

  /** Resolves when a fresh set is held (fetching one if the floor allows); else `JwksUnavailableError`. */
  async ready(): Promise<void> {
    if (this.#fresh()) return;
    await this.refresh();
    if (!this.#fresh()) throw this.#unavailable();
  }

  /** Fetches the set now unless a fetch is running (then joins it) or one was started within the floor. */
  refresh(): Promise<void> {
    if (this.#inFlight !== undefined) return this.#inFlight;
    if (!this.#mayFetch()) return Promise.resolve();
    this.#attemptedAt = this.#options.clock.now();
    this.#fetches += 1;
    this.#inFlight = this.#fetchOnce().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #fetchOnce(): Promise<void> {
    try {
      const keys = await this.#options.fetch();
      this.#keys = keys;
      this.#fetchedAt = this.#options.clock.now();
      this.#lastFailure = undefined;
      this.#options.onFetch?.({ keys });
    } catch (error) {
      const failure =
        error instanceof JwksFetchError
          ? error
          : new JwksFetchError('network', String(error), { cause: error });
      this.#lastFailure = failure;
      this.#options.onFetch?.({ error: failure });
    }
  }

  /** A set younger than its TTL (never shorter than the floor, so an expired set can always be refetched). */
  #fresh(): boolean {
    const { ttlMs, floorMs, clock } = this.#options;
    return this.#keys !== undefined && clock.now() - this.#fetchedAt < Math.max(ttlMs, floorMs);
  }

  #mayFetch(): boolean {
    return this.#options.clock.now() - this.#attemptedAt >= this.#options.floorMs;
  }

  #unavailable(): JwksUnavailableError {
    const waitMs = this.#attemptedAt + this.#options.floorMs - this.#options.clock.now();
    return new JwksUnavailableError(this.#lastFailure?.reason ?? 'network', waitMs / 1000);
  }
}
