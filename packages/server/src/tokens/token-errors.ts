import { LiftError } from '../core/errors.ts';

/**
 * Why a bearer token was refused. One code for clients (`LIFT_TOKEN_INVALID`, 401, with a
 * `WWW-Authenticate: Bearer error="invalid_token"` header per RFC 6750) and a machine `reason` for events and
 * logs: `too_large`, `malformed`, `bad_signature`, `unknown_kid`, `alg_none`, `alg_mismatch`, `crit_unsupported`,
 * `wrong_type`, `wrong_issuer`, `wrong_audience`, `expired`, `not_yet_valid`, `bad_claims`, `revoked`, …
 */
export class TokenRejectedError extends LiftError {
  readonly reason: string;
  constructor(reason: string, detail = 'The access token is invalid, expired or revoked.') {
    super('LIFT_TOKEN_INVALID', 401, 'Invalid token', {
      detail,
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
    this.reason = reason;
  }
}
