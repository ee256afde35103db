import type { Context as HonoContext, MiddlewareHandler } from 'hono';
import { finishResponseHeaders } from './response-headers.ts';

/**
 * A built-in pipeline step as two synchronous halves. The pipeline (core/pipeline.ts) runs every built-in stage
 * inside one middleware, so a request pays for one async frame instead of one per stage; `stageMiddleware`
 * turns a single stage into an ordinary Hono middleware for use on its own (that is what each `http/` factory
 * returns).
 */
export interface PipelineStage {
  /** Before the handler. Returning a Response answers the request without running the rest. May throw a LiftError. */
  before?(c: HonoContext): Response | undefined;
  /** After the response exists, error responses included. May throw a LiftError, which replaces the response. */
  after?(c: HonoContext): void;
}

/** One stage as a Hono middleware. */
export function stageMiddleware(stage: PipelineStage): MiddlewareHandler {
  const { before, after } = stage;
  return async function liftStage(c, next) {
    const answer = before?.(c);
    if (answer !== undefined) return answer;
    await next();
    finishResponseHeaders(c);
    after?.(c);
  };
}
