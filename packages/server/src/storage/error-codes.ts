import type { CodesOf } from '../core/error-codes.ts';
import type { ErrorCodeSpec } from '../core/module.ts';

/** The error codes of storage: migrations and the key-value store (always present). */
export const STORAGE_ERRORS = [
  {
    code: 'LIFT_MIGRATION_FAILED',
    status: 500,
    meaning: 'A migration failed; names it; earlier ones stay applied.',
  },
  {
    code: 'LIFT_MIGRATIONS_PENDING',
    status: 503,
    meaning: "Startup refused: Lift's own migrations have not run.",
  },
  { code: 'LIFT_KV_NOT_A_COUNTER', status: 500, meaning: '`kv.increment()` on a key holding a non-integer.' },
] as const satisfies readonly ErrorCodeSpec[];

declare module '../core/error-codes.ts' {
  interface LiftErrorCodes extends CodesOf<typeof STORAGE_ERRORS> {}
}
