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

/** Why a connection attempt was refused: `websocket_auth_failures_total{reason}` and the problem's `reason`. */
export class RealtimeRefusedError extends LiftError {
  readonly reason: string;
  constructor(
    code: 'LIFT_REALTIME_UNAUTHENTICATED' | 'LIFT_REALTIME_ORIGIN_REFUSED' | 'LIFT_REALTIME_CONNECTION_LIMIT',
    reason: string,
    detail: string,
  ) {
    const status =
      code === 'LIFT_REALTIME_UNAUTHENTICATED' ? 401 : code === 'LIFT_REALTIME_ORIGIN_REFUSED' ? 403 : 429;
    const title =
      status === 401 ? 'Unauthenticated' : status === 403 ? 'Origin refused' : 'Too many connections';
    super(code, status, title, { detail, extensions: { reason } });
    this.reason = reason;
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
