import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { signUpVerified } from '../identity/identity-steps.ts';
import { type AuthApp, Browser, GOOD_PASSWORD, startAuthApp } from '../support/auth-app.ts';
import { outboxEvents } from '../support/event-rows.ts';

/**
 * The transactional outbox on the identity module: a password change, a verified address, a signup and an
 * account disabled each write their event in the transaction of the users row they change (core/events.ts
 * `change`), published once it committed and the row marked done; subscribers hear it once. When the event
 * cannot be written, the change does not happen either.
 */

const NEW_PASSWORD = 'a different horse battery staple 43';

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** Every outbox row of `type` is done and subscribers heard each event exactly once. */
async function expectPublishedOnce(auth: AuthApp, type: string) {
  await auth.app.events.settled();
  await auth.app.outbox.idle();
  const rows = await outboxEvents(auth.app.storage.sql, type);
  expect(rows).toHaveLength(1);
  expect(rows[0]?.done).toBe(true);
  const heard = auth.events.filter((event) => event.type === type);
  expect(heard.map((event) => event.id)).toEqual([rows[0]?.event.id]);
  return rows[0]!.event;
}

describe('identity changes announce themselves in their own transaction', () => {
  it('signup and verification: one auth.signup and one auth.email.verified row, published and done', async () => {
    env = await startAuthApp();
    const { userId } = await signUpVerified(env, 'tx-signup@example.com');
    expect(await expectPublishedOnce(env, 'auth.signup')).toMatchObject({ actor: userId });
    expect(await expectPublishedOnce(env, 'auth.email.verified')).toMatchObject({ actor: userId });
  });

  it('password change: one auth.password.changed row, written with the new password, published and done', async () => {
    env = await startAuthApp();
    const { browser, userId } = await signUpVerified(env, 'tx-change@example.com');
    const change = await browser.post('/auth/password/change', {
      current_password: GOOD_PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(change.status, await change.clone().text()).toBe(200);
    expect(await expectPublishedOnce(env, 'auth.password.changed')).toMatchObject({ actor: userId });
  });

  it('disabling a user: one user.disabled row naming the sessions it ended', async () => {
    env = await startAuthApp();
    const admin = new Browser(env.app, { ip: '203.0.113.10' });
    const { userId: adminId } = await signUpVerified(env, 'tx-admin@example.com', {
      browser: { ip: '203.0.113.10' },
    });
    await env.app.identity.roles.grant(adminId, 'admin');
    const { userId } = await signUpVerified(env, 'tx-user@example.com', { browser: { ip: '203.0.113.11' } });
    const login = await admin.post('/auth/login', { email: 'tx-admin@example.com', password: GOOD_PASSWORD });
    expect(login.status, await login.clone().text()).toBe(200);
    const disable = await admin.post(`/admin/api/users/${userId}/disable`);
    expect(disable.status, await disable.clone().text()).toBe(200);
    expect(await expectPublishedOnce(env, 'user.disabled')).toMatchObject({
      actor: adminId,
      subject: userId,
      data: { sessionsEnded: 1 },
    });
  });

  it('keeps the old password when its event cannot be written', async () => {
    env = await startAuthApp();
    const { browser } = await signUpVerified(env, 'tx-refused@example.com');
    const database = env.app.storage.sql;
    expect(database.dialect).toBe('sqlite');
    await sql`create trigger refuse_password_event before insert on lift_outbox
      when new.payload like '%"auth.password.changed"%'
      begin select raise(abort, 'the outbox refuses this event'); end`.execute(database.db);
    const change = await browser.post('/auth/password/change', {
      current_password: GOOD_PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(change.status).toBe(500);
    await env.app.events.settled();
    expect(env.events.filter((event) => event.type === 'auth.password.changed')).toEqual([]);
    const old = await new Browser(env.app, { ip: '203.0.113.20' }).post('/auth/login', {
      email: 'tx-refused@example.com',
      password: GOOD_PASSWORD,
    });
    expect(old.status, await old.clone().text()).toBe(200);
  });
});
