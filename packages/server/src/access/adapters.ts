import type { Clock } from '../core/clock.ts';
import type { SqlDatabase } from '../storage/index.ts';
import type { AccessPorts } from './access.ts';
import { SqlAccessSnapshot } from './access-snapshot.ts';
import { SqlGrantStore } from './stores/sql-grant-store.ts';
import { SqlInvitationStore } from './stores/sql-invitation-store.ts';
import { SqlMembershipStore } from './stores/sql-membership-store.ts';
import { SqlRoleStore } from './stores/sql-role-store.ts';
import { SqlTenantStore } from './stores/sql-tenant-store.ts';

/** The access module's SQL adapters (SQLite and PostgreSQL), for the app's shape factories only. */
export function sqlAccessPorts(sql: SqlDatabase, clock: Clock): Omit<AccessPorts, 'broker'> {
  return {
    tenants: new SqlTenantStore(sql, { clock }),
    memberships: new SqlMembershipStore(sql, { clock }),
    roles: new SqlRoleStore(sql, { clock }),
    grants: new SqlGrantStore(sql, { clock }),
    invitations: new SqlInvitationStore(sql, { clock }),
    accessSnapshot: new SqlAccessSnapshot(sql),
  };
}
