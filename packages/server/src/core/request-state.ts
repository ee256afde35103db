import type { Logger } from 'pino';

/**
 * What Lift keeps per request on the Hono context (`c.var`). Built-in middleware (http/) fills these in pipeline
 * order (core/pipeline.ts); handlers read them through the Lift `Context` (core/context.ts).
 */

/** How a principal proved who it is. */
export type AuthMethod = 'session' | 'bearer' | 'api_key' | 'signature';

/**
 * Who is calling, as an authentication resolver (core/authenticate.ts) found it; `null` when nobody is
 * authenticated (or no resolver ran).
 */
export interface Principal {
  /** What kind of subject this is. */
  type: 'user' | 'api_key' | 'service';
  /** The subject's id (the user id for users). */
  id: string;
  /** The user behind the request, when there is one. */
  userId: string | null;
  /** The session (or token grant) the request belongs to. */
  sessionId: string | null;
  authMethod: AuthMethod;
  /** RFC 8176 method references of the login: `pwd`, `otp`, `email`, `rc` (recovery code). */
  amr: string[];
  /** When the subject last proved who it is, ms since the epoch. */
  authTime: number;
  /** Proved recently enough for sensitive actions (`auth.freshMs`). */
  fresh: boolean;
  /** Active tenant, when there is one. */
  tenantId?: string;
  /**
   * When the credential stops being valid, ms since the epoch: a session's idle or absolute expiry, whichever
   * comes first; a token's `exp`. Long-lived connections (realtime) close at it unless refreshed.
   */
  expiresAt?: number;
  /** The credential's own id where it has one (an access token's `jti`): revoking it ends its connections. */
  credentialId?: string;
  /**
   * The scopes a bearer token was granted (its `scope` claim, split on spaces); absent for sessions and for
   * tokens without a `scope` claim. `requireScope()` reads them.
   */
  scopes?: string[];
}

/**
 * A request's abort signal, made on first use: combining the client-disconnect and deadline signals
 * (`AbortSignal.any`) costs tens of microseconds, and most handlers never ask for it.
 */
export interface RequestDeadline {
  /** Aborted when the deadline passes (reason: the 504 error) or the client disconnects. */
  readonly signal: AbortSignal;
  /** Whether the deadline has passed. */
  readonly expired: boolean;
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Request id: a well-formed incoming X-Request-Id, or a generated one. */
    requestId: string;
    /** pino child logger bound to the request id (redacting). */
    log: Logger;
    /** The client address after trusted-proxy resolution. */
    clientIp: string;
    /** The request's deadline; its `signal` aborts when the request times out or the client disconnects. */
    deadline: RequestDeadline;
    principal: Principal | null;
  }
}
