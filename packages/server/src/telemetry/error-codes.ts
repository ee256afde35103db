import type { CodesOf } from '../core/error-codes.ts';
import type { ErrorCodeSpec } from '../core/module.ts';

/** The telemetry routes' error codes (every app has them: the log-level routes are core's). */
export const TELEMETRY_ERRORS = [
  {
    code: 'LIFT_LOG_MODULE_UNKNOWN',
    status: 404,
    meaning: 'A log-level change names no logger of the app (neither `http` nor one of its modules).',
  },
] as const satisfies readonly ErrorCodeSpec[];

declare module '../core/error-codes.ts' {
  interface LiftErrorCodes extends CodesOf<typeof TELEMETRY_ERRORS> {}
}
