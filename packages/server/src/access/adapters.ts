import type { Clock } from '../core/clock.ts';
import type { SqlDatabase, SqlEventRows } from '../storage/index.ts';
import type { AccessPorts } from './access.ts';
import { SqlAccessSnapshot } from './access-snapshot.ts';
import { SqlGrantStore } from './stores/sql-grant-store.ts';
import { SqlInvitationStore } from './stores/sql-invitation-store.ts';
import { SqlMembershipStore } from './stores/sql-membership-store.ts';
import { SqlRoleStore } from './stores/sql-role-store.ts';
import { SqlTenantStore } from './stores/sql-tenant-store.ts';

/**
 * The access module's SQL adapters (SQLite and PostgreSQL), for the app's shape factories only. Given
 * `eventRows`, the stores write the events of tenant, member, role, grant and invitation changes in the
 * changes' transactions (the transactional outbox).
 */
export function sqlAccessPorts(
  sql: SqlDatabase,
  clock: Clock,
  eventRows?: SqlEventRows,
): Omit<AccessPorts, 'invalidation'> {
  const options = eventRows ? { clock, eventRows } : { clock };
  return {
    tenants: new SqlTenantStore(sql, options),
    memberships: new SqlMembershipStore(sql, options),
    roles: new SqlRoleStore(sql, options),
    grants: new SqlGrantStore(sql, options),
    invitations: new SqlInvitationStore(sql, options),
    accessSnapshot: new SqlAccessSnapshot(sql),
  };
}
