import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { migratedSqlTargets, onEverySqlDatabase, type SqlTarget } from '../../../test/support/stores.ts';
import { ManualClock } from '../../core/clock.ts';
import { emailTokenStoreConformance } from './email-token-store.conformance.ts';
import { SqlEmailTokenStore } from './sql-email-token-store.ts';

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

await onEverySqlDatabase('SqlEmailTokenStore', 'email_tokens', (target) => {
  emailTokenStoreConformance(`SqlEmailTokenStore on ${target.name}`, async (clock) => {
    const { database, close } = await target.open();
    return { store: new SqlEmailTokenStore(database, { clock }), close };
  });
});

async function open(target: SqlTarget) {
  const { database, close } = await target.open();
  return { store: new SqlEmailTokenStore(database, { clock: new ManualClock(START) }), database, close };
}

for (const target of await migratedSqlTargets('email_tokens_sql')) {
  describe(`SqlEmailTokenStore on ${target.name}: the table itself`, () => {
    it('stores only the SHA-256 of the token', async () => {
      const { store, database, close } = await open(target);
      const token = await store.issue('user-1', 'verify_email', HOUR);
      const rows = await database.db.selectFrom('lift_email_tokens').selectAll().execute();
      expect(rows).toHaveLength(1);
      const [row] = rows;
      expect(row).toMatchObject({
        token_hash: createHash('sha256').update(token).digest('base64url'),
        user_id: 'user-1',
        purpose: 'verify_email',
        used_at: null,
      });
      expect(Number(row?.created_at)).toBe(START);
      expect(Number(row?.expires_at)).toBe(START + HOUR);
      expect(JSON.stringify(row)).not.toContain(token);
      await close();
    });

    it('answers malformed tokens with null without asking the database', async () => {
      const { store, database, close } = await open(target);
      await database.close();
      for (const token of ['', 'short', `${'A'.repeat(42)}=`, `${'A'.repeat(42)}+`, 'A'.repeat(44)]) {
        expect(await store.consume(token, 'verify_email')).toBeNull();
        expect(await store.peek(token, 'verify_email')).toBeNull();
      }
      await expect(store.consume('A'.repeat(43), 'verify_email')).rejects.toThrow();
      await close();
    });
  });
}
