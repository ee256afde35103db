import { afterEach, describe, expect, it } from 'vitest';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import { type AuthApp, startAuthApp } from '../support/auth-app.ts';
import { eventMatching } from '../tokens/token-client.ts';
import {
  createTenant,
  del,
  expectJson,
  expectProblem,
  invitationToken,
  invite,
  logInAgain,
  signedIn,
} from './access-app.ts';

/** The `access` config section: invitation lifetime, the pending-invitation cap, the membership cache. */

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function start(access?: LiftConfigInput['access']) {
  const auth = await startAuthApp(access === undefined ? {} : { access });
  env = auth;
  const owner = await signedIn(auth, 'owner@example.com');
  const tenantId = await createTenant(owner, 'acme');
  return { auth, owner, tenantId };
}

const HOUR = 60 * 60 * 1000;

describe('access.invitationTtlMs', () => {
  it('is 7 days by default', async () => {
    const { auth, owner, tenantId } = await start();
    const invitation = await invite(owner, tenantId, 'carol@example.com');
    expect(invitation.expires_at).toBe(new Date(auth.clock.now() + 7 * 24 * HOUR).toISOString());
  });

  it('sets expires_at of new invitations, and they stop working then', async () => {
    const { auth, owner, tenantId } = await start({ invitationTtlMs: 2 * HOUR });
    const early = await invite(owner, tenantId, 'early@example.com');
    await invite(owner, tenantId, 'late@example.com');
    expect(early.expires_at).toBe(new Date(auth.clock.now() + 2 * HOUR).toISOString());

    const earlyUser = await signedIn(auth, 'early@example.com');
    const lateUser = await signedIn(auth, 'late@example.com');
    auth.clock.advance(2 * HOUR - 1_000);
    await logInAgain(earlyUser);
    await expectJson(
      await earlyUser.browser.post('/invitations/accept', {
        token: await invitationToken(auth, 'early@example.com'),
      }),
      200,
    );
    auth.clock.advance(2_000);
    await logInAgain(lateUser);
    await expectProblem(
      await lateUser.browser.post('/invitations/accept', {
        token: await invitationToken(auth, 'late@example.com'),
      }),
      400,
      'LIFT_INVITATION_INVALID',
    );
  });
});

describe('access.maxPendingInvitations', () => {
  it('caps pending invitations at the configured number; revoking one frees a slot', async () => {
    const { auth, owner, tenantId } = await start({ maxPendingInvitations: 3 });
    const first = await invite(owner, tenantId, 'one@example.com');
    await invite(owner, tenantId, 'two@example.com');
    await invite(owner, tenantId, 'three@example.com');
    const refused = await expectProblem(
      await owner.browser.post(`/tenants/${tenantId}/invitations`, { email: 'four@example.com' }),
      409,
      'LIFT_INVITATION_LIMIT',
    );
    expect(refused.detail).toContain('3 pending invitations');
    expect(await eventMatching(auth.events, (e) => e.type === 'invitation.refused')).toMatchObject({
      reason: 'limit',
      data: { tenantId, limit: 3 },
    });
    await auth.app.outbox.idle();
    expect(auth.mail.messages.some((message) => message.to === 'four@example.com')).toBe(false);

    expect((await del(owner.browser, `/tenants/${tenantId}/invitations/${first.id}`)).status).toBe(204);
    await invite(owner, tenantId, 'four@example.com');
  });
});
