import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AuthApp, startAuthApp } from '../support/auth-app.ts';
import { createTenant, expectJson, type SignedInUser, signedIn } from './access-app.ts';

/**
 * Invitation mail goes through the durable job queue (job type `access.mail`, mail/mail-queue.ts): queued
 * before the answer, sent by the job worker, retried after a transport failure and delivered once. Only a
 * failure to queue it takes the invitation back.
 */

const BACKOFF_MS = 1_000;

let env: AuthApp | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await env?.close();
  env = undefined;
});

async function setup(): Promise<{ auth: AuthApp; owner: SignedInUser; tenantId: string }> {
  // A short poll, so a retry falls due soon after the manual clock passes its backoff.
  const auth = await startAuthApp({ storage: { outbox: { pollMs: 20, backoffBaseMs: BACKOFF_MS } } });
  env = auth;
  const owner = await signedIn(auth, 'owner@example.com');
  const tenantId = await createTenant(owner, 'acme', 'Acme');
  return { auth, owner, tenantId };
}

function invitationMails(auth: AuthApp, to: string) {
  return auth.mail.messages.filter(
    (message) => message.to === to && message.links.some((link) => link.includes('/invitations/accept')),
  );
}

function pendingInvitations(owner: SignedInUser, tenantId: string) {
  return owner.browser
    .request(`/tenants/${tenantId}/invitations`)
    .then((response) => expectJson<{ invitations: Array<{ email: string }> }>(response, 200));
}

describe('invitation mail', () => {
  it('is sent by the job worker once the invitation is answered', async () => {
    const { auth, owner, tenantId } = await setup();
    const response = await owner.browser.post(`/tenants/${tenantId}/invitations`, {
      email: 'carol@example.com',
    });
    await expectJson(response, 201);
    await auth.app.outbox.idle();
    const mails = invitationMails(auth, 'carol@example.com');
    expect(mails).toHaveLength(1);
    expect(mails[0]?.subject).toContain('Acme');
    expect(auth.app.outbox.stats.jobs.succeeded).toBeGreaterThanOrEqual(1);
  });

  it('arrives once after the retry when the first attempt fails; the invitation stays pending', async () => {
    const { auth, owner, tenantId } = await setup();
    const send = vi.spyOn(auth.mail, 'send').mockRejectedValueOnce(new Error('SMTP is down'));
    const response = await owner.browser.post(`/tenants/${tenantId}/invitations`, {
      email: 'dave@example.com',
    });
    await expectJson(response, 201);
    await auth.app.outbox.idle();
    expect(send).toHaveBeenCalledTimes(1);
    expect(invitationMails(auth, 'dave@example.com')).toEqual([]);
    expect(auth.app.outbox.stats.jobs.retried).toBe(1);

    auth.clock.advance(BACKOFF_MS);
    await vi.waitFor(() => expect(invitationMails(auth, 'dave@example.com')).toHaveLength(1), {
      timeout: 2_000,
    });
    await auth.app.outbox.idle();
    expect(send).toHaveBeenCalledTimes(2);
    expect(invitationMails(auth, 'dave@example.com')).toHaveLength(1);
    expect((await pendingInvitations(owner, tenantId)).invitations).toMatchObject([
      { email: 'dave@example.com' },
    ]);
    expect(auth.events.filter((event) => event.type === 'invitation.revoked')).toEqual([]);
  });

  it('takes the invitation back when its mail cannot be queued', async () => {
    const { auth, owner, tenantId } = await setup();
    vi.spyOn(auth.app.outbox, 'enqueue').mockRejectedValueOnce(new Error('outbox unavailable'));
    const response = await owner.browser.post(`/tenants/${tenantId}/invitations`, {
      email: 'erin@example.com',
    });
    expect(response.status).toBe(500);
    expect((await pendingInvitations(owner, tenantId)).invitations).toEqual([]);
    expect(auth.events.filter((event) => event.type === 'invitation.revoked')).toHaveLength(1);
    await auth.app.outbox.idle();
    expect(invitationMails(auth, 'erin@example.com')).toEqual([]);
  });
});
