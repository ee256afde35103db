import type { CodesOf } from '../core/error-codes.ts';
import type { ErrorCodeSpec } from '../core/module.ts';

/** The error codes of mail delivery (always present). */
export const MAIL_ERRORS = [
  {
    code: 'LIFT_MAIL_UNAVAILABLE',
    status: 503,
    meaning: 'A mail that must go now was not taken by the transport.',
  },
] as const satisfies readonly ErrorCodeSpec[];

declare module '../core/error-codes.ts' {
  interface LiftErrorCodes extends CodesOf<typeof MAIL_ERRORS> {}
}
