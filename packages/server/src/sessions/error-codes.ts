import type { CodesOf } from '../core/error-codes.ts';
import type { ErrorCodeSpec } from '../core/module.ts';

/** The error codes of the sessions module. */
export const SESSIONS_ERRORS = [
  {
    code: 'LIFT_SESSION_LIMIT',
    status: 409,
    meaning: '`sessions.maxPerUser` reached with policy `deny_new`.',
  },
] as const satisfies readonly ErrorCodeSpec[];

declare module '../core/error-codes.ts' {
  interface LiftErrorCodes extends CodesOf<typeof SESSIONS_ERRORS> {}
}
