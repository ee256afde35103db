import type { CodesOf } from '../core/error-codes.ts';
import type { ErrorCodeSpec } from '../core/module.ts';

/** The error codes of the built-in HTTP middleware (always present). */
export const HTTP_ERRORS = [
  {
    code: 'LIFT_CORS_ORIGIN_DENIED',
    status: 403,
    meaning: 'A CORS preflight from an origin outside `http.cors.origins`.',
  },
  {
    code: 'LIFT_CSRF',
    status: 403,
    meaning: 'A cookie-authenticated state-changing request from a foreign origin.',
  },
  {
    code: 'LIFT_OVERLOADED',
    status: 503,
    meaning:
      'The process is overloaded (event-loop delay or heap over `http.loadShedding`); `Retry-After` says when to retry.',
  },
] as const satisfies readonly ErrorCodeSpec[];

declare module '../core/error-codes.ts' {
  interface LiftErrorCodes extends CodesOf<typeof HTTP_ERRORS> {}
}
