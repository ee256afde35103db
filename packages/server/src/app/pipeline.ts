import type { Hono, Context as HonoContext } from 'hono';
import type { Logger } from 'pino';
import type { Authenticator } from '../core/authenticate.ts';
import type { LiftConfig } from '../core/config/schema.ts';
import { randomId } from '../core/crypto/random.ts';
import { LiftError, StoreUnavailableError } from '../core/errors.ts';
import { problemBody, problemHeaders, toLiftError } from '../core/problem.ts';
import { bindRequestLog } from '../core/request-log.ts';
import { requestScope, setResponse } from '../core/request-scope.ts';
import { finishResponseHeaders, liftResponse } from '../core/response-headers.ts';
import type { CompiledRoute, RouteCompiler } from '../core/routes.ts';
import type { PipelineStage } from '../core/stage.ts';
import type { Tracer } from '../core/tracing.ts';
import {
  accessLogStage,
  bodyLimitStage,
  clientIpStage,
  corsStage,
  DeadlineKeeper,
  type LoadSignal,
  loadSheddingStage,
  requestIdStage,
  securityHeadersStage,
} from '../http/index.ts';
import { requestSpans } from './request-span.ts';

/**
 * The request pipeline, written down once (DESIGN §2). Modules never reorder it:
 *
 *   request id → access log → recover → security headers → CORS → client IP → load shedding → body limit → timeout
 *   → route match (404 / 405 / OPTIONS) → group middleware (authenticate, rate limit, authorize)
 *   → input validation → handler → error rendering
 *
 * Each route is compiled once into a single function (its only Hono handler): the built-in stages (http/) with
 * their `before` halves in this order and `after` halves in reverse, the group's middleware and the handler.
 * Anything thrown inside "recover" (a stage's refusal, the handler's error) becomes the problem+json response.
 */

export interface PipelineHooks {
  /** Called for every error that is not a LiftError (a bug): counted, logged with the request id. */
  onUnexpectedError(error: unknown, c: HonoContext): void;
  /** Called for every store failure answered with 503: counted, logged once per interval. */
  onStoreUnavailable?(error: StoreUnavailableError): void;
  /** Called for every problem answered, to flag codes the app's catalogue does not have (app/uncatalogued-codes.ts). */
  onProblem?(problem: LiftError): void;
  /** The app's resolver chain, which `requireAuth()` / `optionalAuth()` find on every request. */
  authenticator?: Authenticator;
  /**
   * Made once per compiled route (undefined: the not-found handler); its `record` is called with every
   * answer of that route (the HTTP metrics, telemetry/metrics/http-metrics.ts).
   */
  observeRoute?(route: CompiledRoute | undefined): RouteObserver;
  /** The app's tracer: with tracing on, every request gets a span (app/request-span.ts). */
  tracer?: Tracer;
  /** The overload decision the load-shedding stage reads (http/load-shedding/); without it nothing is shed. */
  load?: LoadSignal;
  /** Counts every request shed (`load_shed_total`). */
  loadShed?: { inc(): void };
}

/** Told about each answer of one route: the method asked, the status and the seconds until it was ready. */
export interface RouteObserver {
  record(method: string, status: number, seconds: number): void;
}

/**
 * Renders any error as problem+json; a store failure is a counted 503, other unknown errors are logged in full
 * and answered with a generic 500.
 */
export function renderError(hooks: PipelineHooks) {
  return (error: unknown, c: HonoContext): Response => {
    const problem = toLiftError(error);
    if (problem instanceof StoreUnavailableError) hooks.onStoreUnavailable?.(problem);
    else if (!(error instanceof LiftError)) hooks.onUnexpectedError(error, c);
    hooks.onProblem?.(problem);
    const body = JSON.stringify(
      problemBody(problem, c.get('requestId'), c.req.path, requestScope(c).traceId),
    );
    return liftResponse(c, body, problem.status, problemHeaders(problem));
  };
}

/** Without the request-id stage, requests still get an id and a logger (never read from the client). */
function internalRequestIdStage(logger: Logger): PipelineStage {
  return {
    before(c) {
      const id = randomId();
      c.set('requestId', id);
      bindRequestLog(c, logger);
      return undefined;
    },
  };
}

/** The built-in stages in pipeline order, as the configuration asks for them. */
function builtInStages(
  config: LiftConfig,
  logger: Logger,
  hooks: PipelineHooks,
): { outer: PipelineStage[]; inner: PipelineStage[] } {
  const http = config.http;
  const outer: PipelineStage[] = [
    http.requestId.enabled
      ? requestIdStage({ header: http.requestId.header, logger })
      : internalRequestIdStage(logger),
  ];
  if (http.accessLog.enabled) outer.push(accessLogStage({ redactFields: http.accessLog.redactFields }));
  // Stages after "recover": their refusals (403 preflight, 413) become problem+json like any error.
  const inner: PipelineStage[] = [];
  if (http.securityHeaders.enabled) {
    inner.push(
      securityHeadersStage({
        contentSecurityPolicy: http.securityHeaders.contentSecurityPolicy,
        referrerPolicy: http.securityHeaders.referrerPolicy,
        hsts: http.securityHeaders.hsts,
        hstsMaxAgeSeconds: http.securityHeaders.hstsMaxAgeSeconds,
        production: config.env === 'production',
      }),
    );
  }
  if (http.cors.enabled) {
    inner.push(
      corsStage({
        origins: http.cors.origins,
        credentials: http.cors.credentials,
        allowHeaders: http.cors.allowHeaders,
        exposeHeaders: http.cors.exposeHeaders,
        maxAgeSeconds: http.cors.maxAgeSeconds,
      }),
    );
  }
  inner.push(clientIpStage({ trustedProxies: http.clientIp.trustedProxies }));
  if (http.loadShedding.enabled && hooks.load !== undefined) {
    inner.push(
      loadSheddingStage({
        signal: hooks.load,
        retryAfterSeconds: http.loadShedding.retryAfterSeconds,
        exemptPaths: http.loadShedding.exemptPaths,
        ...(hooks.loadShed ? { counter: hooks.loadShed } : {}),
      }),
    );
  }
  inner.push(bodyLimitStage({ maxBytes: http.bodyLimit.maxBytes, maxDepth: http.bodyLimit.maxDepth }));
  return { outer, inner };
}

/** What the client got: the response's status, or 101 for an upgrade a module took over. */
function sentStatus(c: HonoContext): number {
  return requestScope(c).sentStatus ?? c.res.status;
}

function befores(stages: PipelineStage[]) {
  return stages.flatMap((stage) => (stage.before ? [stage.before] : []));
}
function afters(stages: PipelineStage[]) {
  return stages.flatMap((stage) => (stage.after ? [stage.after] : [])).reverse();
}

/**
 * Installs error rendering and returns the route compiler: every route (and the not-found handler, which answers
 * 404, 405 and OPTIONS) becomes one function running the stages above around it. Synchronous first: a route
 * that answers without awaiting is answered without a Promise, and only a route that returns one is raced
 * against the deadline.
 */
export function installPipeline(
  hono: Hono,
  config: LiftConfig,
  logger: Logger,
  hooks: PipelineHooks,
): RouteCompiler {
  const { outer, inner } = builtInStages(config, logger, hooks);
  const outerBefore = befores(outer);
  const outerAfter = afters(outer);
  const innerBefore = befores(inner);
  const innerAfter = afters(inner);
  const render = renderError(hooks);
  const deadlines = new DeadlineKeeper(config.http.timeout.ms);
  const authenticator = hooks.authenticator;
  const tracer = hooks.tracer;
  const spans = tracer === undefined ? undefined : requestSpans(config, tracer);

  // "recover": a refusal or error of anything inside becomes the response, rendered as problem+json.
  const recover = (c: HonoContext, error: unknown): void => {
    if (error instanceof Error) c.error = error;
    c.res = render(error, c);
  };
  const finish = (c: HonoContext, observer: RouteObserver | undefined, started: number): Response => {
    finishResponseHeaders(c);
    spans?.end(c);
    for (const after of outerAfter) after(c);
    observer?.record(c.req.method, sentStatus(c), (performance.now() - started) / 1000);
    return c.res;
  };
  const settle = async (
    c: HonoContext,
    pending: Promise<Response>,
    observer: RouteObserver | undefined,
    started: number,
  ): Promise<Response> => {
    try {
      setResponse(c, await pending);
      for (const after of innerAfter) after(c);
    } catch (error) {
      recover(c, error);
    }
    return finish(c, observer, started);
  };

  const compile: RouteCompiler = (run, route) => {
    const observer = hooks.observeRoute?.(route);
    const template = route?.path;
    return function liftRoute(c) {
      const started = observer === undefined ? 0 : performance.now();
      // request id (and access log start) cannot fail in a way a client could be told about; a throw is a bug.
      for (const before of outerBefore) before(c);
      const scope = requestScope(c);
      scope.routeTemplate = template;
      const span = spans?.start(c, route);
      if (authenticator !== undefined) scope.authenticator = authenticator;
      try {
        let answer: Response | undefined;
        for (let i = 0; i < innerBefore.length && answer === undefined; i++) answer = innerBefore[i]!(c);
        if (answer === undefined) {
          const deadline = deadlines.start(c);
          // The request span is active for everything the route awaits: its store calls become children.
          const result = span === undefined ? run(c) : tracer!.withSpan(span, run, c);
          if (result instanceof Promise)
            return settle(c, deadlines.race(deadline, result), observer, started);
          answer = result;
        }
        setResponse(c, answer);
        for (const after of innerAfter) after(c);
      } catch (error) {
        recover(c, error);
      }
      return finish(c, observer, started);
    };
  };

  hono.onError(render);
  return compile;
}
