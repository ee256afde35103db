import { expect } from 'vitest';
import type { LiftApp } from '../../src/app/create-lift.ts';
import type { MemoryMailTransport } from '../../src/mail/index.ts';
import { Browser, type BrowserOptions, GOOD_PASSWORD, tokenFromMail } from '../support/auth-app.ts';

/**
 * Test support for the session suites: a user signed up and verified through the API (the verification link
 * logs the browser in), and browsers that present a given cookie value.
 */

export interface VerifiedUser {
  userId: string;
  email: string;
  /** The session the verification link opened. */
  sessionId: string;
}

/** The verification token once the background mail has arrived (polls for up to 2 s). */
async function verificationToken(mail: MemoryMailTransport, email: string): Promise<string> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    try {
      return tokenFromMail(mail, email, '/auth/email/verify');
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** Signs up `email` and follows the mailed link; `browser` ends up logged in. */
export async function signUpVerified(browser: Browser, email: string): Promise<VerifiedUser> {
  const signup = await browser.post('/auth/signup', { email, password: GOOD_PASSWORD });
  expect(signup.status, await signup.clone().text()).toBe(202);
  const token = await verificationToken(browser.app.mail as MemoryMailTransport, email);
  const verify = await browser.post('/auth/email/verify', { token });
  expect(verify.status, await verify.clone().text()).toBe(200);
  const body = (await verify.json()) as { user: { id: string }; session: { id: string } };
  expect(browser.cookie).not.toBeNull();
  return { userId: body.user.id, email, sessionId: body.session.id };
}

/** Logs `browser` in with the test password; returns the response (the browser keeps any new cookie). */
export function logIn(browser: Browser, email: string): Promise<Response> {
  return browser.post('/auth/login', { email, password: GOOD_PASSWORD });
}

/** A browser presenting `cookie` as its session cookie. */
export function browserWithCookie(app: LiftApp, cookie: string | null, options?: BrowserOptions): Browser {
  const browser = new Browser(app, options);
  browser.cookie = cookie;
  return browser;
}

/** Status of `GET /auth/session` for this browser: 200 while its session lives, 401 after. */
export async function sessionStatus(browser: Browser): Promise<number> {
  const response = await browser.request('/auth/session');
  await response.body?.cancel();
  return response.status;
}
