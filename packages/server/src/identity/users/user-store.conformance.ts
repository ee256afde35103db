import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AnnouncedEvents, stagedEvent } from '../../../test/support/event-rows.ts';
import { type Clock, ManualClock } from '../../core/clock.ts';
import { ValidationError } from '../../core/errors.ts';
import { EmailTakenError } from './email-taken-error.ts';
import type { User, UserStatus, UserStore } from './user-store.ts';

export interface UserStoreTarget {
  store: UserStore;
  /** What the store wrote to the outbox; every adapter writes announced events with its changes. */
  events: AnnouncedEvents;
  /** Closes the store and whatever the factory opened for it. */
  close(): Promise<void>;
}

const START = Date.UTC(2026, 0, 1);

/** An `announce` that fails, as a failed write of the events would: the change must roll back with it. */
function failing(): never {
  throw new Error('cannot write the events');
}

/** An `announce` that stages one event named `type` carrying the user id it was called with. */
function announcing(type: string, seen: Array<User | null> = []) {
  return (user: User | null) => {
    seen.push(user);
    return [stagedEvent(type, { userId: user?.id ?? null })];
  };
}

/**
 * The behaviour every UserStore adapter must show. Register it from an adapter's test file with a factory;
 * each test gets a fresh, empty store on a manual clock standing at 2026-01-01T00:00Z.
 */
export function userStoreConformance(
  adapter: string,
  open: (clock: Clock) => Promise<UserStoreTarget>,
): void {
  describe(`UserStore conformance: ${adapter}`, () => {
    let target: UserStoreTarget | undefined;
    let store: UserStore;
    let clock: ManualClock;

    beforeEach(async () => {
      clock = new ManualClock(START);
      target = await open(clock);
      store = target.store;
    });
    afterEach(async () => {
      await target?.close();
      target = undefined;
    });

    it('creates a user and finds it by id and by any casing of its address', async () => {
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
    });

    it('refuses an address already taken in another case with EmailTakenError (409 LIFT_EMAIL_TAKEN)', async () => {
      await store.create({ email: 'ada@example.com' });
      const taken = store.create({ email: 'ADA@Example.Com' });
      await expect(taken).rejects.toBeInstanceOf(EmailTakenError);
      await expect(taken).rejects.toMatchObject({ code: 'LIFT_EMAIL_TAKEN', status: 409 });
      const malformed = store.create({ email: 'ada@@example.com' });
      await expect(malformed).rejects.toBeInstanceOf(ValidationError);
      await expect(malformed).rejects.toMatchObject({ code: 'LIFT_VALIDATION_FAILED' });
      expect((await store.list({ limit: 10 })).users).toHaveLength(1);
    });

    it('lets exactly one of many concurrent creates of one address win', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, index) =>
          store.create({ email: index % 2 === 0 ? 'ada@example.com' : 'ADA@example.com' }),
        ),
      );
      const won = results.filter((result) => result.status === 'fulfilled');
      const lost = results.filter((result) => result.status === 'rejected');
      expect(won).toHaveLength(1);
      for (const result of lost) expect(result.reason).toBeInstanceOf(EmailTakenError);
      expect((await store.list({ limit: 10 })).users).toHaveLength(1);
    });

    it('stores an IDN domain in ASCII and finds it by its Unicode form', async () => {
      const created = await store.create({ email: '用户@例子.广告' });
      expect(created.email).toBe('用户@xn--fsqu00a.xn--4rr70v');
      expect(await store.findByEmail('用户@例子.广告')).toEqual(created);
    });

    it('changes status, verification, name and password hash, moving updatedAt', async () => {
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
      expect(await store.updateName(id, null)).toMatchObject({ name: null });
      expect(await store.findById(id)).toMatchObject({
        status: 'active',
        name: null,
        emailVerifiedAt: new Date(START + 2_000),
      });
    });

    it('answers null for every change to an unknown user', async () => {
      expect(await store.setStatus('missing', 'disabled')).toBeNull();
      expect(await store.markEmailVerified('missing')).toBeNull();
      expect(await store.updateName('missing', 'x')).toBeNull();
      expect(await store.setPasswordHash('missing', '$argon2id$x')).toBeNull();
      expect(await store.requirePasswordReset('missing')).toBeNull();
      expect(await store.waivePasswordReset('missing')).toBeNull();
    });

    it('refuses, as a rejected promise, a status outside active/disabled and a name with a control character', async () => {
      const { id } = await store.create({ email: 'ada@example.com', name: 'Ada' });
      await expect(store.setStatus(id, 'deleted' as UserStatus)).rejects.toMatchObject({
        code: 'LIFT_VALIDATION_FAILED',
        issues: [expect.objectContaining({ path: 'status' })],
      });
      await expect(store.updateName(id, 'Ada\r\nBcc: eve@example.com')).rejects.toMatchObject({
        code: 'LIFT_VALIDATION_FAILED',
        issues: [expect.objectContaining({ path: 'name' })],
      });
      await expect(store.create({ email: 'eve@example.com', name: 'Eve\u202E' })).rejects.toBeInstanceOf(
        ValidationError,
      );
      expect(await store.findById(id)).toMatchObject({ status: 'active', name: 'Ada' });
      expect(await store.findByEmail('eve@example.com')).toBeNull();
    });

    it('pages newest first with a cursor, three exact pages', async () => {
      expect(await store.list({ limit: 3 })).toEqual({ users: [], nextCursor: null });
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
    });

    it('searches email and name case-insensitively, with % and _ matching themselves', async () => {
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
    });

    it('searches names case-insensitively beyond ASCII', async () => {
      await store.create({ email: 'elodie@example.com', name: 'Élodie Dupré' });
      clock.advance(1);
      await store.create({ email: 'jurgen@example.com', name: 'JÜRGEN Straße' });
      const emails = async (search: string) =>
        (await store.list({ search, limit: 10 })).users.map((user) => user.email);
      expect(await emails('ÉLODIE')).toEqual(['elodie@example.com']);
      expect(await emails('élodie dupré')).toEqual(['elodie@example.com']);
      expect(await emails('jürgen')).toEqual(['jurgen@example.com']);
      expect(await emails('STRASSE')).toEqual([]);
    });

    it('refuses a limit out of range and a cursor it did not make', async () => {
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
    });

    it('writes the events a create announces with the new user, and creates nobody when writing them fails', async () => {
      await expect(store.create({ email: 'ada@example.com' }, { announce: failing })).rejects.toThrow(
        'cannot write the events',
      );
      expect(await store.findByEmail('ada@example.com')).toBeNull();

      const seen: Array<User | null> = [];
      const created = await store.create(
        { email: 'ada@example.com' },
        { announce: announcing('user.created', seen) },
      );
      expect(seen).toEqual([created]);
      const taken = store.create({ email: 'ADA@example.com' }, { announce: announcing('user.created') });
      await expect(taken).rejects.toBeInstanceOf(EmailTakenError);
      const written = await target!.events.written();
      expect(written.map((event) => [event.type, event.data])).toEqual([
        ['user.created', { userId: created.id }],
      ]);
    });

    it('writes the events a password, status or verification change announces with it, or changes nothing', async () => {
      const { id } = await store.create({ email: 'ada@example.com', passwordHash: '$argon2id$old' });
      clock.advance(1_000);
      await expect(store.setPasswordHash(id, '$argon2id$new', { announce: failing })).rejects.toThrow();
      await expect(store.setStatus(id, 'disabled', { announce: failing })).rejects.toThrow();
      await expect(store.markEmailVerified(id, { announce: failing })).rejects.toThrow();
      expect(await store.findById(id)).toMatchObject({
        passwordHash: '$argon2id$old',
        status: 'active',
        emailVerifiedAt: null,
        updatedAt: new Date(START),
      });

      const seen: Array<User | null> = [];
      const changed = await store.setPasswordHash(id, '$argon2id$new', {
        announce: announcing('auth.password.changed', seen),
      });
      const disabled = await store.setStatus(id, 'disabled', { announce: announcing('user.disabled', seen) });
      const verified = await store.markEmailVerified(id, {
        announce: announcing('auth.email.verified', seen),
      });
      expect(await store.setStatus('missing', 'active', { announce: () => [] })).toBeNull();
      expect(seen).toEqual([changed, disabled, verified]);
      expect(verified).toMatchObject({ passwordHash: '$argon2id$new', status: 'disabled' });
      const written = await target!.events.written();
      expect(written.map((event) => [event.type, event.data])).toEqual([
        ['auth.password.changed', { userId: id }],
        ['user.disabled', { userId: id }],
        ['auth.email.verified', { userId: id }],
      ]);
    });
  });
}
