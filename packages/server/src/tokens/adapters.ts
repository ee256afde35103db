import type { SqlDatabase } from '../storage/index.ts';
import { SqlSigningKeyStore } from './keys/sql-signing-key-store.ts';
import { SqlRefreshTokenStore } from './refresh/sql-refresh-token-store.ts';
import { SqlRevocationStore } from './sql-revocation-store.ts';
import type { TokensPorts } from './tokens.ts';

/** The tokens module's SQL adapters (SQLite and PostgreSQL), for the app's shape factories only. */
export function sqlTokensPorts(
  sql: SqlDatabase,
): Pick<TokensPorts, 'signingKeys' | 'refreshTokens' | 'revocations'> {
  return {
    signingKeys: new SqlSigningKeyStore(sql),
    refreshTokens: new SqlRefreshTokenStore(sql),
    revocations: new SqlRevocationStore(sql),
  };
}
