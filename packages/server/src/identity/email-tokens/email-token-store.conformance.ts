import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Clock, ManualClock } from '../../core/clock.ts';
import type { EmailTokenStore } from './email-token-store.ts';

export interface EmailTokenStoreTarget {
  store: EmailTokenStore;
  /** Closes the store and whatever the factory opened for it. */
  close(): Promise<void>;
}

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

/**
 * The behaviour every EmailTokenStore adapter must show: single-use, purpose-bound tokens that expire by the
 * injected clock, with exactly one winner among concurrent consumers. Each test gets a fresh, empty store on a
 * manual clock standing at 2026-01-01T00:00Z.
 */
export function emailTokenStoreConformance(
  adapter: string,
  open: (clock: Clock) => Promise<EmailTokenStoreTarget>,
): void {
  describe(`EmailTokenStore conformance: ${adapter}`, () => {
    let target: EmailTokenStoreTarget | undefined;
    let store: EmailTokenStore;
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

    it('issues a 43-character base64url token that consume turns into its user', async () => {
      const token = await store.issue('user-1', 'verify_email', HOUR);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      const other = await store.issue('user-1', 'verify_email', HOUR);
      expect(other).not.toBe(token);
      expect(await store.consume(token, 'verify_email')).toEqual({ userId: 'user-1' });
      expect(await store.consume(other, 'verify_email')).toEqual({ userId: 'user-1' });
    });

    it('accepts a token once', async () => {
      const token = await store.issue('user-1', 'password_reset', HOUR);
      expect(await store.consume(token, 'password_reset')).toEqual({ userId: 'user-1' });
      expect(await store.consume(token, 'password_reset')).toBeNull();
      clock.advance(1_000);
      expect(await store.consume(token, 'password_reset')).toBeNull();
      expect(await store.peek(token, 'password_reset')).toBeNull();
    });

    it('refuses a token from its expiry on', async () => {
      const token = await store.issue('user-1', 'set_password', HOUR);
      clock.advance(HOUR - 1);
      expect(await store.peek(token, 'set_password')).toBe('user-1');
      clock.advance(1);
      expect(await store.peek(token, 'set_password')).toBeNull();
      expect(await store.consume(token, 'set_password')).toBeNull();
    });

    it('refuses a token for another purpose without using it up', async () => {
      const token = await store.issue('user-1', 'verify_email', HOUR);
      expect(await store.consume(token, 'password_reset')).toBeNull();
      expect(await store.peek(token, 'set_password')).toBeNull();
      expect(await store.consume(token, 'verify_email')).toEqual({ userId: 'user-1' });
    });

    it('peeks without consuming', async () => {
      const token = await store.issue('user-1', 'password_reset', HOUR);
      expect(await store.peek(token, 'password_reset')).toBe('user-1');
      expect(await store.peek(token, 'password_reset')).toBe('user-1');
      expect(await store.consume(token, 'password_reset')).toEqual({ userId: 'user-1' });
      expect(await store.peek(token, 'password_reset')).toBeNull();
      expect(await store.peek('A'.repeat(43), 'password_reset')).toBeNull();
    });

    it('revokes outstanding tokens of one purpose or of all, and only that user’s', async () => {
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
    });

    it('gives a token to exactly one of many concurrent consumers', async () => {
      const token = await store.issue('user-1', 'password_reset', HOUR);
      // Opens every pooled connection first, so the consumers below really run side by side.
      await Promise.all(Array.from({ length: 8 }, () => store.peek(token, 'password_reset')));
      const results = await Promise.all(
        Array.from({ length: 8 }, () => store.consume(token, 'password_reset')),
      );
      expect(results.filter((result) => result !== null)).toEqual([{ userId: 'user-1' }]);
    });

    it('purges tokens that expired or were used, keeping live ones', async () => {
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
    });

    it('refuses a lifetime that is not a positive whole number of milliseconds', async () => {
      for (const ttlMs of [0, -1, 1.5, Number.NaN]) {
        await expect(store.issue('user-1', 'verify_email', ttlMs)).rejects.toMatchObject({
          code: 'LIFT_CONFIG_INVALID',
        });
      }
    });

    it('answers malformed tokens with null for consume and peek', async () => {
      await store.issue('user-1', 'verify_email', HOUR);
      for (const token of ['', 'short', `${'A'.repeat(42)}=`, `${'A'.repeat(42)}+`, 'A'.repeat(44)]) {
        expect(await store.consume(token, 'verify_email')).toBeNull();
        expect(await store.peek(token, 'verify_email')).toBeNull();
      }
    });

    it('does not let an expired token be consumed, and purges it from its expiry on', async () => {
      const token = await store.issue('user-1', 'verify_email', HOUR);
      clock.advance(HOUR);
      expect(await store.consume(token, 'verify_email')).toBeNull();
      expect(await store.purgeExpired(clock.now() - 1)).toBe(0);
      expect(await store.purgeExpired(clock.now())).toBe(1);
    });
  });
}
