import { InternalError, LiftError } from './errors.ts';
import { storeFailureOf } from './store-failures.ts';

/**
 * RFC 9457 problem details. Every error response Lift sends goes through `problemResponse`, so clients see
 * one shape: `type`, `title`, `status`, `detail`, `code`, `request_id`, `trace_id` when tracing is on (+ `instance`
 * and extension members).
 */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Default base of the `type` URI: a URN, so no one is sent to a web page Lift does not own. */
export const DEFAULT_PROBLEM_TYPE_BASE = 'urn:lift:error:';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
  request_id?: string;
  /** The request's trace id (32 hex digits) when tracing is on: what to search for in the tracing backend. */
  trace_id?: string;
  instance?: string;
  [extension: string]: unknown;
}

/** The problem `type` for a code: `LIFT_NOT_FOUND` → `urn:lift:error:not-found`. */
export function problemType(code: string, base = DEFAULT_PROBLEM_TYPE_BASE): string {
  return (
    base +
    code
      .replace(/^LIFT_/, '')
      .toLowerCase()
      .replaceAll('_', '-')
  );
}

/**
 * Known errors pass through; a store's connection failure becomes 503 `StoreUnavailableError`; anything else
 * becomes a generic 500 whose message never reaches the client.
 */
export function toLiftError(error: unknown): LiftError {
  if (error instanceof LiftError) return error;
  return storeFailureOf(error) ?? new InternalError();
}

export function problemBody(
  error: LiftError,
  requestId?: string,
  instance?: string,
  traceId?: string,
): ProblemBody {
  const body: ProblemBody = {
    ...error.extensions,
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    code: error.code,
  };
  if (error.detail !== undefined) body.detail = error.detail;
  if (requestId !== undefined) body.request_id = requestId;
  if (instance !== undefined) body.instance = instance;
  if (traceId !== undefined) body.trace_id = traceId;
  return body;
}

/** Headers of a problem response: the error's own (e.g. `Allow`), the content type, never cached. */
export function problemHeaders(error: LiftError): Record<string, string> {
  return { ...error.headers, 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store' };
}

export function problemResponse(error: LiftError, requestId?: string, instance?: string): Response {
  return new Response(JSON.stringify(problemBody(error, requestId, instance)), {
    status: error.status,
    headers: problemHeaders(error),
  });
}
