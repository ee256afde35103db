import type { ErrorCode } from './error-codes.ts';

/**
 * Lift's closed set of errors. Every error a client can see has a stable `code` (documented in
 * docs/errors.md) and an HTTP status; `renderProblem` turns it into RFC 9457 problem+json.
 * Never throw strings, and never let an unknown error's message reach a client. A code is one of Lift's
 * (`LiftErrorCode`, core/error-codes.ts: a misspelt one fails `tsc`) or an app's own, which cannot take the
 * `LIFT_` prefix (`AppErrorCode`).
 */

export interface FieldIssue {
  /** Where the value came from. */
  location: 'body' | 'query' | 'params' | 'headers';
  /** Dotted path inside that location, `''` for the whole value. */
  path: string;
  message: string;
  code: string;
}

export interface LiftErrorOptions {
  detail?: string;
  cause?: unknown;
  /** Extra problem members (RFC 9457 §3.2). Never put secrets here. */
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
}

export class LiftError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, status: number, title: string, options: LiftErrorOptions = {}) {
    super(options.detail ?? title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.title = title;
    this.detail = options.detail;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

/** A programming or configuration mistake, raised at registration or startup, never at request time. */
export class LiftConfigError extends LiftError {
  constructor(detail: string, options: Omit<LiftErrorOptions, 'detail'> = {}) {
    super('LIFT_CONFIG_INVALID', 500, 'Invalid configuration', { ...options, detail });
  }
}

export class BadRequestError extends LiftError {
  constructor(detail = 'The request could not be understood.', code: ErrorCode = 'LIFT_BAD_REQUEST') {
    super(code, 400, 'Bad request', { detail });
  }
}

/** A body that cannot be decoded as its content type says (broken JSON or form, invalid UTF-8, too deep). */
export class MalformedBodyError extends LiftError {
  constructor(detail: string) {
    super('LIFT_MALFORMED_BODY', 400, 'Malformed body', { detail });
  }
}

export class ValidationError extends LiftError {
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[], detail = 'The request did not pass validation.') {
    super('LIFT_VALIDATION_FAILED', 400, 'Validation failed', { detail, extensions: { errors: issues } });
    this.issues = issues;
  }
}

export class UnauthenticatedError extends LiftError {
  constructor(detail = 'Authentication is required.', code: ErrorCode = 'LIFT_UNAUTHENTICATED') {
    super(code, 401, 'Unauthenticated', { detail });
  }
}

export class ForbiddenError extends LiftError {
  constructor(detail = 'You do not have access to this resource.', code: ErrorCode = 'LIFT_FORBIDDEN') {
    super(code, 403, 'Forbidden', { detail });
  }
}

export class NotFoundError extends LiftError {
  constructor(detail = 'No resource matches this path.') {
    super('LIFT_NOT_FOUND', 404, 'Not found', { detail });
  }
}

export class MethodNotAllowedError extends LiftError {
  readonly allow: string[];
  constructor(method: string, allow: string[]) {
    super('LIFT_METHOD_NOT_ALLOWED', 405, 'Method not allowed', {
      detail: `${method} is not allowed here; allowed: ${allow.join(', ')}.`,
      headers: { allow: allow.join(', ') },
      extensions: { allow },
    });
    this.allow = allow;
  }
}

export class ConflictError extends LiftError {
  constructor(detail = 'The request conflicts with the current state.', code: ErrorCode = 'LIFT_CONFLICT') {
    super(code, 409, 'Conflict', { detail });
  }
}

export class PayloadTooLargeError extends LiftError {
  constructor(limitBytes: number) {
    super('LIFT_PAYLOAD_TOO_LARGE', 413, 'Payload too large', {
      detail: `The request body exceeds the limit of ${limitBytes} bytes.`,
      extensions: { limit_bytes: limitBytes },
    });
  }
}

export class UnsupportedMediaTypeError extends LiftError {
  constructor(contentType: string, accepted: string[]) {
    super('LIFT_UNSUPPORTED_MEDIA_TYPE', 415, 'Unsupported media type', {
      detail: `Content-Type ${contentType || '(none)'} is not accepted here; use ${accepted.join(' or ')}.`,
      extensions: { accepted },
    });
  }
}

export class InternalError extends LiftError {
  constructor() {
    super('LIFT_INTERNAL', 500, 'Internal server error', {
      detail: 'An unexpected error occurred. Quote the request id when reporting it.',
    });
  }
}

export class ServiceUnavailableError extends LiftError {
  constructor(detail = 'The service is temporarily unavailable.', code: ErrorCode = 'LIFT_UNAVAILABLE') {
    super(code, 503, 'Service unavailable', { detail });
  }
}

/** The stores a request path depends on, as named in `StoreUnavailableError` and its counter. */
export type StoreName = 'sql' | 'kv' | 'broker' | 'sessions';

/** Seconds a client is asked to wait after a store failure: about one reconnection attempt of the adapters. */
export const STORE_RETRY_AFTER_SECONDS = 1;

/**
 * A store (SQL, key-value, broker) did not answer: 503 `LIFT_UNAVAILABLE` with `Retry-After`. Adapters throw
 * it for connection failures and deadlines; `toLiftError` maps a driver's connection error that slipped
 * through to it, and the error renderer counts every one (`LiftApp.stats.storeUnavailable`). The cause is kept
 * for the log; the client sees only which kind of store failed.
 */
export class StoreUnavailableError extends LiftError {
  readonly store: StoreName;
  constructor(store: StoreName, options: { cause?: unknown; code?: ErrorCode } = {}) {
    super(options.code ?? 'LIFT_UNAVAILABLE', 503, 'Service unavailable', {
      detail: 'A store this request needs does not answer; try again shortly.',
      cause: options.cause,
      headers: { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) },
      extensions: { retry_after_seconds: STORE_RETRY_AFTER_SECONDS },
    });
    this.store = store;
  }
}

export class GatewayTimeoutError extends LiftError {
  constructor(timeoutMs: number) {
    super('LIFT_TIMEOUT', 504, 'Request timed out', {
      detail: `The request did not complete within ${timeoutMs} ms.`,
      extensions: { timeout_ms: timeoutMs },
    });
  }
}
