export type { LiftRefreshFamiliesTable, LiftRefreshTokensTable } from './refresh-tables.ts';
export type {
  RefreshPurgeCutoffs,
  RefreshRotation,
  RefreshTokenFamily,
  RefreshTokenRecord,
  RefreshTokenStore,
  RefreshTokenWithFamily,
} from './refresh-token-store.ts';
export {
  DEFAULT_REFRESH_ABSOLUTE_LIFETIME_MS,
  DEFAULT_REFRESH_IDLE_TIMEOUT_MS,
  DEFAULT_REFRESH_MAX_GRACE_MS,
  type IssuedRefreshToken,
  type IssueRefreshTokenInput,
  REFRESH_SUCCESSOR_KEY_PURPOSE,
  REUSE_DETECTED,
  RefreshTokens,
  type RefreshTokensOptions,
  type RotateRefreshTokenOptions,
  type RotateRefreshTokenResult,
} from './refresh-tokens.ts';
export { SqlRefreshTokenStore } from './sql-refresh-token-store.ts';
