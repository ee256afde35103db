import type { Clock } from '../core/clock.ts';
import type { SqlDatabase, SqlEventRows } from '../storage/index.ts';
import { SqlEmailTokenStore } from './email-tokens/sql-email-token-store.ts';
import type { IdentityPorts } from './identity.ts';
import { SqlMfaFactorStore } from './mfa/sql-mfa-factor-store.ts';
import { SqlUserStore } from './users/sql-user-store.ts';

/**
 * The identity module's SQL adapters (SQLite and PostgreSQL), for the app's shape factories only. Given
 * `eventRows`, user and MFA changes write the events that announce them in their own transaction.
 */
export function sqlIdentityPorts(
  sql: SqlDatabase,
  clock: Clock,
  eventRows?: SqlEventRows,
): Pick<IdentityPorts, 'users' | 'emailTokens' | 'mfaFactors'> {
  const announcing = eventRows ? { eventRows } : {};
  return {
    users: new SqlUserStore(sql, { clock, ...announcing }),
    emailTokens: new SqlEmailTokenStore(sql, { clock }),
    mfaFactors: new SqlMfaFactorStore(sql, { clock, ...announcing }),
  };
}
