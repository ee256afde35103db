import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { migratedSqlTargets, onEverySqlDatabase, sqlAccessStores } from '../../../test/support/stores.ts';
import { invitationStoreConformance } from './invitation-store.conformance.ts';
import { SqlInvitationStore } from './sql-invitation-store.ts';

await onEverySqlDatabase(
  'SqlInvitationStore',
  'invitations',
  (target) => invitationStoreConformance(`SqlInvitationStore on ${target.name}`, sqlAccessStores(target)),
  { withoutDefaultRoles: true },
);

for (const target of await migratedSqlTargets('invitations_sql')) {
  describe(`SqlInvitationStore on ${target.name}: the table itself`, () => {
    it('stores only the SHA-256 of the token', async () => {
      const { database, close } = await target.open();
      const { token } = await new SqlInvitationStore(database).issue({
        tenantId: 'tenant-a',
        email: 'eve@example.com',
        invitedBy: 'ada',
      });
      const rows = await database.db.selectFrom('lift_invitations').selectAll().execute();
      expect(rows.map((row) => row.token_hash)).toEqual([
        createHash('sha256').update(token).digest('base64url'),
      ]);
      expect(JSON.stringify(rows)).not.toContain(token);
      await close();
    });
  });
}
