import type { CodesOf } from '../../core/error-codes.ts';
import type { ErrorCodeSpec } from '../../core/module.ts';

/** The error codes of the idempotency middleware; the limits module lists them in its `errors`. */
export const IDEMPOTENCY_ERRORS = [
  {
    code: 'LIFT_IDEMPOTENCY_KEY_INVALID',
    status: 400,
    meaning: 'An `Idempotency-Key` that is empty, over 255 characters or not visible ASCII.',
  },
  {
    code: 'LIFT_IDEMPOTENCY_IN_PROGRESS',
    status: 409,
    meaning: 'A retry while the first request with the same `Idempotency-Key` is still running.',
  },
  {
    code: 'LIFT_IDEMPOTENCY_MISMATCH',
    status: 422,
    meaning: 'An `Idempotency-Key` reused with another method, path or body.',
  },
] as const satisfies readonly ErrorCodeSpec[];

declare module '../../core/error-codes.ts' {
  interface LiftErrorCodes extends CodesOf<typeof IDEMPOTENCY_ERRORS> {}
}
