import { LiftError } from '../core/errors.ts';

/**
 * Why a bearer token was refused. One code for clients (`LIFT_TOKEN_INVALID`, 401, with a
 * `WWW-Authenticate: Bearer error="invalid_token"` header per RFC 6750) and a machine `reason` for events and
 * logs: `too_large`, `malformed`, `bad_signature`, `unknown_kid`, `alg_none`, `alg_mismatch`, `crit_unsupported`,
 * `wrong_type`, `wrong_issuer`, `wrong_audience`, `expired`, `not_yet_valid`, `bad_claims`, `revoked`, …
 */
export class TokenRejectedError extends LiftError {
  readonly reason: string;
  /** For `revoked`: what revoked it — the one token (`jti`, a denylist entry), its login (`sid`) or its user. */
  revokedBy?: 'jti' | 'sid' | 'user';
  constructor(reason: string, detail = 'The access token is invalid, expired or revoked.') {
    super('LIFT_TOKEN_INVALID', 401, 'Invalid token', {
      detail,
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
    this.reason = reason;
  }
}

/** 400 per RFC 6749 §5.2, with the OAuth `error` member next to Lift's code. */
export class InvalidGrantError extends LiftError {
  constructor(detail = 'The refresh token is invalid, expired or revoked.') {
    super('LIFT_INVALID_GRANT', 400, 'Invalid grant', { detail, extensions: { error: 'invalid_grant' } });
  }
}

/** A rotated refresh token came back: the family is revoked (RFC 9700 §4.14). */
export class TokenReusedError extends LiftError {
  constructor() {
    super('LIFT_TOKEN_REUSED', 401, 'Refresh token reused', {
      detail: 'This refresh token was already used; every token of this login is revoked. Log in again.',
      extensions: { error: 'invalid_grant' },
    });
  }
}
