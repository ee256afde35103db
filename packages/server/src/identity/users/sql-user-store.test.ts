import { describe, expect, it } from 'vitest';
import { migratedSqlTargets, type OpenSql } from '../../../test/support/stores.ts';
import { ManualClock } from '../../core/clock.ts';
import type { SqlDatabase } from '../../storage/ports.ts';
import { SqlUserStore } from './sql-user-store.ts';
import type { UserStore } from './user-store.ts';

const START = Date.UTC(2026, 0, 1);

interface Fixture {
  store: UserStore;
  database: SqlDatabase;
  clock: ManualClock;
  close(): Promise<void>;
}

async function fixture({ database, close }: OpenSql): Promise<Fixture> {
  const clock = new ManualClock(START);
  return { store: new SqlUserStore(database, { clock }), database, clock, close };
}

function userStoreBehaviour(open: () => Promise<Fixture>): void {
  it('creates a user and finds it by id and by any casing of its address', async () => {
    const { store, close } = await open();
    const created = await store.create({ email: ' Ada.Lovelace@Example.COM ', name: 'Ada' });
    expect(created).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      email: 'Ada.Lovelace@example.com',
      name: 'Ada',
      status: 'active',
      emailVerifiedAt: null,
      passwordHash: null,
      passwordResetRequired: false,
      createdAt: new Date(START),
      updatedAt: new Date(START),
    });
    expect(await store.findById(created.id)).toEqual(created);
    expect(await store.findByEmail('ada.lovelace@EXAMPLE.com')).toEqual(created);
    expect(await store.findByEmail('grace@example.com')).toBeNull();
    expect(await store.findByEmail('not an address')).toBeNull();
    expect(await store.findById('missing')).toBeNull();
    const second = await store.create({ email: 'grace@example.com', passwordHash: '$argon2id$hash' });
    expect(second.id).not.toBe(created.id);
    expect(second).toMatchObject({ name: null, passwordHash: '$argon2id$hash' });
    await close();
  });

  it('refuses an address already taken in another case with LIFT_EMAIL_TAKEN', async () => {
    const { store, close } = await open();
    await store.create({ email: 'ada@example.com' });
    await expect(store.create({ email: 'ADA@Example.Com' })).rejects.toMatchObject({
      code: 'LIFT_EMAIL_TAKEN',
      status: 409,
    });
    await expect(store.create({ email: 'ada@@example.com' })).rejects.toMatchObject({
      code: 'LIFT_VALIDATION_FAILED',
    });
    expect((await store.list({ limit: 10 })).users).toHaveLength(1);
    await close();
  });

  it('stores an IDN domain in ASCII and finds it by its Unicode form', async () => {
    const { store, close } = await open();
    const created = await store.create({ email: '用户@例子.广告' });
    expect(created.email).toBe('用户@xn--fsqu00a.xn--4rr70v');
    expect(await store.findByEmail('用户@例子.广告')).toEqual(created);
    await close();
  });

  it('changes status, verification, name and password hash, moving updatedAt', async () => {
    const { store, clock, close } = await open();
    const { id } = await store.create({ email: 'ada@example.com' });

    clock.advance(1_000);
    const disabled = await store.setStatus(id, 'disabled');
    expect(disabled).toMatchObject({ status: 'disabled', updatedAt: new Date(START + 1_000) });
    expect(disabled?.createdAt).toEqual(new Date(START));

    clock.advance(1_000);
    const verified = await store.markEmailVerified(id);
    expect(verified).toMatchObject({
      emailVerifiedAt: new Date(START + 2_000),
      updatedAt: new Date(START + 2_000),
    });
    clock.advance(1_000);
    expect(await store.markEmailVerified(id)).toEqual(verified);

    clock.advance(1_000);
    expect(await store.updateName(id, 'Ada King')).toMatchObject({
      name: 'Ada King',
      updatedAt: new Date(START + 4_000),
    });
    expect(await store.requirePasswordReset(id)).toMatchObject({ passwordResetRequired: true });
    clock.advance(1_000);
    expect(await store.setPasswordHash(id, '$argon2id$new')).toMatchObject({
      passwordHash: '$argon2id$new',
      passwordResetRequired: false,
      updatedAt: new Date(START + 5_000),
    });
    await store.requirePasswordReset(id);
    expect(await store.waivePasswordReset(id)).toMatchObject({
      passwordHash: '$argon2id$new',
      passwordResetRequired: false,
    });
    expect(await store.setStatus(id, 'active')).toMatchObject({ status: 'active', name: 'Ada King' });
    expect(await store.findById(id)).toMatchObject({
      status: 'active',
      emailVerifiedAt: new Date(START + 2_000),
    });

    expect(await store.setStatus('missing', 'disabled')).toBeNull();
    expect(await store.markEmailVerified('missing')).toBeNull();
    expect(await store.updateName('missing', 'x')).toBeNull();
    await close();
  });

  it('pages newest first with a cursor, three exact pages', async () => {
    const { store, clock, close } = await open();
    const emails: string[] = [];
    for (let index = 0; index < 7; index++) {
      emails.push(`user${index}@example.com`);
      await store.create({ email: `user${index}@example.com` });
      // Two users share a millisecond so the id has to break the tie.
      if (index !== 2) clock.advance(10);
    }
    const first = await store.list({ limit: 3 });
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await store.list({ limit: 3, cursor: first.nextCursor! });
    const third = await store.list({ limit: 3, cursor: second.nextCursor! });
    expect(third.nextCursor).toBeNull();
    const pages = [first, second, third].map((page) => page.users.map((user) => user.email));
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    const seen = pages.flat();
    expect(seen.slice(0, 2)).toEqual(['user6@example.com', 'user5@example.com']);
    expect(seen.slice(-2)).toEqual(['user1@example.com', 'user0@example.com']);
    expect(new Set(seen)).toEqual(new Set(emails));
    expect((await store.list({ limit: 7 })).nextCursor).toBeNull();
    await close();
  });

  it('searches email and name case-insensitively, with % and _ matching themselves', async () => {
    const { store, clock, close } = await open();
    await store.create({ email: 'sale_team@example.com', name: '50% Off' });
    clock.advance(1);
    await store.create({ email: 'salesteam@example.com', name: '500 Offers' });
    clock.advance(1);
    await store.create({ email: 'ada@example.com', name: 'Ada LOVELACE' });
    const emails = async (search: string) =>
      (await store.list({ search, limit: 10 })).users.map((user) => user.email);
    expect(await emails('SALE_')).toEqual(['sale_team@example.com']);
    expect(await emails('50%')).toEqual(['sale_team@example.com']);
    expect(await emails('sale')).toEqual(['salesteam@example.com', 'sale_team@example.com']);
    expect(await emails('lovelace')).toEqual(['ada@example.com']);
    expect(await emails('\\')).toEqual([]);
    expect(await emails('  ')).toHaveLength(3);
    await close();
  });

  it('refuses a limit out of range and a cursor it did not make', async () => {
    const { store, close } = await open();
    for (const limit of [0, 201, 1.5]) {
      await expect(store.list({ limit })).rejects.toMatchObject({
        code: 'LIFT_VALIDATION_FAILED',
        issues: [expect.objectContaining({ path: 'limit' })],
      });
    }
    for (const cursor of ['not-a-cursor', Buffer.from('{"a":1}').toString('base64url')]) {
      await expect(store.list({ limit: 1, cursor })).rejects.toMatchObject({
        issues: [expect.objectContaining({ path: 'cursor' })],
      });
    }
    await close();
  });
  it('refuses a status outside active/disabled in the database itself', async () => {
    const { store, database, close } = await open();
    const { id } = await store.create({ email: 'ada@example.com' });
    await expect(
      database.db
        .updateTable('lift_users')
        .set({ status: 'deleted' as 'active' })
        .where('id', '=', id)
        .execute(),
    ).rejects.toThrow(/lift_users_status_check/);
    await close();
  });
}

for (const target of await migratedSqlTargets('users')) {
  describe(`SqlUserStore on ${target.name}`, () => {
    userStoreBehaviour(async () => fixture(await target.open()));
  });
}
