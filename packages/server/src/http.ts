/**
 * @lift/server/http — Lift's built-in HTTP middleware, each a factory with documented options, and what writing
 * your own middleware needs. Lift's pipeline already runs request ids, client IP, security headers, CORS, body
 * limits, the deadline and the access log on every route (configured under `http.*`, see docs/configuration.md);
 * use these on a group of your own (`app.group('/embed', cors({ origins: [...] }))`) or in a Hono app.
 *
 * Middleware are Hono middleware (`MiddlewareHandler`): that is part of Lift's contract for middleware.
 */

export { optionalAuth, principalOf, requireAuth } from './core/authenticate.ts';
export { requestHeader } from './core/request-headers.ts';
export { requestLog } from './core/request-log.ts';
export type { RequestDeadline } from './core/request-state.ts';
export { pendResponseHeader } from './core/response-headers.ts';
export type { Middleware } from './core/routes.ts';
export {
  type AccessLogOptions,
  accessLog,
  type BodyLimitOptions,
  bodyLimit,
  type ClientIpOptions,
  type CorsOptions,
  CsrfError,
  type CsrfVerdict,
  type CsrfVerdictInput,
  clientIp,
  cors,
  csrfVerdict,
  isCorsPreflight,
  type RequestIdOptions,
  requestId,
  type SecurityHeadersOptions,
  securityHeaders,
  type TimeoutOptions,
  timeout,
} from './http/index.ts';
export { allowQueryToken, requireScope, requireTenant } from './tokens/index.ts';
