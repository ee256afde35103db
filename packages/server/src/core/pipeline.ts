import type { Hono, Context as HonoContext } from 'hono';
import type { Logger } from 'pino';
import { accessLog, bodyLimit, clientIp, cors, requestId, securityHeaders, timeout } from '../http/index.ts';
import { randomId } from './clock.ts';
import type { LiftConfig } from './config/schema.ts';
import { LiftError } from './errors.ts';
import { problemBody, problemHeaders, toLiftError } from './problem.ts';
import { liftResponse } from './response-headers.ts';
import type { Middleware } from './routes.ts';

/**
 * The request pipeline, written down once (DESIGN §2). Modules never reorder it:
 *
 *   request id → access log → recover → security headers → CORS → client IP → body limit → timeout
 *   → route match (404 / 405 / OPTIONS) → group middleware (authenticate, rate limit, authorize)
 *   → input validation → handler → error rendering
 *
 * Hono's compose turns a thrown Error into `onError`'s response at the frame where it was thrown, so every
 * middleware still sees a response after `await next()`; `recover` catches the rest (non-Error throws).
 */

export interface PipelineHooks {
  /** Called for every error that is not a LiftError (a bug): counted, logged with the request id. */
  onUnexpectedError(error: unknown, c: HonoContext): void;
}

/** Renders any error as problem+json; unknown errors are logged in full and answered with a generic 500. */
export function renderError(hooks: PipelineHooks) {
  return (error: unknown, c: HonoContext): Response => {
    if (!(error instanceof LiftError)) hooks.onUnexpectedError(error, c);
    const problem = toLiftError(error);
    const body = JSON.stringify(problemBody(problem, c.var.requestId, c.req.path));
    return liftResponse(c, body, problem.status, problemHeaders(problem));
  };
}

function recover(hooks: PipelineHooks): Middleware {
  return async (c, next) => {
    try {
      await next();
    } catch (error) {
      c.res = renderError(hooks)(error, c);
    }
  };
}

/** Without the request-id middleware, requests still get an id and a logger (never read from the client). */
function internalRequestId(logger: Logger): Middleware {
  return async (c, next) => {
    const id = randomId();
    c.set('requestId', id);
    c.set('log', logger.child({ request_id: id }));
    await next();
  };
}

export function installPipeline(hono: Hono, config: LiftConfig, logger: Logger, hooks: PipelineHooks): void {
  const http = config.http;
  const production = config.env === 'production';
  const stages: Middleware[] = [];

  stages.push(
    http.requestId.enabled ? requestId({ header: http.requestId.header, logger }) : internalRequestId(logger),
  );
  if (http.accessLog.enabled) stages.push(accessLog({ redactFields: http.accessLog.redactFields }));
  stages.push(recover(hooks));
  if (http.securityHeaders.enabled) {
    stages.push(
      securityHeaders({
        contentSecurityPolicy: http.securityHeaders.contentSecurityPolicy,
        referrerPolicy: http.securityHeaders.referrerPolicy,
        hsts: http.securityHeaders.hsts,
        hstsMaxAgeSeconds: http.securityHeaders.hstsMaxAgeSeconds,
        production,
      }),
    );
  }
  if (http.cors.enabled) {
    stages.push(
      cors({
        origins: http.cors.origins,
        credentials: http.cors.credentials,
        allowHeaders: http.cors.allowHeaders,
        exposeHeaders: http.cors.exposeHeaders,
        maxAgeSeconds: http.cors.maxAgeSeconds,
      }),
    );
  }
  stages.push(clientIp({ trustedProxies: http.clientIp.trustedProxies }));
  stages.push(bodyLimit({ maxBytes: http.bodyLimit.maxBytes }));
  stages.push(timeout({ ms: http.timeout.ms }));

  hono.use('*', ...stages);
  hono.onError(renderError(hooks));
}
