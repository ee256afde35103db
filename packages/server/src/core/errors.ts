/**
 * Lift's closed set of errors. Every error a client can see has a stable `code` (documented in
 * docs/errors.md) and an HTTP status; `renderProblem` turns it into RFC 9457 problem+json.
 * Never throw strings, and never let an unknown error's message reach a client.
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
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(code: string, status: number, title: string, options: LiftErrorOptions = {}) {
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
  constructor(detail = 'The request could not be understood.', code = 'LIFT_BAD_REQUEST') {
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
  constructor(detail = 'Authentication is required.', code = 'LIFT_UNAUTHENTICATED') {
    super(code, 401, 'Unauthenticated', { detail });
  }
}

export class ForbiddenError extends LiftError {
  constructor(detail = 'You do not have access to this resource.', code = 'LIFT_FORBIDDEN') {
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
  constructor(detail = 'The request conflicts with the current state.', code = 'LIFT_CONFLICT') {
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
  constructor(detail = 'The service is temporarily unavailable.', code = 'LIFT_UNAVAILABLE') {
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
  constructor(store: StoreName, options: { cause?: unknown; code?: string } = {}) {
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

/**
 * The errors table: every code Lift itself raises, with the HTTP status (or statuses) it answers with. It is
 * the single list docs/errors.md must match, row for row; test/errors-table.test.ts compares the two and checks
 * that every `LIFT_…` code written in the source is listed here with the status it is raised with. A new code
 * goes here and in docs/errors.md.
 */
export const LIFT_ERRORS = {
  LIFT_BAD_REQUEST: [400],
  LIFT_MALFORMED_BODY: [400],
  LIFT_VALIDATION_FAILED: [400],
  LIFT_UNAUTHENTICATED: [401],
  LIFT_FORBIDDEN: [403],
  LIFT_CORS_ORIGIN_DENIED: [403],
  LIFT_NOT_FOUND: [404],
  LIFT_METHOD_NOT_ALLOWED: [405],
  LIFT_CONFLICT: [409],
  LIFT_EMAIL_TAKEN: [409],
  LIFT_PAYLOAD_TOO_LARGE: [413],
  LIFT_UNSUPPORTED_MEDIA_TYPE: [415],
  LIFT_INTERNAL: [500],
  LIFT_UNAVAILABLE: [503],
  LIFT_TIMEOUT: [504],
  LIFT_RUNTIME_MISMATCH: [500],
  LIFT_MIGRATION_FAILED: [500],
  LIFT_MIGRATIONS_PENDING: [503],
  LIFT_KV_NOT_A_COUNTER: [500],
  LIFT_WEAK_PASSWORD: [400],
  LIFT_PASSWORD_TOO_LONG: [400],
  LIFT_BASE32_INVALID: [400],
  LIFT_TOTP_LABEL_INVALID: [400],
  LIFT_SECRET_UNREADABLE: [500],
  LIFT_MAIL_UNAVAILABLE: [503],
  LIFT_CONFIG_INVALID: [500],
  LIFT_INVALID_TOKEN: [400],
  LIFT_INVALID_CREDENTIALS: [401],
  LIFT_MFA_REQUIRED: [401, 403],
  LIFT_INVALID_MFA_CODE: [401],
  LIFT_INVALID_MFA_TOKEN: [401],
  LIFT_CSRF: [403],
  LIFT_REAUTH_REQUIRED: [403],
  LIFT_SIGNUP_INVITE_ONLY: [403],
  LIFT_SIGNUP_CLOSED: [403],
  LIFT_MFA_ALREADY_ENROLLED: [409],
  LIFT_MFA_NOT_ENROLLED: [409],
  LIFT_SESSION_LIMIT: [409],
  LIFT_TOO_MANY_REQUESTS: [429],
  LIFT_TOKEN_INVALID: [401],
  LIFT_DPOP_INVALID: [401],
  LIFT_INVALID_GRANT: [400],
  LIFT_TOKEN_REUSED: [401],
  LIFT_TOKENS_DISABLED: [400],
  LIFT_TENANT_MISMATCH: [403],
  LIFT_INSUFFICIENT_SCOPE: [403],
  LIFT_JWKS_UNAVAILABLE: [503],
  LIFT_PERMISSION_INVALID: [400],
  LIFT_ROLE_INVALID: [400],
  LIFT_ROLE_CYCLE: [409],
  LIFT_GRANT_INVALID: [400],
  LIFT_TENANT_SLUG_TAKEN: [409],
  LIFT_ROLE_NAME_TAKEN: [409],
  LIFT_LAST_OWNER: [409],
  LIFT_INVITATION_INVALID: [400],
  LIFT_INVITATION_LIMIT: [409],
  LIFT_ROLE_PROTECTED: [409],
} as const satisfies Record<`LIFT_${string}`, readonly number[]>;

export type LiftErrorCode = keyof typeof LIFT_ERRORS;

/** Error codes Lift itself raises, for docs and clients. */
export const LIFT_ERROR_CODES = Object.keys(LIFT_ERRORS) as LiftErrorCode[];
