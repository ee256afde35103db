import type { SqlDatabase, SqlEventRows } from '../storage/index.ts';
import { SqlSigningKeyStore } from './keys/sql-signing-key-store.ts';
import { SqlRefreshTokenStore } from './refresh/sql-refresh-token-store.ts';
import { SqlRevocationStore } from './sql-revocation-store.ts';
import type { TokensPorts } from './tokens.ts';

/**
 * The tokens module's SQL adapters (SQLite and PostgreSQL), for the app's shape factories only. Given
 * `eventRows`, key activations, refresh rotations and revocations write their events in their transactions.
 */
export function sqlTokensPorts(
  sql: SqlDatabase,
  eventRows?: SqlEventRows,
): Pick<TokensPorts, 'signingKeys' | 'refreshTokens' | 'revocations'> {
  const announcing = eventRows ? { eventRows } : {};
  return {
    signingKeys: new SqlSigningKeyStore(sql, announcing),
    refreshTokens: new SqlRefreshTokenStore(sql, announcing),
    revocations: new SqlRevocationStore(sql, announcing),
  };
}
