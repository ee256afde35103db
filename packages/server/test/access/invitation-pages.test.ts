import { afterEach, describe, expect, it } from 'vitest';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import { createUserWithLink } from '../../src/identity/bootstrap.ts';
import { type AuthApp, Browser, GOOD_PASSWORD, startAuthApp, tokenFromMail } from '../support/auth-app.ts';
import { expectPage, hiddenValue, linkHref, PageClient } from '../support/page-client.ts';
import { eventMatching } from '../tokens/token-client.ts';
import {
  createTenant,
  eventsOf,
  expectJson,
  expectProblem,
  invitationToken,
  invite,
  type SignedInUser,
  signedIn,
} from './access-app.ts';

/**
 * The invitation link in a browser: the page for an address with or without an account, signing up from it
 * with the invited address, joining on verification, and the JSON answers API clients keep.
 */

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

interface Setup {
  auth: AuthApp;
  owner: SignedInUser;
  tenantId: string;
}

/** A user made by an administrator (no signup needed), with a password set from the link, signed in. */
async function createdUser(auth: AuthApp, email: string): Promise<SignedInUser> {
  const created = await createUserWithLink(auth.app.module('identity'), { email });
  const token = new URL(created.link).searchParams.get('token');
  const browser = new Browser(auth.app, { ip: '192.0.2.200' });
  await expectJson(await browser.post('/auth/password/reset', { token, new_password: GOOD_PASSWORD }), 200);
  await expectJson(await browser.post('/auth/login', { email, password: GOOD_PASSWORD }), 200);
  return { browser, userId: created.user.id, email };
}

async function setup(config: LiftConfigInput = {}): Promise<Setup> {
  const auth = await startAuthApp(config);
  env = auth;
  const owner = await createdUser(auth, 'owner@example.com');
  const tenantId = await createTenant(owner, 'acme', 'Acme');
  return { auth, owner, tenantId };
}

/** The verification token once the background mail has arrived. */
async function mailedToken(auth: AuthApp, to: string, path: string): Promise<string> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    try {
      return tokenFromMail(auth.mail, to, path);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

async function memberEmails(owner: SignedInUser, tenantId: string): Promise<string[]> {
  const body = await expectJson<{ members: Array<{ email: string }> }>(
    await owner.browser.request(`/tenants/${tenantId}/members`),
    200,
  );
  return body.members.map((member) => member.email).sort();
}

/** A page with the address and token taken out, to compare the pages of two invitations. */
function shape(html: string, email: string, token: string): string {
  return html
    .replaceAll(email, '<email>')
    .replaceAll(encodeURIComponent(token), '<token>')
    .replaceAll(token, '<token>');
}

describe('an invitation to an address without an account', () => {
  it('offers signup with the invited address; verifying it makes the user a member', async () => {
    const { auth, owner, tenantId } = await setup();
    await invite(owner, tenantId, 'carol@example.com', 'admin');
    const token = await invitationToken(auth, 'carol@example.com');
    const browser = new PageClient(auth.app);

    const page = await expectPage(await browser.request(`/invitations/accept?token=${token}`), 200);
    expect(page).toContain('Join Acme');
    expect(page).toContain('carol@example.com is invited to join Acme as admin.');
    expect(page).toContain('action="/invitations/signup"');
    expect(page).toContain('value="carol@example.com" readonly');
    expect(page).toContain('action="/auth/login"');

    // "Join" without an account is no longer a raw 401: a page that leads back to the invitation.
    const join = await expectPage(await browser.submit('/invitations/accept', { token }), 401);
    expect(linkHref(join, 'Back to the invitation')).toBe(`/invitations/accept?token=${token}`);

    // The address is the invitation's, whatever the form says.
    const signup = await expectPage(
      await browser.submit('/invitations/signup', {
        token,
        email: 'mallory@example.com',
        name: 'Carol',
        password: GOOD_PASSWORD,
      }),
      202,
    );
    expect(signup).toContain('We sent a link to carol@example.com');
    await auth.app.outbox.idle();
    expect(auth.mail.messages.some((mail) => mail.to === 'mallory@example.com')).toBe(false);
    expect(await memberEmails(owner, tenantId)).toEqual(['owner@example.com']);

    const verifyToken = await mailedToken(auth, 'carol@example.com', '/auth/email/verify');
    const verified = await expectPage(
      await browser.submit('/auth/email/verify', { token: verifyToken }),
      200,
    );
    expect(verified).toContain('Signed in to Lift as carol@example.com');
    expect(await memberEmails(owner, tenantId)).toEqual(['carol@example.com', 'owner@example.com']);
    const accepted = await eventMatching(auth.events, (event) => event.type === 'invitation.accepted');
    expect(accepted).toMatchObject({ data: { tenantId, via: 'signup' } });

    // Her browser is signed in and holds the invitation's role in the tenant.
    const carol = new Browser(auth.app);
    carol.cookie = browser.cookie;
    const tenant = await expectJson<{ roles: string[] }>(await carol.request(`/tenants/${tenantId}`), 200);
    expect(tenant.roles).toContain('admin');
    // The invitation is spent.
    const spent = await browser.request(`/invitations/accept?token=${token}`);
    expect(spent.status).toBe(400);
  });

  it('shows the same page and answer for an address that has an account, and never touches that account', async () => {
    const { auth, owner, tenantId } = await setup();
    const dave = await signedIn(auth, 'dave@example.com');
    await invite(owner, tenantId, 'dave@example.com');
    await invite(owner, tenantId, 'erin@example.com');
    const daveToken = await invitationToken(auth, 'dave@example.com');
    const erinToken = await invitationToken(auth, 'erin@example.com');
    const stranger = new PageClient(auth.app);

    const davePage = await expectPage(await stranger.request(`/invitations/accept?token=${daveToken}`), 200);
    const erinPage = await expectPage(await stranger.request(`/invitations/accept?token=${erinToken}`), 200);
    expect(shape(davePage, 'dave@example.com', daveToken)).toBe(
      shape(erinPage, 'erin@example.com', erinToken),
    );

    const daveSignup = await stranger.submit('/invitations/signup', {
      token: daveToken,
      password: `${GOOD_PASSWORD} x`,
    });
    const erinSignup = await new PageClient(auth.app, '203.0.113.20').submit('/invitations/signup', {
      token: erinToken,
      password: `${GOOD_PASSWORD} x`,
    });
    const daveAnswer = await expectPage(daveSignup, 202);
    const erinAnswer = await expectPage(erinSignup, 202);
    expect(daveAnswer.replaceAll('dave@', '<x>@')).toBe(erinAnswer.replaceAll('erin@', '<x>@'));

    // Dave's account is untouched: his password still works, and he is not a member until he joins.
    await mailedToken(auth, 'dave@example.com', '/auth/password/reset');
    const login = await dave.browser.post('/auth/login', {
      email: 'dave@example.com',
      password: GOOD_PASSWORD,
    });
    expect(login.status).toBe(200);
    expect(await memberEmails(owner, tenantId)).toEqual(['owner@example.com']);

    // He logs in from the invitation page, continues back to it and joins.
    const browser = new PageClient(auth.app, '203.0.113.21');
    const invitationPage = await expectPage(
      await browser.request(`/invitations/accept?token=${daveToken}`),
      200,
    );
    const signedInPage = await expectPage(
      await browser.submit('/auth/login', {
        email: 'dave@example.com',
        password: GOOD_PASSWORD,
        continue: hiddenValue(invitationPage, 'continue'),
      }),
      200,
    );
    const next = linkHref(signedInPage, 'Continue') ?? '';
    expect(next).toBe(`/invitations/accept?token=${daveToken}`);
    const joinPage = await expectPage(await browser.request(next), 200);
    expect(joinPage).toContain('>Join</button>');
    const joined = await expectPage(await browser.submit('/invitations/accept', { token: daveToken }), 200);
    expect(joined).toContain('You joined Acme');
    expect(await memberEmails(owner, tenantId)).toEqual(['dave@example.com', 'owner@example.com']);
  });

  it('offers "Join" to the signed-in invitee (in any case of the address) and "log out" to anyone else', async () => {
    const { auth, owner, tenantId } = await setup();
    const ivy = await signedIn(auth, 'Ivy@example.com');
    await invite(owner, tenantId, 'ivy@example.com');
    const token = await invitationToken(auth, 'ivy@example.com');
    const ivyPage = new PageClient(auth.app);
    ivyPage.cookie = ivy.browser.cookie;
    const join = await expectPage(await ivyPage.request(`/invitations/accept?token=${token}`), 200);
    expect(join).toContain('>Join</button>');
    expect(join).not.toContain('action="/invitations/signup"');

    const other = new PageClient(auth.app);
    other.cookie = owner.browser.cookie;
    const wrong = await expectPage(await other.request(`/invitations/accept?token=${token}`), 200);
    expect(wrong).toContain('You are signed in as owner@example.com');
    expect(wrong).toContain('action="/auth/logout"');
    expect(wrong).not.toContain('>Join</button>');

    const joined = await expectPage(await ivyPage.submit('/invitations/accept', { token }), 200);
    expect(joined).toContain('You joined Acme');
  });

  it('works when signup is by invitation only, and not when signup is closed', async () => {
    const { auth, owner, tenantId } = await setup({ signup: { mode: 'invite' } });
    const open = await new Browser(auth.app).post('/auth/signup', {
      email: 'walkin@example.com',
      password: GOOD_PASSWORD,
    });
    await expectProblem(open, 403, 'LIFT_SIGNUP_INVITE_ONLY');
    await invite(owner, tenantId, 'frank@example.com');
    const token = await invitationToken(auth, 'frank@example.com');
    const api = new Browser(auth.app);
    const signup = await api.post('/invitations/signup', { token, password: GOOD_PASSWORD });
    expect(await expectJson(signup, 202)).toEqual({ status: 'verification_sent' });
    const verifyToken = await mailedToken(auth, 'frank@example.com', '/auth/email/verify');
    await expectJson(await api.post('/auth/email/verify', { token: verifyToken }), 200);
    expect(await memberEmails(owner, tenantId)).toEqual(['frank@example.com', 'owner@example.com']);

    await env?.close();
    const closed = await setup({ signup: { mode: 'closed' } });
    await invite(closed.owner, closed.tenantId, 'gina@example.com');
    const refused = await new Browser(closed.auth.app).post('/invitations/signup', {
      token: await invitationToken(closed.auth, 'gina@example.com'),
      password: GOOD_PASSWORD,
    });
    await expectProblem(refused, 403, 'LIFT_SIGNUP_CLOSED');
  });

  it('refuses unknown tokens and cross-site posts; JSON clients keep problem+json', async () => {
    const { auth, owner, tenantId } = await setup();
    await invite(owner, tenantId, 'hana@example.com');
    const token = await invitationToken(auth, 'hana@example.com');
    const api = new Browser(auth.app);
    await expectProblem(
      await api.post('/invitations/signup', { token: 'x'.repeat(43), password: GOOD_PASSWORD }),
      400,
      'LIFT_INVITATION_INVALID',
    );
    expect(eventsOf(auth, 'invitation.refused').length).toBeGreaterThan(0);
    await expectProblem(await api.post('/invitations/accept', { token }), 401, 'LIFT_UNAUTHENTICATED');

    const browser = new PageClient(auth.app);
    const unknown = await expectPage(
      await browser.request(`/invitations/accept?token=${'x'.repeat(43)}`),
      400,
    );
    expect(unknown).toContain('This invitation is invalid');
    const crossSite = await browser.submit(
      '/invitations/signup',
      { token, password: GOOD_PASSWORD },
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' },
    );
    await expectPage(crossSite, 403);
    await auth.app.outbox.idle();
    expect(auth.mail.messages.filter((mail) => mail.to === 'hana@example.com')).toHaveLength(1);
  });
});
