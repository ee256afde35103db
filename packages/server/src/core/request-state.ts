import type { Logger } from 'pino';

/**
 * What Lift keeps per request on the Hono context (`c.var`). Built-in middleware (http/) fills these in pipeline
 * order (core/pipeline.ts); handlers read them through the Lift `Context` (core/context.ts).
 */

/** Who is calling. Empty (`null`) until an authentication resolver fills it. */
export interface Principal {
  /** What kind of subject this is. */
  type: 'user' | 'api_key' | 'service';
  /** The subject's id. */
  id: string;
  /** Active tenant, when there is one. */
  tenantId?: string;
  /** How the caller proved who it is (`session`, `bearer`, `api_key`, `signature`). */
  method: string;
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
