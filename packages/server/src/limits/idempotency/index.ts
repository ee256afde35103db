export { IDEMPOTENCY_ERRORS } from './error-codes.ts';
export {
  DEFAULT_IDEMPOTENCY_LEASE_MS,
  DEFAULT_IDEMPOTENCY_TTL_MS,
  type IdempotencyOptions,
  idempotency,
} from './idempotency.ts';
export type { IdempotencyMetrics, IdempotencyOutcome } from './idempotency-entries.ts';
export {
  IdempotencyInProgressError,
  IdempotencyKeyInvalidError,
  IdempotencyMismatchError,
} from './idempotency-errors.ts';
export { MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency-key.ts';
export { REPLAYED_HEADER } from './stored-response.ts';
