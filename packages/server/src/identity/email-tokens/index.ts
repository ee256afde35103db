export {
  EMAIL_TOKEN_PURPOSES,
  type EmailTokenPurpose,
  type EmailTokenStore,
} from './email-token-store.ts';
export type { LiftEmailTokensTable } from './email-tokens-table.ts';
export { SqlEmailTokenStore, type SqlEmailTokenStoreOptions } from './sql-email-token-store.ts';
