import { afterEach, describe, expect, it } from 'vitest';
import type { LiftEvent } from '../../src/core/events.ts';
import { signUpVerified } from '../sessions/verified-user.ts';
import type { AuthApp } from '../support/auth-app.ts';
import { outboxEvents } from '../support/event-rows.ts';
import {
  newClient,
  postForm,
  refreshed,
  refreshJson,
  startTokenApp,
  type TokenPairBody,
  tokenLogin,
} from '../tokens/token-client.ts';

/**
 * The transactional outbox on the tokens module: a refresh rotation, a reuse revocation, an access-token
 * revocation and a signing key rotation each write their event in the transaction of the change
 * (core/events.ts `change`); it is published once that committed, its row marked done, and subscribers hear
 * it once.
 */

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function loggedIn(email: string): Promise<{ auth: AuthApp; userId: string; pair: TokenPairBody }> {
  env = await startTokenApp();
  const user = await signUpVerified(newClient(env), email);
  return { auth: env, userId: user.userId, pair: await tokenLogin(env, user.email) };
}

/** The one row of `type`, after the app published what it committed; and what subscribers heard of it. */
async function announced(auth: AuthApp, type: string) {
  await auth.app.events.settled();
  await auth.app.outbox.idle();
  const rows = await outboxEvents(auth.app.storage.sql, type);
  const heard = auth.events.filter((event: LiftEvent) => event.type === type);
  return { rows, heard };
}

describe('token changes announce themselves in their own transaction', () => {
  it('a refresh rotation: one token.refreshed row, published, done, heard once', async () => {
    const { auth, userId, pair } = await loggedIn('tx-refresh@example.com');
    await refreshed(auth, pair.refresh_token);
    const { rows, heard } = await announced(auth, 'token.refreshed');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ done: true, event: { actor: userId, data: { replayed: false } } });
    expect(heard.map((event) => event.id)).toEqual([rows[0]!.event.id]);
  });

  it('reuse of a rotated refresh token: the family revocation writes token.reuse_detected with it', async () => {
    const { auth, userId, pair } = await loggedIn('tx-reuse@example.com');
    await refreshed(auth, pair.refresh_token);
    const reused = await refreshJson(auth, pair.refresh_token);
    expect(reused.status).toBe(401);
    const { rows, heard } = await announced(auth, 'token.reuse_detected');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      done: true,
      event: { subject: userId, reason: 'refresh_token_reused' },
    });
    expect(heard.map((event) => event.id)).toEqual([rows[0]!.event.id]);
  });

  it('revoking an access token (RFC 7009): one token.revoked row written with the revocation entry', async () => {
    const { auth, userId, pair } = await loggedIn('tx-revoke@example.com');
    const response = await postForm(auth, '/auth/revoke', {
      token: pair.access_token,
      token_type_hint: 'access_token',
    });
    expect(response.status).toBe(200);
    const { rows, heard } = await announced(auth, 'token.revoked');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ done: true, event: { actor: userId } });
    expect(Object.keys(rows[0]!.event.data ?? {})).toEqual(['jti']);
    expect(heard.map((event) => event.id)).toEqual([rows[0]!.event.id]);
  });

  it('rotating the signing key from the admin API: one key.rotated row, written with the activation', async () => {
    env = await startTokenApp();
    const browser = newClient(env);
    const admin = await signUpVerified(browser, 'tx-keys@example.com');
    await env.app.identity.roles.grant(admin.userId, 'admin');
    const response = await browser.post('/admin/api/keys/rotate');
    expect(response.status, await response.clone().text()).toBe(200);
    const { kid } = (await response.json()) as { kid: string };
    const { rows, heard } = await announced(env, 'key.rotated');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ done: true, event: { actor: admin.userId, data: { kid } } });
    expect(heard.map((event) => event.id)).toEqual([rows[0]!.event.id]);
  });
});
