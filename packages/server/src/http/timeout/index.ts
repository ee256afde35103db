import type { Context, MiddlewareHandler } from 'hono';
import { GatewayTimeoutError } from '../../core/errors.ts';
import type { RequestDeadline } from '../../core/request-state.ts';

export interface TimeoutOptions {
  /** Request deadline in milliseconds (config `http.timeout.ms`). Default 30000. */
  ms?: number;
}

/**
 * Gives every request a deadline and an abort signal (`c.var.deadline.signal`), aborted when the client disconnects or the
 * deadline passes. Past the deadline the client gets 504 `LIFT_TIMEOUT` at once, and the signal's reason is that
 * error; handlers pass the signal to their I/O so abandoned work stops.
 *
 * The deadline covers producing the response, not streaming its body.
 */
export function timeout(options: TimeoutOptions = {}): MiddlewareHandler {
  const keeper = new DeadlineKeeper(options.ms ?? 30_000);
  return function liftTimeout(c, next) {
    return keeper.run(c, next);
  };
}

/**
 * Runs requests against one deadline. Instead of a timer per request, one sweeper checks the pending requests
 * every `ms / 20` (between 5 ms and 500 ms), so a 504 goes out at most that much after the deadline. Requests
 * share one `ms`, so insertion order is deadline order and a sweep stops at the first one still in time.
 */
export class DeadlineKeeper {
  readonly ms: number;
  readonly #tickMs: number;
  readonly #pending = new Set<LazyDeadline>();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(ms: number) {
    this.ms = ms;
    this.#tickMs = Math.min(500, Math.max(5, Math.floor(ms / 20)));
  }

  /** Runs `next` with `c.var.deadline` set; rejects with the 504 error when it passes the deadline first. */
  run(c: Context, next: () => Promise<void>): Promise<void> {
    const entry = this.start(c);
    return this.race(entry, next());
  }

  /**
   * Gives the request its deadline (`c.var.deadline`): one small object, nothing scheduled. A request answered
   * synchronously needs nothing more; one that awaits goes through `race`.
   */
  start(c: Context): RequestDeadline {
    const entry = new LazyDeadline(c.req.raw, Date.now() + this.ms);
    c.set('deadline', entry);
    return entry;
  }

  /**
   * Settles with `work`, or rejects with the 504 error once the request's deadline passes first. Only requests
   * whose handler awaited pay for this: a promise, and a place in the sweeper's list.
   */
  race<T>(deadline: RequestDeadline, work: Promise<T>): Promise<T> {
    const entry = deadline as LazyDeadline;
    return new Promise<T>((resolve, reject) => {
      entry.onExpire = reject;
      this.#pending.add(entry);
      this.#sweeper ??= setInterval(() => this.#sweep(), this.#tickMs).unref();
      // After a timeout the handler keeps running; whatever it ends with is no longer anyone's concern.
      work.then(
        (value) => {
          this.#pending.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.#pending.delete(entry);
          reject(error);
        },
      );
    });
  }

  #sweep(): void {
    const now = Date.now();
    for (const entry of this.#pending) {
      if (entry.at > now) break;
      this.#pending.delete(entry);
      entry.expire(new GatewayTimeoutError(this.ms));
    }
    if (this.#pending.size === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }
}

/**
 * One request's deadline. Builds the combined signal only when someone asks for it; until then expiry is just
 * remembered. Expiring also rejects the request's run, so the client gets the 504 at once.
 */
class LazyDeadline implements RequestDeadline {
  readonly at: number;
  readonly #request: Request;
  /** Rejects the request's run (set when it starts waiting), so the client gets the 504 at once. */
  onExpire: ((error: Error) => void) | undefined;
  #controller: AbortController | undefined;
  #signal: AbortSignal | undefined;
  #reason: Error | undefined;

  constructor(request: Request, at: number) {
    this.#request = request;
    this.at = at;
  }

  get expired(): boolean {
    return this.#reason !== undefined;
  }

  get signal(): AbortSignal {
    if (this.#signal === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
      this.#signal = AbortSignal.any([this.#request.signal, this.#controller.signal]);
    }
    return this.#signal;
  }

  expire(reason: Error): void {
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.onExpire?.(reason);
  }
}
