import type { CodesOf } from '../core/error-codes.ts';
import type { ErrorCodeSpec } from '../core/module.ts';

/** The error codes of the signing module. */
export const SIGNING_ERRORS = [
  {
    code: 'LIFT_SIGNATURE_INVALID',
    status: 401,
    meaning:
      'A route requires an HTTP message signature (RFC 9421) and the request has none, or one that fails; `reason` says which check.',
  },
] as const satisfies readonly ErrorCodeSpec[];

declare module '../core/error-codes.ts' {
  interface LiftErrorCodes extends CodesOf<typeof SIGNING_ERRORS> {}
}
