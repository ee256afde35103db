import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { migratedSqlTargets, type OpenSql } from '../../../test/support/stores.ts';
import { ManualClock } from '../../core/clock.ts';
import type { SqlDatabase } from '../../storage/ports.ts';
import type { EmailTokenStore } from './email-token-store.ts';
import { SqlEmailTokenStore } from './sql-email-token-store.ts';

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

interface Fixture {
  store: EmailTokenStore;
  database: SqlDatabase;
  clock: ManualClock;
  close(): Promise<void>;
}

async function fixture({ database, close }: OpenSql): Promise<Fixture> {
  const clock = new ManualClock(START);
  return { store: new SqlEmailTokenStore(database, { clock }), database, clock, close };
}

function emailTokenStoreBehaviour(open: () => Promise<Fixture>): void {
  it('issues a 43-character base64url token that consume turns into its user', async () => {
    const { store, close } = await open();
    const token = await store.issue('user-1', 'verify_email', HOUR);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const other = await store.issue('user-1', 'verify_email', HOUR);
    expect(other).not.toBe(token);
    expect(await store.consume(token, 'verify_email')).toEqual({ userId: 'user-1' });
    expect(await store.consume(other, 'verify_email')).toEqual({ userId: 'user-1' });
    await close();
  });

  it('accepts a token once', async () => {
    const { store, clock, close } = await open();
    const token = await store.issue('user-1', 'password_reset', HOUR);
    expect(await store.consume(token, 'password_reset')).toEqual({ userId: 'user-1' });
    expect(await store.consume(token, 'password_reset')).toBeNull();
    clock.advance(1_000);
    expect(await store.consume(token, 'password_reset')).toBeNull();
    expect(await store.peek(token, 'password_reset')).toBeNull();
    await close();
  });

  it('refuses a token from its expiry on', async () => {
    const { store, clock, close } = await open();
    const token = await store.issue('user-1', 'set_password', HOUR);
    clock.advance(HOUR - 1);
    expect(await store.peek(token, 'set_password')).toBe('user-1');
    clock.advance(1);
    expect(await store.peek(token, 'set_password')).toBeNull();
    expect(await store.consume(token, 'set_password')).toBeNull();
    await close();
  });

  it('refuses a token for another purpose without using it up', async () => {
    const { store, close } = await open();
    const token = await store.issue('user-1', 'verify_email', HOUR);
    expect(await store.consume(token, 'password_reset')).toBeNull();
    expect(await store.peek(token, 'set_password')).toBeNull();
    expect(await store.consume(token, 'verify_email')).toEqual({ userId: 'user-1' });
    await close();
  });

  it('peeks without consuming', async () => {
    const { store, close } = await open();
    const token = await store.issue('user-1', 'password_reset', HOUR);
    expect(await store.peek(token, 'password_reset')).toBe('user-1');
    expect(await store.peek(token, 'password_reset')).toBe('user-1');
    expect(await store.consume(token, 'password_reset')).toEqual({ userId: 'user-1' });
    expect(await store.peek(token, 'password_reset')).toBeNull();
    expect(await store.peek('A'.repeat(43), 'password_reset')).toBeNull();
    await close();
  });

  it('revokes outstanding tokens of one purpose or of all, and only that user’s', async () => {
    const { store, close } = await open();
    const reset1 = await store.issue('user-1', 'password_reset', HOUR);
    const reset2 = await store.issue('user-1', 'password_reset', HOUR);
    const verify = await store.issue('user-1', 'verify_email', HOUR);
    const setPassword = await store.issue('user-1', 'set_password', HOUR);
    const othersReset = await store.issue('user-2', 'password_reset', HOUR);
    expect(await store.consume(reset2, 'password_reset')).toEqual({ userId: 'user-1' });

    expect(await store.revokeAll('user-1', 'password_reset')).toBe(1);
    expect(await store.consume(reset1, 'password_reset')).toBeNull();
    expect(await store.peek(verify, 'verify_email')).toBe('user-1');

    expect(await store.revokeAll('user-1')).toBe(2);
    expect(await store.consume(verify, 'verify_email')).toBeNull();
    expect(await store.consume(setPassword, 'set_password')).toBeNull();
    expect(await store.revokeAll('user-1')).toBe(0);

    expect(await store.consume(othersReset, 'password_reset')).toEqual({ userId: 'user-2' });
    await close();
  });

  it('gives a token to exactly one of many concurrent consumers', async () => {
    const { store, close } = await open();
    const token = await store.issue('user-1', 'password_reset', HOUR);
    // Opens every pooled connection first, so the consumers below really run side by side.
    await Promise.all(Array.from({ length: 8 }, () => store.peek(token, 'password_reset')));
    const results = await Promise.all(
      Array.from({ length: 8 }, () => store.consume(token, 'password_reset')),
    );
    expect(results.filter((result) => result !== null)).toEqual([{ userId: 'user-1' }]);
    await close();
  });

  it('stores only the SHA-256 of the token', async () => {
    const { store, database, close } = await open();
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
    const { store, database, close } = await open();
    await database.close();
    for (const token of ['', 'short', `${'A'.repeat(42)}=`, `${'A'.repeat(42)}+`, 'A'.repeat(44)]) {
      expect(await store.consume(token, 'verify_email')).toBeNull();
      expect(await store.peek(token, 'verify_email')).toBeNull();
    }
    await expect(store.consume('A'.repeat(43), 'verify_email')).rejects.toThrow();
    await close();
  });

  it('purges tokens that expired or were used, keeping live ones', async () => {
    const { store, clock, close } = await open();
    const used = await store.issue('user-1', 'verify_email', 10 * HOUR);
    await store.consume(used, 'verify_email');
    await store.issue('user-1', 'password_reset', HOUR);
    const live = await store.issue('user-1', 'set_password', 10 * HOUR);
    await store.issue('user-2', 'set_password', 10 * HOUR);
    await store.revokeAll('user-2');
    clock.advance(HOUR);
    expect(await store.purgeExpired(clock.now())).toBe(3);
    expect(await store.purgeExpired(clock.now())).toBe(0);
    expect(await store.consume(live, 'set_password')).toEqual({ userId: 'user-1' });
    await close();
  });

  it('refuses a lifetime that is not a positive whole number of milliseconds', async () => {
    const { store, close } = await open();
    for (const ttlMs of [0, -1, 1.5, Number.NaN]) {
      await expect(store.issue('user-1', 'verify_email', ttlMs)).rejects.toMatchObject({
        code: 'LIFT_CONFIG_INVALID',
      });
    }
    await close();
  });
}

for (const target of await migratedSqlTargets('email_tokens')) {
  describe(`SqlEmailTokenStore on ${target.name}`, () => {
    emailTokenStoreBehaviour(async () => fixture(await target.open()));
  });
}
