import type { Clock } from '../core/clock.ts';
import type { SqlDatabase } from '../storage/index.ts';
import { SqlEmailTokenStore } from './email-tokens/sql-email-token-store.ts';
import type { IdentityPorts } from './identity.ts';
import { SqlMfaFactorStore } from './mfa/sql-mfa-factor-store.ts';
import { SqlUserStore } from './users/sql-user-store.ts';

/** The identity module's SQL adapters (SQLite and PostgreSQL), for the app's shape factories only. */
export function sqlIdentityPorts(
  sql: SqlDatabase,
  clock: Clock,
): Pick<IdentityPorts, 'users' | 'emailTokens' | 'mfaFactors'> {
  return {
    users: new SqlUserStore(sql, { clock }),
    emailTokens: new SqlEmailTokenStore(sql, { clock }),
    mfaFactors: new SqlMfaFactorStore(sql, { clock }),
  };
}
