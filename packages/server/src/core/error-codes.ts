import type { ErrorCodeSpec } from './module.ts';

/**
 * The closed set of Lift's error codes, as a type. Core declares its own codes here; each module declares its
 * codes in its own `error-codes.ts` (a list of `ErrorCodeSpec`) and adds them to `LiftErrorCodes` by
 * declaration merging:
 *
 *     declare module '../core/error-codes.ts' {
 *       interface LiftErrorCodes extends CodesOf<typeof ACCESS_ERRORS> {}
 *     }
 *
 * `LiftError`'s code is `LiftErrorCode | AppErrorCode`, so a misspelt Lift code fails `tsc`, and an app's own
 * code cannot take the `LIFT_` prefix. `app/lift-errors.ts` gathers the lists into an app's catalogue;
 * docs/errors.md lists exactly their union (test/errors-table.test.ts checks both ways).
 */

/** The codes of a list of specs, as the keys of an object type (what `LiftErrorCodes` extends). */
export type CodesOf<List extends readonly ErrorCodeSpec[]> = { [Code in List[number]['code']]: true };

/** Core's own codes: the request pipeline, configuration, and the statuses of core's error classes. */
export const CORE_ERRORS = [
  { code: 'LIFT_BAD_REQUEST', status: 400, meaning: 'The request cannot be understood.' },
  { code: 'LIFT_MALFORMED_BODY', status: 400, meaning: 'The body does not decode as its content type says.' },
  {
    code: 'LIFT_VALIDATION_FAILED',
    status: 400,
    meaning: 'Typed input failed its schema; `errors` lists each field.',
  },
  { code: 'LIFT_UNAUTHENTICATED', status: 401, meaning: 'The route needs an authenticated principal.' },
  { code: 'LIFT_FORBIDDEN', status: 403, meaning: 'Not allowed, for a reason no narrower code names.' },
  { code: 'LIFT_NOT_FOUND', status: 404, meaning: 'No route or no object.' },
  { code: 'LIFT_METHOD_NOT_ALLOWED', status: 405, meaning: 'The path exists with other methods.' },
  { code: 'LIFT_CONFLICT', status: 409, meaning: 'The request conflicts with the current state.' },
  { code: 'LIFT_PAYLOAD_TOO_LARGE', status: 413, meaning: 'The body is over the configured limit.' },
  {
    code: 'LIFT_UNSUPPORTED_MEDIA_TYPE',
    status: 415,
    meaning: 'The content type or charset is not accepted.',
  },
  { code: 'LIFT_INTERNAL', status: 500, meaning: 'An unexpected error; logged in full with the request id.' },
  {
    code: 'LIFT_RUNTIME_MISMATCH',
    status: 500,
    meaning: 'A Node-style handler was called without a Node request.',
  },
  {
    code: 'LIFT_SECRET_UNREADABLE',
    status: 500,
    meaning: 'A sealed secret opens with no configured root secret.',
  },
  {
    code: 'LIFT_CONFIG_INVALID',
    status: 500,
    meaning: 'A configuration or registration mistake, at startup.',
  },
  { code: 'LIFT_UNAVAILABLE', status: 503, meaning: 'A store the request needs does not answer.' },
  { code: 'LIFT_TIMEOUT', status: 504, meaning: 'The request passed its deadline.' },
] as const satisfies readonly ErrorCodeSpec[];

/** Every Lift error code: core's, and each module's by declaration merging. */
export interface LiftErrorCodes extends CodesOf<typeof CORE_ERRORS> {}

export type LiftErrorCode = keyof LiftErrorCodes;

type Letter =
  | 'A'
  | 'B'
  | 'C'
  | 'D'
  | 'E'
  | 'F'
  | 'G'
  | 'H'
  | 'I'
  | 'J'
  | 'K'
  | 'L'
  | 'M'
  | 'N'
  | 'O'
  | 'P'
  | 'Q'
  | 'R'
  | 'S'
  | 'T'
  | 'U'
  | 'V'
  | 'W'
  | 'X'
  | 'Y'
  | 'Z';
type CodeCharacter = Letter | '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '_';

/**
 * An app's own error code: UPPER_SNAKE (`NOTES_LOCKED`), starting with a letter, and never with `LIFT_`. Spelt
 * as "differs from `LIFT_` at its first, second … fifth character", since TypeScript has no negated types.
 */
export type AppErrorCode =
  | `${Exclude<Letter, 'L'>}${string}`
  | 'L'
  | `L${Exclude<CodeCharacter, 'I'>}${string}`
  | 'LI'
  | `LI${Exclude<CodeCharacter, 'F'>}${string}`
  | 'LIF'
  | `LIF${Exclude<CodeCharacter, 'T'>}${string}`
  | 'LIFT'
  | `LIFT${Exclude<CodeCharacter, '_'>}${string}`;

/** Any code a `LiftError` may carry: one of Lift's, or an app's own. */
export type ErrorCode = LiftErrorCode | AppErrorCode;

/** An error code an app declares for itself (`createLift(config, { errors })`). */
export interface AppErrorCodeSpec {
  code: AppErrorCode;
  status: number;
  /** One sentence: when a client sees it. */
  meaning: string;
}

const APP_ERROR_CODE = /^[A-Z][A-Z0-9_]*$/;

/**
 * Why `code` cannot be an app's own error code, or undefined when it can: the runtime half of `AppErrorCode`,
 * for JavaScript callers and codes built at run time.
 */
export function appErrorCodeProblem(code: string): string | undefined {
  if (code.startsWith('LIFT_'))
    return `The error code ${code} takes the LIFT_ prefix, which is reserved for Lift's own codes (docs/errors.md); name it after your app, e.g. APP_${code.slice('LIFT_'.length)}.`;
  if (!APP_ERROR_CODE.test(code))
    return `The error code ${JSON.stringify(code)} is not UPPER_SNAKE (a capital letter, then capitals, digits and _).`;
  return undefined;
}
