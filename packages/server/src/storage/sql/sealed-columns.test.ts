import { describe, expect, it } from 'vitest';
import { migratedSqlTargets } from '../../../test/support/stores.ts';
import { deriveKey } from '../../core/config/secret.ts';
import { openSecret, openSecretWith, sealSecret } from '../../core/crypto/secret-box.ts';
import { MFA_SEALED_COLUMN } from '../../identity/mfa/index.ts';
import type { SqlDatabase } from '../ports.ts';
import { resealColumn, sealedColumnOpens } from './sealed-columns.ts';

const current = deriveKey(Buffer.alloc(32, 1), MFA_SEALED_COLUMN.purpose);
const previous = deriveKey(Buffer.alloc(32, 2), MFA_SEALED_COLUMN.purpose);
const unrelated = deriveKey(Buffer.alloc(32, 3), MFA_SEALED_COLUMN.purpose);

function secretOf(userId: string): Buffer {
  return Buffer.from(`totp secret of ${userId}`);
}

/** MFA factor rows for `userIds`, each secret sealed with `key` and bound to its user id. */
async function insertFactors(database: SqlDatabase, userIds: string[], key: Buffer): Promise<void> {
  const rows = userIds.map((userId) => ({
    user_id: userId,
    type: 'totp' as const,
    secret_sealed: sealSecret(key, secretOf(userId), { associatedData: userId }),
    recovery_codes: '[]',
    created_at: 1,
    updated_at: 1,
  }));
  for (let i = 0; i < rows.length; i += 200) {
    await database.db
      .insertInto('lift_mfa_factors')
      .values(rows.slice(i, i + 200))
      .execute();
  }
}

async function sealedValues(database: SqlDatabase): Promise<Map<string, string>> {
  const rows = await database.db
    .selectFrom('lift_mfa_factors')
    .select(['user_id', 'secret_sealed'])
    .execute();
  return new Map(rows.map((row) => [row.user_id, row.secret_sealed]));
}

const ids = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);

describe.each(await migratedSqlTargets('sealed_column'))('sealed columns on $name', (target) => {
  it('re-seals every value a previous key sealed, over several pages, and a second run finds all current', async () => {
    const { database, close } = await target.open();
    try {
      const old = ids('old', 620);
      const fresh = ids('new', 5);
      await insertFactors(database, old, previous);
      await insertFactors(database, fresh, current);

      const first = await resealColumn(database, MFA_SEALED_COLUMN, [current, previous]);
      expect(first).toEqual({ label: 'MFA secrets', resealed: 620, current: 5, changed: 0, unreadable: [] });
      for (const [userId, sealed] of await sealedValues(database)) {
        // Opens with the current key alone, still bound to its own user.
        expect(openSecret(current, sealed, { associatedData: userId })).toEqual(secretOf(userId));
      }

      const second = await resealColumn(database, MFA_SEALED_COLUMN, [current, previous]);
      expect(second).toMatchObject({ resealed: 0, current: 625, unreadable: [] });
    } finally {
      await close();
    }
  });

  it('re-seals each value exactly once when two runs race (compare-and-set)', async () => {
    const { database, close } = await target.open();
    try {
      await insertFactors(database, ids('race', 300), previous);
      const [a, b] = await Promise.all([
        resealColumn(database, MFA_SEALED_COLUMN, [current, previous]),
        resealColumn(database, MFA_SEALED_COLUMN, [current, previous]),
      ]);
      // A row the other run rewrote first is either seen as current or loses its compare-and-set.
      expect(a.resealed + b.resealed).toBe(300);
      expect(a.resealed + a.current + a.changed).toBe(300);
      expect(b.resealed + b.current + b.changed).toBe(300);
      for (const [userId, sealed] of await sealedValues(database)) {
        expect(openSecret(current, sealed, { associatedData: userId })).toEqual(secretOf(userId));
      }
    } finally {
      await close();
    }
  });

  it('leaves a value no configured key opens as it was, and names its row', async () => {
    const { database, close } = await target.open();
    try {
      await insertFactors(database, ['a-user'], previous);
      await insertFactors(database, ['b-user'], unrelated);
      const before = await sealedValues(database);

      const result = await resealColumn(database, MFA_SEALED_COLUMN, [current, previous]);
      expect(result).toMatchObject({ resealed: 1, current: 0, unreadable: ['b-user'] });
      const after = await sealedValues(database);
      expect(after.get('b-user')).toBe(before.get('b-user'));
      expect(openSecretWith([current], after.get('a-user')!, { associatedData: 'a-user' }).keyIndex).toBe(0);
    } finally {
      await close();
    }
  });

  it('says whether the configured keys open the sampled values (first and last row)', async () => {
    const { database, close } = await target.open();
    try {
      expect(await sealedColumnOpens(database, MFA_SEALED_COLUMN, [current])).toBe(true); // nothing sealed
      await insertFactors(database, ['a-user', 'z-user'], previous);
      expect(await sealedColumnOpens(database, MFA_SEALED_COLUMN, [current])).toBe(false);
      expect(await sealedColumnOpens(database, MFA_SEALED_COLUMN, [current, previous])).toBe(true);
      await insertFactors(database, ['zz-user'], unrelated);
      expect(await sealedColumnOpens(database, MFA_SEALED_COLUMN, [current, previous])).toBe(false);
    } finally {
      await close();
    }
  });
});
