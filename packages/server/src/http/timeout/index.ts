import type { MiddlewareHandler } from 'hono';
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
  const ms = options.ms ?? 30_000;

  return async function liftTimeout(c, next) {
    const deadline = new LazyDeadline(c.req.raw);
    c.set('deadline', deadline);

    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new GatewayTimeoutError(ms);
        deadline.expire(error);
        reject(error);
      }, ms);
    });
    const handled = next();
    // The handler keeps running after a timeout; whatever it ends with is no longer anyone's concern.
    handled.catch(() => undefined);
    try {
      await Promise.race([handled, expired]);
    } finally {
      clearTimeout(timer);
    }
  };
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
