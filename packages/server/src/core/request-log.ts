import type { Context as HonoContext } from 'hono';
import type { Logger } from 'pino';
import { requestScope } from './request-scope.ts';

/**
 * The request's logger (`ctx.log`): the app logger bound to the request id. It is made on first use: a pino
 * child costs about a microsecond, and most requests never log beyond the access line.
 */

/** Records which logger this request's log derives from (done by the request id stage). */
export function bindRequestLog(c: HonoContext, base: Logger): void {
  requestScope(c).logBase = base;
}

/** The logger for this request, bound to its request id; undefined when no stage bound one. */
export function requestLog(c: HonoContext): Logger | undefined {
  let log = c.get('log');
  if (log === undefined) {
    const base = c.get('liftScope')?.logBase;
    if (base === undefined) return undefined;
    log = base.child({ request_id: c.get('requestId') });
    c.set('log', log);
  }
  return log;
}

/** The logger a request would log to, without making the bound child (for level checks). */
export function requestLogBase(c: HonoContext): Logger | undefined {
  return c.get('log') ?? c.get('liftScope')?.logBase;
}
