import type { MiddlewareHandler } from 'hono';
import { GatewayTimeoutError } from '../../core/errors.ts';

export interface TimeoutOptions {
  /** Request deadline in milliseconds (config `http.timeout.ms`). Default 30000. */
  ms?: number;
}

/**
 * Gives every request a deadline and an abort signal (`c.var.signal`), aborted when the client disconnects or the
 * deadline passes. Past the deadline the client gets 504 `LIFT_TIMEOUT` at once, and the signal's reason is that
 * error; handlers pass the signal to their I/O so abandoned work stops.
 *
 * The deadline covers producing the response, not streaming its body.
 */
export function timeout(options: TimeoutOptions = {}): MiddlewareHandler {
  const ms = options.ms ?? 30_000;

  return async function liftTimeout(c, next) {
    const deadline = new AbortController();
    c.set('signal', AbortSignal.any([c.req.raw.signal, deadline.signal]));

    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new GatewayTimeoutError(ms);
        deadline.abort(error);
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
