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

interface PendingRequest {
  at: number;
  deadline: LazyDeadline;
  reject(error: Error): void;
}

/**
 * Runs requests against one deadline. Instead of a timer per request, one sweeper checks the pending requests
 * every `ms / 20` (between 5 ms and 500 ms), so a 504 goes out at most that much after the deadline. Requests
 * share one `ms`, so insertion order is deadline order and a sweep stops at the first one still in time.
 */
export class DeadlineKeeper {
  readonly ms: number;
  readonly #tickMs: number;
  readonly #pending = new Set<PendingRequest>();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(ms: number) {
    this.ms = ms;
    this.#tickMs = Math.min(500, Math.max(5, Math.floor(ms / 20)));
  }

  /** Runs `next` with `c.var.deadline` set; rejects with the 504 error when it passes the deadline first. */
  run(c: Context, next: () => Promise<void>): Promise<void> {
    const deadline = new LazyDeadline(c.req.raw);
    c.set('deadline', deadline);
    return new Promise<void>((resolve, reject) => {
      const entry: PendingRequest = { at: Date.now() + this.ms, deadline, reject };
      this.#pending.add(entry);
      this.#sweeper ??= setInterval(() => this.#sweep(), this.#tickMs).unref();
      // After a timeout the handler keeps running; whatever it ends with is no longer anyone's concern.
      next().then(
        () => {
          this.#pending.delete(entry);
          resolve();
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
      const error = new GatewayTimeoutError(this.ms);
      entry.deadline.expire(error);
      entry.reject(error);
    }
    if (this.#pending.size === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }
}

/** Builds the combined signal only when someone asks for it; until then expiry is just remembered. */
class LazyDeadline implements RequestDeadline {
  readonly #request: Request;
  #controller: AbortController | undefined;
  #signal: AbortSignal | undefined;
  #reason: Error | undefined;

  constructor(request: Request) {
    this.#request = request;
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
  }
}
