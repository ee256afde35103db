import type { CodesOf } from '../core/error-codes.ts';
import type { ErrorCodeSpec } from '../core/module.ts';

/** The error codes of the limits module. */
export const LIMITS_ERRORS = [
  {
    code: 'LIFT_RATE_LIMITED',
    status: 429,
    meaning:
      'A rate-limit policy refused the request; `policy` names it and `Retry-After` says when to retry.',
  },
  {
    code: 'LIFT_RATE_LIMIT_UNAVAILABLE',
    status: 503,
    meaning: 'The rate-limit store does not answer and the policy fails closed.',
  },
] as const satisfies readonly ErrorCodeSpec[];

declare module '../core/error-codes.ts' {
  interface LiftErrorCodes extends CodesOf<typeof LIMITS_ERRORS> {}
}
