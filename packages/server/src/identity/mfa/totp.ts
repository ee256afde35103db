import type { Clock } from '../../core/clock.ts';
import { LiftConfigError } from '../../core/errors.ts';
import { DEFAULT_DIGITS, type HotpOptions, hotp, normaliseOtpCode, otpCodesEqual } from './hotp.ts';

/** Time-based one-time passwords, RFC 6238 (https://www.rfc-editor.org/rfc/rfc6238), with T0 = 0. */

export interface TotpOptions extends HotpOptions {
  /** Seconds per time step; default 30 (RFC 6238 §5.2). */
  period?: number;
}

export interface VerifyTotpOptions extends TotpOptions {
  clock: Clock;
  /**
   * Steps either side of now that are accepted; default 1, which tolerates ±30 s of clock drift and the time
   * it takes to type a code without widening the guessing window much (RFC 6238 §5.2).
   */
  window?: number;
  /**
   * The step of the last accepted code for this secret. Codes from this step or earlier are refused, so an
   * observed code cannot be replayed (RFC 6238 §5.2). Store the returned step after each success.
   */
  lastUsedStep?: number | null;
}

export const DEFAULT_PERIOD = 30;
export const DEFAULT_WINDOW = 1;

/** The time step containing `timeMs` (milliseconds since the epoch). */
export function totpStep(timeMs: number, period = DEFAULT_PERIOD): number {
  if (!Number.isInteger(period) || period <= 0) {
    throw new LiftConfigError(`TOTP period must be a positive integer, got ${period}`);
  }
  return Math.floor(timeMs / 1000 / period);
}

/** The code for the step containing `timeMs`. */
export function totpAt(secret: Uint8Array, timeMs: number, options: TotpOptions = {}): string {
  return hotp(secret, totpStep(timeMs, options.period), options);
}

/** The code valid now according to `clock`. */
export function generateTotp(secret: Uint8Array, options: TotpOptions & { clock: Clock }): string {
  return totpAt(secret, options.clock.now(), options);
}

/**
 * The time step `code` belongs to, or null when it is malformed, outside the window, or not newer than
 * `lastUsedStep`. Every candidate step is computed and compared so the time taken does not reveal which
 * step, if any, matched.
 */
export function verifyTotp(secret: Uint8Array, code: string, options: VerifyTotpOptions): number | null {
  const window = options.window ?? DEFAULT_WINDOW;
  if (!Number.isInteger(window) || window < 0) {
    throw new LiftConfigError(`TOTP window must be a non-negative integer, got ${window}`);
  }
  const typed = normaliseOtpCode(code, options.digits ?? DEFAULT_DIGITS);
  if (typed === null) return null;
  const now = totpStep(options.clock.now(), options.period);
  const lastUsed = options.lastUsedStep ?? -1;
  let matched: number | null = null;
  for (let step = now - window; step <= now + window; step++) {
    if (step < 0) continue;
    const equal = otpCodesEqual(hotp(secret, step, options), typed);
    if (equal && step > lastUsed && matched === null) matched = step;
  }
  return matched;
}
