import type { Context, MiddlewareHandler } from 'hono';
import { ForbiddenError, LiftConfigError } from '../../core/errors.ts';
import { requestHeader } from '../../core/request-headers.ts';
import { liftResponse, pendResponseHeader } from '../../core/response-headers.ts';
import { type PipelineStage, stageMiddleware } from '../../core/stage.ts';

export interface CorsOptions {
  /** Allowed origins, exact (`https://app.example.com`), or `'*'` for any (config `http.cors.origins`). Default `[]`: none. */
  origins?: readonly string[];
  /** Send Access-Control-Allow-Credentials; refused together with `'*'` (config `http.cors.credentials`). Default `false`. */
  credentials?: boolean;
  /** Request headers a cross-origin client may send (config `http.cors.allowHeaders`). Default: content-type, authorization, x-request-id, x-tenant-id, idempotency-key. */
  allowHeaders?: readonly string[];
  /** Response headers a cross-origin client may read (config `http.cors.exposeHeaders`). Default `['x-request-id']`. */
  exposeHeaders?: readonly string[];
  /** How long a browser may cache a preflight (config `http.cors.maxAgeSeconds`). Default 600. */
  maxAgeSeconds?: number;
  /** Methods a preflight allows. Default GET, HEAD, POST, PUT, PATCH, DELETE. */
  allowMethods?: readonly string[];
}

const DEFAULT_ALLOW_HEADERS = [
  'content-type',
  'authorization',
  'x-request-id',
  'x-tenant-id',
  'idempotency-key',
];
const DEFAULT_ALLOW_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method. The cors middleware answers these
 * itself, before route matching, so core's OPTIONS handling (the Allow header) only sees other OPTIONS requests.
 */
export function isCorsPreflight(request: Request): boolean {
  return (
    request.method === 'OPTIONS' &&
    request.headers.has('origin') &&
    request.headers.has('access-control-request-method')
  );
}

function checkOrigin(origin: string): void {
  if (origin === '*') return;
  let parsed: URL | undefined;
  try {
    parsed = new URL(origin);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || parsed.origin === 'null' || parsed.origin !== origin) {
    throw new LiftConfigError(
      `CORS origin "${origin}" is not an exact origin; write it as scheme://host[:port] without a path or trailing slash.`,
    );
  }
}

/**
 * Cross-origin access by an exact allowlist. An allowed origin gets Access-Control-Allow-Origin with that origin
 * (or `*` for a wildcard allowlist without credentials); any other origin gets no CORS headers, so the browser keeps
 * the response from the page. An origin is never reflected unless it is on the list.
 *
 * Preflights (see `isCorsPreflight`) are answered here: 204 with the allow headers from an allowed origin, and
 * 403 `LIFT_CORS_ORIGIN_DENIED` without any CORS header from any other origin. Must run before route matching.
 *
 * @throws LiftConfigError when an origin is not exact, or when `'*'` is combined with credentials.
 */
export function cors(options: CorsOptions = {}): MiddlewareHandler {
  return stageMiddleware(corsStage(options));
}

/** CORS as a pipeline stage (see core/stage.ts). */
export function corsStage(options: CorsOptions = {}): PipelineStage {
  const origins = options.origins ?? [];
  origins.forEach(checkOrigin);
  const credentials = options.credentials ?? false;
  const anyOrigin = origins.includes('*');
  if (anyOrigin && credentials) {
    throw new LiftConfigError(
      'CORS origin "*" cannot be combined with credentials; list the origins instead.',
    );
  }
  const allowed = new Set(origins);
  const allowHeaders = (options.allowHeaders ?? DEFAULT_ALLOW_HEADERS).join(', ');
  const exposeHeaders = (options.exposeHeaders ?? ['x-request-id']).join(', ');
  const allowMethods = (options.allowMethods ?? DEFAULT_ALLOW_METHODS).join(', ');
  const maxAge = String(options.maxAgeSeconds ?? 600);

  const allowOriginFor = (origin: string | undefined): string | undefined => {
    if (origin === undefined) return undefined;
    if (anyOrigin) return '*';
    return allowed.has(origin) ? origin : undefined;
  };

  const before = (c: Context): Response | undefined => {
    const origin = requestHeader(c, 'origin');
    const allowOrigin = allowOriginFor(origin);

    if (isCorsPreflight(c.req.raw)) {
      if (allowOrigin === undefined) {
        throw new ForbiddenError('This origin may not call this API.', 'LIFT_CORS_ORIGIN_DENIED');
      }
      const headers: Record<string, string> = {
        'access-control-allow-origin': allowOrigin,
        'access-control-allow-methods': allowMethods,
        'access-control-max-age': maxAge,
      };
      if (credentials) headers['access-control-allow-credentials'] = 'true';
      if (allowHeaders !== '') headers['access-control-allow-headers'] = allowHeaders;
      if (!anyOrigin) headers.vary = 'Origin';
      return liftResponse(c, null, 204, headers);
    }

    if (allowOrigin !== undefined) {
      pendResponseHeader(c, 'access-control-allow-origin', allowOrigin);
      if (credentials) pendResponseHeader(c, 'access-control-allow-credentials', 'true');
      if (exposeHeaders !== '') pendResponseHeader(c, 'access-control-expose-headers', exposeHeaders);
    }
    // Responses differ by Origin unless every origin gets the same `*` (or none gets any), so shared caches
    // must key on it.
    if (!anyOrigin && allowed.size > 0) pendResponseHeader(c, 'vary', 'Origin');
    return undefined;
  };
  return { before };
}
