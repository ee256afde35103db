import { ACCESS_ERRORS } from '../access/index.ts';
import { type AppErrorCodeSpec, appErrorCodeProblem, CORE_ERRORS } from '../core/error-codes.ts';
import { LiftConfigError } from '../core/errors.ts';
import type { ErrorCodeSpec, LiftModule } from '../core/module.ts';
import { HTTP_ERRORS } from '../http/index.ts';
import { IDENTITY_ERRORS } from '../identity/index.ts';
import { IDEMPOTENCY_ERRORS, LIMITS_ERRORS } from '../limits/index.ts';
import { MAIL_ERRORS } from '../mail/index.ts';
import { REALTIME_ERRORS } from '../realtime/index.ts';
import { SESSIONS_ERRORS } from '../sessions/index.ts';
import { SIGNING_ERRORS } from '../signing/index.ts';
import { STORAGE_ERRORS } from '../storage/index.ts';
import { TELEMETRY_ERRORS } from '../telemetry/index.ts';
import { REMOTE_TOKENS_ERRORS, TOKENS_ERRORS } from '../tokens/index.ts';

/**
 * The error catalogue of an app: which codes it may answer with, and with which status. Every app has core's
 * codes and those of the parts that are always there (HTTP middleware, storage, mail); each module adds its
 * own (`LiftModule.errors`), and the app its own (`createLift(config, { errors })`), which cannot take the
 * `LIFT_` prefix.
 */

/** One row of a catalogue: a Lift code or an app's own. A code answered with two statuses has two rows. */
export type ErrorCatalogEntry = ErrorCodeSpec | AppErrorCodeSpec;

/** The codes every app has, whichever modules it runs. */
export const ALWAYS_PRESENT_ERRORS: readonly ErrorCodeSpec[] = [
  ...CORE_ERRORS,
  ...HTTP_ERRORS,
  ...STORAGE_ERRORS,
  ...MAIL_ERRORS,
  ...TELEMETRY_ERRORS,
  // `idempotency()` is a middleware any app may use, with or without the limits module.
  ...IDEMPOTENCY_ERRORS,
];

/**
 * Rows with the same code and status once, the first kept: two modules may answer with the same code for the
 * same reason (`LIFT_TOKEN_INVALID` from tokens and from remoteTokens).
 */
function onePerCodeAndStatus<Row extends ErrorCatalogEntry>(rows: readonly Row[]): Row[] {
  const seen = new Set<string>();
  return rows.filter(({ code, status }) => {
    const key = `${code} ${status}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Every code of every module Lift ships: the union docs/errors.md lists, row for row. */
export const LIFT_ERRORS: readonly ErrorCodeSpec[] = onePerCodeAndStatus([
  ...ALWAYS_PRESENT_ERRORS,
  ...SESSIONS_ERRORS,
  ...IDENTITY_ERRORS,
  ...TOKENS_ERRORS,
  ...REMOTE_TOKENS_ERRORS,
  ...ACCESS_ERRORS,
  ...LIMITS_ERRORS,
  ...SIGNING_ERRORS,
  ...REALTIME_ERRORS,
]);

/**
 * The catalogue of an app with these modules and these codes of its own. Throws `LiftConfigError` for an app
 * code that takes the `LIFT_` prefix or is not UPPER_SNAKE, and for an app code declared twice with one status.
 */
export function errorCatalog(
  modules: readonly LiftModule[],
  appErrors: readonly AppErrorCodeSpec[] = [],
): readonly ErrorCatalogEntry[] {
  const seen = new Set<string>();
  for (const { code, status } of appErrors) {
    const problem = appErrorCodeProblem(code);
    if (problem !== undefined) throw new LiftConfigError(`createLift({ errors }): ${problem}`);
    if (seen.has(`${code} ${status}`))
      throw new LiftConfigError(
        `createLift({ errors }): the error code ${code} (${status}) is declared twice.`,
      );
    seen.add(`${code} ${status}`);
  }
  return onePerCodeAndStatus([
    ...ALWAYS_PRESENT_ERRORS,
    ...modules.flatMap((module) => module.errors ?? []),
    ...appErrors,
  ]);
}
