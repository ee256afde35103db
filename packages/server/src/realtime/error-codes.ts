import type { CodesOf } from '../core/error-codes.ts';
import { LiftError } from '../core/errors.ts';
import type { ErrorCodeSpec } from '../core/module.ts';

/** The error codes of the realtime module: refusals of an upgrade (or SSE stream) before a socket exists. */
export const REALTIME_ERRORS = [
  {
    code: 'LIFT_REALTIME_UNAUTHENTICATED',
    status: 401,
    meaning:
      'A WebSocket or SSE connection without a valid credential; `reason` says which (missing_credentials, session_invalid, ticket_invalid, token_expired, token_revoked, token_wrong_type …).',
  },
  {
    code: 'LIFT_REALTIME_ORIGIN_REFUSED',
    status: 403,
    meaning:
      'A cookie- or ticket-authenticated connection from an Origin not in realtime.allowedOrigins (cross-site WebSocket hijacking), or without one.',
  },
  {
    code: 'LIFT_REALTIME_CONNECTION_LIMIT',
    status: 429,
    meaning:
      'The user already has realtime.maxConnectionsPerUser connections open, counted across every node.',
  },
  {
    code: 'LIFT_REALTIME_UNAVAILABLE',
    status: 503,
    meaning:
      'The connection registry does not answer; connections are refused rather than admitted uncounted.',
  },
  {
    code: 'LIFT_UPGRADE_REQUIRED',
    status: 426,
    meaning: 'A plain HTTP request to the WebSocket endpoint; connect with a WebSocket client.',
  },
] as const satisfies readonly ErrorCodeSpec[];

declare module '../core/error-codes.ts' {
  interface LiftErrorCodes extends CodesOf<typeof REALTIME_ERRORS> {}
}

/** A refused connection attempt: `reason` is the problem's member and `websocket_auth_failures_total{reason}`. */
export class RealtimeUnauthenticatedError extends LiftError {
  readonly reason: string;
  constructor(reason: string, detail: string) {
    super('LIFT_REALTIME_UNAUTHENTICATED', 401, 'Unauthenticated', { detail, extensions: { reason } });
    this.reason = reason;
  }
}

export class RealtimeOriginRefusedError extends LiftError {
  readonly reason: 'origin_missing' | 'origin_not_allowed';
  constructor(reason: 'origin_missing' | 'origin_not_allowed', detail: string) {
    super('LIFT_REALTIME_ORIGIN_REFUSED', 403, 'Origin refused', { detail, extensions: { reason } });
    this.reason = reason;
  }
}

export class RealtimeConnectionLimitError extends LiftError {
  readonly reason = 'user_connection_limit';
  constructor(limit: number) {
    super('LIFT_REALTIME_CONNECTION_LIMIT', 429, 'Too many connections', {
      detail: `At most ${limit} connections per user.`,
      extensions: { reason: 'user_connection_limit' },
    });
  }
}

export class RealtimeUnavailableError extends LiftError {
  readonly reason = 'registry_unavailable';
  constructor(cause: unknown) {
    super('LIFT_REALTIME_UNAVAILABLE', 503, 'Service unavailable', {
      detail: 'Connections cannot be counted right now; try again shortly.',
      cause,
      headers: { 'retry-after': '1' },
      extensions: { reason: 'registry_unavailable' },
    });
  }
}

export class UpgradeRequiredError extends LiftError {
  readonly reason = 'upgrade_required';
  constructor() {
    super('LIFT_UPGRADE_REQUIRED', 426, 'Upgrade required', {
      detail: 'This endpoint speaks WebSocket (subprotocol lift.v1).',
      headers: { upgrade: 'websocket', connection: 'Upgrade' },
    });
  }
}
