import { afterEach, describe, expect, it } from 'vitest';
import { type AuthApp, Browser, GOOD_PASSWORD, startAuthApp, tokenFromMail } from '../support/auth-app.ts';
import {
  currentSession,
  headersWithoutRequestId,
  json,
  loggedIn,
  mailsTo,
  SUBJECTS,
  settle,
  signUpVerified,
  waitForMail,
} from './identity-steps.ts';

const NEW_PASSWORD = 'velvet otter juggles lanterns 77';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function start(config: Parameters<typeof startAuthApp>[0] = {}): Promise<AuthApp> {
  env = await startAuthApp(config);
  return env;
}

describe('signup and email verification', () => {
  it('signs up, follows the verification link and is logged in', async () => {
    const auth = await start();
    const { app, mail } = auth;
    const browser = new Browser(app);
    const signup = await browser.post('/auth/signup', { email: 'ada@example.com', password: GOOD_PASSWORD });
    expect(signup.status).toBe(202);
    expect(await signup.json()).toEqual({ status: 'verification_sent' });
    expect(browser.cookie).toBeNull();
    expect((await browser.request('/auth/session')).status).toBe(401);

    const [message] = await waitForMail(auth, 'ada@example.com', SUBJECTS.verify);
    expect(message?.links.some((link) => link.startsWith('http://lift.test/auth/email/verify?token='))).toBe(
      true,
    );
    const verify = await browser.post('/auth/email/verify', {
      token: tokenFromMail(mail, 'ada@example.com', '/auth/email/verify'),
    });
    expect(verify.status, await verify.clone().text()).toBe(200);
    expect(browser.cookie).not.toBeNull();
    const session = await currentSession(browser);
    expect(session.user.email_verified).toBe(true);
    expect(session.amr).toEqual(['email']);
  });

  it('answers a signup for an existing address like any other and mails the owner instead', async () => {
    const auth = await start();
    const { app, mail, events } = auth;
    const { userId } = await signUpVerified(auth, 'bea@example.com');
    // Two clients, so each answer's RateLimit field counts one signup, like a stranger's would.
    const fresh = await new Browser(app, { ip: '203.0.113.9' }).post('/auth/signup', {
      email: 'new@example.com',
      password: GOOD_PASSWORD,
    });
    const taken = await new Browser(app, { ip: '203.0.113.10' }).post('/auth/signup', {
      email: 'Bea@Example.com',
      password: 'another fine passphrase 19',
    });
    expect(fresh.status).toBe(202);
    expect(taken.status).toBe(202);
    expect(headersWithoutRequestId(taken)).toEqual(headersWithoutRequestId(fresh));
    expect(await taken.text()).toBe(await fresh.text());

    const [notice] = await waitForMail(auth, 'bea@example.com', SUBJECTS.existingAccount);
    expect(notice?.links.some((link) => link.startsWith('http://lift.test/auth/password/reset?token='))).toBe(
      true,
    );
    expect(mailsTo(mail, 'bea@example.com', SUBJECTS.verify)).toHaveLength(1);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'auth.signup.existing_account', subject: userId }),
    );
    // The account is untouched: the second signup's password does not log in, the first still does.
    const second = await new Browser(app).post('/auth/login', {
      email: 'bea@example.com',
      password: 'another fine passphrase 19',
    });
    expect(second.status).toBe(401);
    await loggedIn(auth, 'bea@example.com');
  });

  it('refuses weak passwords with every reason and creates no account', async () => {
    const auth = await start();
    const { app, mail } = auth;
    const browser = new Browser(app);
    const common = await browser.post('/auth/signup', {
      email: 'cy@example.com',
      password: 'password123456',
    });
    expect(common.status).toBe(400);
    const commonBody = await json(common);
    expect(commonBody.code).toBe('LIFT_WEAK_PASSWORD');
    expect(commonBody.reasons).toEqual([{ code: 'PASSWORD_TOO_COMMON', message: expect.any(String) }]);

    const personal = await browser.post('/auth/signup', {
      email: 'grace@example.com',
      password: 'grace lantern quietly orbit',
    });
    expect(personal.status).toBe(400);
    const personalBody = await json(personal);
    expect(personalBody.code).toBe('LIFT_WEAK_PASSWORD');
    const codes = (personalBody.reasons as { code: string }[]).map((reason) => reason.code);
    expect(codes).toContain('PASSWORD_CONTAINS_PERSONAL_DATA');

    // Nothing was created: signing up properly now sends a verification, not the existing-account notice.
    const ok = await browser.post('/auth/signup', { email: 'grace@example.com', password: GOOD_PASSWORD });
    expect(ok.status).toBe(202);
    await waitForMail(auth, 'grace@example.com', SUBJECTS.verify);
    expect(mailsTo(mail, 'grace@example.com', SUBJECTS.existingAccount)).toHaveLength(0);
    expect(mailsTo(mail, 'cy@example.com')).toHaveLength(0);
  });

  it.each([
    ['invite', 'LIFT_SIGNUP_INVITE_ONLY'],
    ['closed', 'LIFT_SIGNUP_CLOSED'],
  ] as const)('refuses signup in %s mode with %s', async (mode, code) => {
    const auth = await start({ signup: { mode } });
    const { app, mail } = auth;
    const response = await new Browser(app).post('/auth/signup', {
      email: 'dan@example.com',
      password: GOOD_PASSWORD,
    });
    expect(response.status).toBe(403);
    expect(await json(response)).toMatchObject({ code, status: 403 });
    expect(await app.identity.users.findByEmail('dan@example.com')).toBeNull();
    await settle(auth.app);
    expect(mail.messages).toHaveLength(0);
  });

  it('uses a verification link once', async () => {
    const auth = await start();
    const { app, mail } = auth;
    const browser = new Browser(app);
    await browser.post('/auth/signup', { email: 'eve@example.com', password: GOOD_PASSWORD });
    await waitForMail(auth, 'eve@example.com', SUBJECTS.verify);
    const token = tokenFromMail(mail, 'eve@example.com', '/auth/email/verify');
    expect((await browser.post('/auth/email/verify', { token })).status).toBe(200);

    const replay = await new Browser(app).post('/auth/email/verify', { token });
    expect(replay.status).toBe(400);
    expect(await json(replay)).toMatchObject({ code: 'LIFT_INVALID_TOKEN' });
  });

  it('expires verification links after 24 hours', async () => {
    const auth = await start();
    const { app, mail, clock } = auth;
    const browser = new Browser(app);
    for (const email of ['early@example.com', 'late@example.com']) {
      await browser.post('/auth/signup', { email, password: GOOD_PASSWORD });
      await waitForMail(auth, email, SUBJECTS.verify);
    }
    clock.advance(24 * HOUR - 1_000);
    const early = await new Browser(app).post('/auth/email/verify', {
      token: tokenFromMail(mail, 'early@example.com', '/auth/email/verify'),
    });
    expect(early.status).toBe(200);

    clock.advance(2_000);
    const late = await new Browser(app).post('/auth/email/verify', {
      token: tokenFromMail(mail, 'late@example.com', '/auth/email/verify'),
    });
    expect(late.status).toBe(400);
    expect(await json(late)).toMatchObject({ code: 'LIFT_INVALID_TOKEN' });
    expect((await app.identity.users.findByEmail('late@example.com'))?.emailVerifiedAt).toBeNull();
  });

  it('resends a new link only to an unverified account and answers every address alike', async () => {
    const auth = await start();
    const { app, mail } = auth;
    await new Browser(app).post('/auth/signup', { email: 'fay@example.com', password: GOOD_PASSWORD });
    await waitForMail(auth, 'fay@example.com', SUBJECTS.verify);
    const oldToken = tokenFromMail(mail, 'fay@example.com', '/auth/email/verify');
    await signUpVerified(auth, 'gil@example.com', { browser: { ip: '203.0.113.20' } });

    const client = new Browser(app, { ip: '203.0.113.30' });
    const unknown = await client.post('/auth/email/resend', { email: 'nobody@example.com' });
    const verified = await client.post('/auth/email/resend', { email: 'gil@example.com' });
    const unverified = await client.post('/auth/email/resend', { email: 'fay@example.com' });
    const bodies = [await unknown.text(), await verified.text(), await unverified.text()];
    expect([unknown.status, verified.status, unverified.status]).toEqual([202, 202, 202]);
    expect(new Set(bodies).size).toBe(1);

    await waitForMail(auth, 'fay@example.com', SUBJECTS.verify, 2);
    const newToken = tokenFromMail(mail, 'fay@example.com', '/auth/email/verify');
    expect(newToken).not.toBe(oldToken);
    expect(mailsTo(mail, 'nobody@example.com')).toHaveLength(0);
    expect(mailsTo(mail, 'gil@example.com', SUBJECTS.verify)).toHaveLength(1);

    const stale = await new Browser(app).post('/auth/email/verify', { token: oldToken });
    expect(stale.status).toBe(400);
    expect((await new Browser(app).post('/auth/email/verify', { token: newToken })).status).toBe(200);
  });
});

describe('forgotten password', () => {
  it('resets the password with the mailed link, ends every session and uses the link once', async () => {
    const auth = await start();
    const { app, mail, events } = auth;
    const { browser: first } = await signUpVerified(auth, 'hal@example.com');
    const second = await loggedIn(auth, 'hal@example.com');
    expect((await first.request('/auth/session')).status).toBe(200);
    expect((await second.request('/auth/session')).status).toBe(200);

    const forgot = await new Browser(app).post('/auth/password/forgot', { email: 'hal@example.com' });
    expect(forgot.status).toBe(202);
    expect(await forgot.json()).toEqual({ status: 'accepted' });
    await waitForMail(auth, 'hal@example.com', SUBJECTS.reset);
    const token = tokenFromMail(mail, 'hal@example.com', '/auth/password/reset');

    const reset = await new Browser(app).post('/auth/password/reset', { token, new_password: NEW_PASSWORD });
    expect(reset.status, await reset.clone().text()).toBe(200);
    expect(await reset.json()).toEqual({ status: 'password_reset' });

    expect((await first.request('/auth/session')).status).toBe(401);
    expect((await second.request('/auth/session')).status).toBe(401);
    const old = await new Browser(app).post('/auth/login', {
      email: 'hal@example.com',
      password: GOOD_PASSWORD,
    });
    expect(old.status).toBe(401);
    expect(await json(old)).toMatchObject({ code: 'LIFT_INVALID_CREDENTIALS' });
    await loggedIn(auth, 'hal@example.com', NEW_PASSWORD);
    await waitForMail(auth, 'hal@example.com', SUBJECTS.changed);

    const replay = await new Browser(app).post('/auth/password/reset', {
      token,
      new_password: 'yet another long passphrase 5',
    });
    expect(replay.status).toBe(400);
    expect(await json(replay)).toMatchObject({ code: 'LIFT_INVALID_TOKEN' });
    await loggedIn(auth, 'hal@example.com', NEW_PASSWORD);
    await settle(auth.app);
    expect(events.filter((event) => event.type === 'auth.password.reset')).toHaveLength(1);
  });

  it('answers an unknown address like a known one and mails nobody', async () => {
    const auth = await start();
    const { app, mail } = auth;
    await signUpVerified(auth, 'ida@example.com');
    const client = new Browser(app, { ip: '203.0.113.40' });
    const unknown = await client.post('/auth/password/forgot', { email: 'ghost@example.com' });
    const known = await client.post('/auth/password/forgot', { email: 'ida@example.com' });
    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(await unknown.text()).toBe(await known.text());

    await waitForMail(auth, 'ida@example.com', SUBJECTS.reset);
    expect(mailsTo(mail, 'ghost@example.com')).toHaveLength(0);
    expect(mail.messages.filter((message) => message.subject === SUBJECTS.reset)).toHaveLength(1);
  });
});

describe('password change', () => {
  it('needs a fresh session; reauth makes it fresh again and rotates the session', async () => {
    const auth = await start();
    const { app, clock } = auth;
    const { browser } = await signUpVerified(auth, 'jo@example.com');
    clock.advance(app.config.auth.freshMs + 1);

    const stale = await browser.post('/auth/password/change', {
      current_password: GOOD_PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(stale.status).toBe(403);
    expect(await json(stale)).toMatchObject({ code: 'LIFT_REAUTH_REQUIRED' });
    const before = await currentSession(browser);
    expect(before.fresh).toBe(false);
    const oldCookie = browser.cookie;

    const reauth = await browser.post('/auth/reauth', { password: GOOD_PASSWORD });
    expect(reauth.status, await reauth.clone().text()).toBe(200);
    expect(await reauth.json()).toMatchObject({ session: { fresh: true } });
    expect(browser.cookie).not.toBeNull();
    expect(browser.cookie).not.toBe(oldCookie);
    const after = await currentSession(browser);
    expect(after.fresh).toBe(true);
    expect(after.id).not.toBe(before.id);
    const holdsOldCookie = new Browser(app);
    holdsOldCookie.cookie = oldCookie;
    expect((await holdsOldCookie.request('/auth/session')).status).toBe(401);
  });

  it('refuses a wrong current password with 401', async () => {
    const auth = await start();
    const { mail } = auth;
    const { browser } = await signUpVerified(auth, 'kim@example.com');
    const response = await browser.post('/auth/password/change', {
      current_password: 'not the password at all 1',
      new_password: NEW_PASSWORD,
    });
    expect(response.status).toBe(401);
    expect(await json(response)).toMatchObject({ code: 'LIFT_INVALID_CREDENTIALS' });
    // Still logged in with the old password unchanged.
    expect((await browser.request('/auth/session')).status).toBe(200);
    await loggedIn(auth, 'kim@example.com');
    await settle(auth.app);
    expect(mailsTo(mail, 'kim@example.com', SUBJECTS.changed)).toHaveLength(0);
  });

  it('rotates the session id, ends the other sessions and notifies the owner', async () => {
    const auth = await start();
    const { app } = auth;
    const { browser } = await signUpVerified(auth, 'lee@example.com');
    const other = await loggedIn(auth, 'lee@example.com', GOOD_PASSWORD, { ip: '203.0.113.50' });
    expect((await other.request('/auth/session')).status).toBe(200);
    const before = await currentSession(browser);
    const oldCookie = browser.cookie;

    const change = await browser.post('/auth/password/change', {
      current_password: GOOD_PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(change.status, await change.clone().text()).toBe(200);
    const body = (await change.json()) as { session: { id: string } };
    expect(browser.cookie).not.toBe(oldCookie);
    const after = await currentSession(browser);
    expect(after.id).toBe(body.session.id);
    expect(after.id).not.toBe(before.id);

    expect((await other.request('/auth/session')).status).toBe(401);
    const holdsOldCookie = new Browser(app);
    holdsOldCookie.cookie = oldCookie;
    expect((await holdsOldCookie.request('/auth/session')).status).toBe(401);

    await waitForMail(auth, 'lee@example.com', SUBJECTS.changed);
    const old = await new Browser(app).post('/auth/login', {
      email: 'lee@example.com',
      password: GOOD_PASSWORD,
    });
    expect(old.status).toBe(401);
    await loggedIn(auth, 'lee@example.com', NEW_PASSWORD);
  });
});
