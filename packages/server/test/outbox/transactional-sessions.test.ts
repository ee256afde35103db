import { afterEach, describe, expect, it } from 'vitest';
import { signUpVerified } from '../identity/identity-steps.ts';
import { type AuthApp, startAuthApp } from '../support/auth-app.ts';
import { outboxEvents } from '../support/event-rows.ts';

/**
 * The transactional outbox on the sessions module: a revocation's `session.revoked` is written by the session
 * store in the transaction that deletes the sessions (core/events.ts `change`), published once it committed,
 * and its row marked done; subscribers hear it once.
 */

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('session revocations announce themselves in their own transaction', () => {
  it('logout: one session.revoked row, written with the delete, published and done', async () => {
    env = await startAuthApp();
    const { browser, userId } = await signUpVerified(env, 'tx-logout@example.com');
    expect((await browser.post('/auth/logout')).status).toBe(204);
    await env.app.outbox.idle();
    const rows = await outboxEvents(env.app.storage.sql, 'session.revoked');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ done: true, event: { subject: userId, reason: 'logout' } });
    expect(env.events.filter((event) => event.type === 'session.revoked')).toHaveLength(1);
  });

  it('revoking every session of a user writes one event naming them all', async () => {
    env = await startAuthApp();
    const { userId } = await signUpVerified(env, 'tx-all@example.com');
    const ended = await env.app.identity.sessions.revokeUser(userId, { actor: 'system', reason: 'test' });
    expect(ended).toBeGreaterThan(0);
    await env.app.events.settled();
    await env.app.outbox.idle();
    const rows = await outboxEvents(env.app.storage.sql, 'session.revoked');
    expect(
      rows.map((row) => [row.done, (row.event.data?.sessionIds as string[] | undefined)?.length]),
    ).toEqual([[true, ended]]);
  });
});
