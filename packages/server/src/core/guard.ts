import type { Context as HonoContext } from 'hono';
import type { Middleware } from './routes.ts';

/**
 * A check a route runs before its handler and nothing after it: `requireAuth()`, `requirePermission()`,
 * `requireScope()` and the other guards. It returns when the request may go on and throws a `LiftError` when
 * not; a Promise only when it has to wait (an uncached session).
 */
export type GuardCheck = (c: HonoContext) => void | Promise<void>;

const checks = new WeakMap<Middleware, GuardCheck>();

/**
 * A guard as middleware. Used anywhere middleware is, it behaves as `await check(c); await next()`. A route
 * composes it by its check instead (core/routes.ts), so a guard that decides synchronously keeps the route on
 * the synchronous path: no async frames, no promise, no deadline race.
 */
export function guardMiddleware(check: GuardCheck): Middleware {
  const middleware: Middleware = async (c, next) => {
    await check(c);
    await next();
  };
  checks.set(middleware, check);
  return middleware;
}

/** The check behind a guard made by `guardMiddleware`; undefined for other middleware. */
export function guardCheckOf(middleware: Middleware): GuardCheck | undefined {
  return checks.get(middleware);
}
