import { LiftError } from '../../core/errors.ts';

/** 400: the header breaks its syntax; the request does not run. */
export class IdempotencyKeyInvalidError extends LiftError {
  constructor(detail: string) {
    super('LIFT_IDEMPOTENCY_KEY_INVALID', 400, 'Invalid Idempotency-Key', { detail });
  }
}

/** 409: the first request with this key has not finished; the client retries later. */
export class IdempotencyInProgressError extends LiftError {
  constructor(retryAfterSeconds: number) {
    super('LIFT_IDEMPOTENCY_IN_PROGRESS', 409, 'Request in progress', {
      detail: 'A request with this Idempotency-Key is still running; retry once it has finished.',
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}

/** 422: the key was first used for another request; replaying that answer would be wrong. */
export class IdempotencyMismatchError extends LiftError {
  constructor() {
    super('LIFT_IDEMPOTENCY_MISMATCH', 422, 'Idempotency-Key reused', {
      detail:
        'This Idempotency-Key was used with another method, path or body. Use a new key for a new request.',
    });
  }
}
