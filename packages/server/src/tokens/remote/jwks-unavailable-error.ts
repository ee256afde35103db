import { LiftError } from '../../core/errors.ts';
import type { JwksFailureReason } from './jwks-fetch.ts';

/**
 * The issuer's keys could not be had: no fresh key set is held and the last fetch failed (or the one that
 * would decide is held back by the refetch floor). Authentication fails closed — no token is accepted on keys
 * this app could not confirm — and the answer is 503 `LIFT_JWKS_UNAVAILABLE` with `Retry-After`, not a 401:
 * the client's token may well be good, and a 401 would send it to log in again for nothing.
 */
export class JwksUnavailableError extends LiftError {
  readonly reason: JwksFailureReason;
  constructor(reason: JwksFailureReason, retryAfterSeconds: number) {
    super('LIFT_JWKS_UNAVAILABLE', 503, 'Service unavailable', {
      detail: "The token issuer's keys cannot be fetched right now; retry shortly.",
      headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    });
    this.reason = reason;
  }
}
