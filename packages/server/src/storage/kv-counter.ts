import { LiftError } from '../core/errors.ts';

/** `increment()` on a key whose value is not an integer: a programming error in the caller's key scheme. */
export class KvNotACounterError extends LiftError {
  constructor(key: string) {
    super('LIFT_KV_NOT_A_COUNTER', 500, 'Key does not hold a counter', {
      detail: `increment() on key "${key}", whose value is not an integer.`,
    });
  }
}

/** The integer a counter key holds. */
export function parseCounter(value: string, key: string): number {
  if (!/^-?\d+$/.test(value)) throw new KvNotACounterError(key);
  return Number(value);
}
