import { afterEach, describe, expect, it } from 'vitest';
import { createUserWithLink } from '../../src/identity/bootstrap.ts';
import { decodeBase32, generateTotp } from '../../src/identity/mfa/index.ts';
import { prefersHtml } from '../../src/identity/page-negotiation.ts';
import { type AuthApp, Browser, GOOD_PASSWORD, startAuthApp, tokenFromMail } from '../support/auth-app.ts';
import { expectPage, hiddenValue, linkHref, PageClient } from '../support/page-client.ts';
import { signUpVerified } from './identity-steps.ts';

/**
 * The pages mail links open, submitted as a browser submits them (form bodies, `Accept: text/html`): each
 * answer is a page with the next step, each refusal a page with the reason, the same status and a way back;
 * API clients keep their JSON.
 */

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function start(): Promise<AuthApp> {
  env = await startAuthApp();
  return env;
}

async function setPasswordToken(auth: AuthApp, email: string): Promise<string> {
  const created = await createUserWithLink(auth.app.module('identity'), { email, admin: true });
  return new URL(created.link).searchParams.get('token') ?? '';
}

describe('the set-password link in a browser', () => {
  it('greets the new user, sets the password, says to log in next, and the login page logs in', async () => {
    const auth = await start();
    const token = await setPasswordToken(auth, 'ops@example.com');
    const browser = new PageClient(auth.app);

    const form = await expectPage(await browser.request(`/auth/password/reset?token=${token}`), 200);
    expect(form).toContain('Welcome to Lift');
    expect(form).toContain('method="post" action="/auth/password/reset"');
    expect(hiddenValue(form, 'token')).toBe(token);

    const set = await expectPage(
      await browser.submit('/auth/password/reset', { token, new_password: GOOD_PASSWORD }),
      200,
    );
    expect(set).toContain('Your password is set');
    expect(set).toContain('log in');
    expect(linkHref(set, 'Log in')).toBe('/auth/login');

    const login = await expectPage(await browser.request('/auth/login'), 200);
    expect(login).toContain('action="/auth/login"');
    const signedIn = await expectPage(
      await browser.submit('/auth/login', { email: 'ops@example.com', password: GOOD_PASSWORD }),
      200,
    );
    expect(signedIn).toContain('Signed in to Lift as ops@example.com');
    expect(browser.cookie).not.toBeNull();
    const admin = new Browser(auth.app);
    admin.cookie = browser.cookie;
    expect((await admin.request('/admin/api/users')).status).toBe(200);

    const out = await expectPage(await browser.submit('/auth/logout', {}), 200);
    expect(out).toContain('You are signed out');
    expect(browser.cookie).toBeNull();
  });

  it('shows a weak password as a 400 page with the reasons and the form again; the link still works', async () => {
    const auth = await start();
    const token = await setPasswordToken(auth, 'weak@example.com');
    const browser = new PageClient(auth.app);
    const weak = await expectPage(
      await browser.submit('/auth/password/reset', { token, new_password: 'password' }),
      400,
    );
    expect(weak).toContain('Weak password');
    expect(weak).toContain('<li>');
    expect(hiddenValue(weak, 'token')).toBe(token);
    const set = await browser.submit('/auth/password/reset', { token, new_password: GOOD_PASSWORD });
    expect(await expectPage(set, 200)).toContain('Your password is set');
  });

  it('shows a used or unknown link as a 400 page that offers a new link', async () => {
    const auth = await start();
    const token = await setPasswordToken(auth, 'twice@example.com');
    const browser = new PageClient(auth.app);
    await expectPage(
      await browser.submit('/auth/password/reset', { token, new_password: GOOD_PASSWORD }),
      200,
    );
    const again = await expectPage(
      await browser.submit('/auth/password/reset', { token, new_password: `${GOOD_PASSWORD}!` }),
      400,
    );
    expect(again).toContain('Ask for a new link');
    expect(linkHref(again, 'Ask for a new link')).toBe('/auth/password/forgot');
    expect(again).not.toContain('type="hidden" name="token"');

    const forgot = await expectPage(await browser.request('/auth/password/forgot'), 200);
    expect(forgot).toContain('action="/auth/password/forgot"');
    const sent = await expectPage(
      await browser.submit('/auth/password/forgot', { email: 'twice@example.com' }),
      202,
    );
    const unknown = await expectPage(
      await new PageClient(auth.app, '203.0.113.10').submit('/auth/password/forgot', {
        email: 'nobody@example.com',
      }),
      202,
    );
    // No enumeration: the same page for an address without an account.
    expect(unknown).toBe(sent);
  });

  it('keeps JSON for API clients: the same bodies and problem+json as before', async () => {
    const auth = await start();
    const token = await setPasswordToken(auth, 'api@example.com');
    const client = new Browser(auth.app);
    const weak = await client.post('/auth/password/reset', { token, new_password: 'password' });
    expect(weak.status).toBe(400);
    expect(weak.headers.get('content-type')).toBe('application/problem+json');
    expect(((await weak.json()) as { code: string }).code).toBe('LIFT_WEAK_PASSWORD');
    // A form body without an HTML Accept (a script) reads JSON too.
    const form = await client.request('/auth/password/reset', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: '*/*' },
    });
    expect(form.headers.get('content-type')).toBe('application/problem+json');
    const set = await client.post('/auth/password/reset', { token, new_password: GOOD_PASSWORD });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ status: 'password_reset' });
    const login = await client.post('/auth/login', {
      email: 'api@example.com',
      password: 'wrong password!!',
    });
    expect(login.status).toBe(401);
    expect(login.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('the verification link and login in a browser', () => {
  it('verifies by form, signs the browser in and says so; a wrong login is a 401 page back to the form', async () => {
    const auth = await start();
    const api = new Browser(auth.app);
    expect(
      (await api.post('/auth/signup', { email: 'ada@example.com', password: GOOD_PASSWORD })).status,
    ).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const token = tokenFromMail(auth.mail, 'ada@example.com', '/auth/email/verify');
    const browser = new PageClient(auth.app);
    const form = await expectPage(await browser.request(`/auth/email/verify?token=${token}`), 200);
    expect(hiddenValue(form, 'token')).toBe(token);
    const verified = await expectPage(await browser.submit('/auth/email/verify', { token }), 200);
    expect(verified).toContain('Signed in to Lift as ada@example.com');
    expect(browser.cookie).not.toBeNull();

    const dead = await expectPage(await browser.submit('/auth/email/verify', { token }), 400);
    expect(linkHref(dead, 'Log in')).toBe('/auth/login');

    const wrong = await expectPage(
      await new PageClient(auth.app, '203.0.113.11').submit('/auth/login', {
        email: 'ada@example.com',
        password: 'not the password at all',
        continue: '/invitations/accept?token=abc',
      }),
      401,
    );
    expect(linkHref(wrong, 'Log in')).toBe('/auth/login?continue=%2Finvitations%2Faccept%3Ftoken%3Dabc');
  });

  it('refuses cross-site form posts with a 403 page, and never renders a foreign or unescaped continue', async () => {
    const auth = await start();
    const token = await setPasswordToken(auth, 'csrf@example.com');
    const browser = new PageClient(auth.app);
    const crossSite = { 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' };
    const reset = await expectPage(
      await browser.submit('/auth/password/reset', { token, new_password: GOOD_PASSWORD }, crossSite),
      403,
    );
    expect(reset).toContain('Forbidden');
    await expectPage(
      await browser.submit('/auth/password/reset', { token, new_password: GOOD_PASSWORD }),
      200,
    );
    const login = await browser.submit(
      '/auth/login',
      { email: 'csrf@example.com', password: GOOD_PASSWORD },
      crossSite,
    );
    await expectPage(login, 403);
    expect(browser.cookie).toBeNull();

    for (const target of ['//evil.test/x', 'https://evil.test/', '/\\evil.test']) {
      const page = await expectPage(
        await browser.request(`/auth/login?continue=${encodeURIComponent(target)}`),
        200,
      );
      expect(page).not.toContain('name="continue"');
    }
    const hostile = '/x"><script>alert(1)</script>';
    const page = await expectPage(
      await browser.request(`/auth/login?continue=${encodeURIComponent(hostile)}`),
      200,
    );
    expect(hiddenValue(page, 'continue')).toBe('/x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('the second factor and the throttle in a browser', () => {
  it('asks for the code after the password, shows a wrong code with the form again, then signs in', async () => {
    const auth = await start();
    const { browser: api } = await signUpVerified(auth, 'mfa@example.com');
    const enroll = await api.post('/auth/mfa/totp/enroll');
    const secret = decodeBase32(((await enroll.json()) as { secret: string }).secret);
    expect(
      (await api.post('/auth/mfa/totp/confirm', { code: generateTotp(secret, { clock: auth.clock }) }))
        .status,
    ).toBe(200);
    auth.clock.advance(60_000);

    const browser = new PageClient(auth.app);
    const step = await expectPage(
      await browser.submit('/auth/login', { email: 'mfa@example.com', password: GOOD_PASSWORD }),
      200,
    );
    expect(step).toContain('Enter your authenticator code');
    expect(browser.cookie).toBeNull();
    const mfaToken = hiddenValue(step, 'mfa_token');
    const good = generateTotp(secret, { clock: auth.clock });
    const wrong = good === '000000' ? '111111' : '000000';
    const refused = await expectPage(
      await browser.submit('/auth/mfa/verify', { mfa_token: mfaToken, code: wrong, recovery_code: '' }),
      401,
    );
    expect(hiddenValue(refused, 'mfa_token')).toBe(mfaToken);
    const signedIn = await expectPage(
      await browser.submit('/auth/mfa/verify', { mfa_token: mfaToken, code: good, recovery_code: '' }),
      200,
    );
    expect(signedIn).toContain('Signed in to Lift as mfa@example.com');
    expect(browser.cookie).not.toBeNull();
  });

  it('shows a spent throttle as a 429 page with Retry-After', async () => {
    const auth = await start();
    const browser = new PageClient(auth.app);
    let last: Response | undefined;
    for (let attempt = 0; attempt < 6; attempt += 1) {
      last = await browser.submit('/auth/password/forgot', { email: 'someone@example.com' });
      if (attempt < 5) expect(last.status).toBe(202);
    }
    const page = await expectPage(last!, 429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(linkHref(page, 'Try again')).toBe('/auth/password/forgot');
  });
});

describe('prefersHtml', () => {
  it.each([
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', true],
    ['text/html', true],
    ['application/json', false],
    ['*/*', false],
    ['', false],
    ['application/json, text/html', false],
    ['text/html;q=0.5, application/json;q=0.9', false],
    ['application/problem+json;q=0.1, text/html', true],
    ['text/html;q=0', false],
  ])('%s → %s', (accept, expected) => {
    expect(prefersHtml(accept)).toBe(expected);
  });
});
