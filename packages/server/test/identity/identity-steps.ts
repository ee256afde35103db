import { expect } from 'vitest';
import type { LiftApp } from '../../src/app/create-lift.ts';
import type { ManualClock } from '../../src/core/clock.ts';
import { decodeBase32, generateTotp, totpAt } from '../../src/identity/mfa/index.ts';
import type { DeliveredMail, MemoryMailTransport } from '../../src/mail/index.ts';
import {
  type AuthApp,
  Browser,
  type BrowserOptions,
  GOOD_PASSWORD,
  tokenFromMail,
} from '../support/auth-app.ts';

/**
 * Steps shared by the identity flow tests. Mail (and the account-dependent half of forgot and resend) runs
 * after the response, and events reach subscribers a microtask after publication, so tests wait for
 * `identity.idle()` and one event-loop turn, never for the wall clock.
 */

/** Subjects of the identity mails with the default templates and app name. */
export const SUBJECTS = {
  verify: 'Confirm your email address for Lift',
  existingAccount: 'Sign-up attempt for your Lift account',
  reset: 'Reset your Lift password',
  changed: 'Your Lift password was changed',
  lockout: 'Your Lift account is temporarily locked',
} as const;

/** Waits until the work started after answering has finished and its events have been delivered. */
export async function settle(app: LiftApp): Promise<void> {
  await app.identity.idle();
  await new Promise((resolve) => setImmediate(resolve));
}

export function mailsTo(mail: MemoryMailTransport, to: string, subject?: string): DeliveredMail[] {
  return mail.messages.filter(
    (message) => message.to === to && (subject === undefined || message.subject === subject),
  );
}

/** Settles, then expects exactly `count` mails with `subject` to `to` and returns them. */
export async function waitForMail(
  env: AuthApp,
  to: string,
  subject: string,
  count = 1,
): Promise<DeliveredMail[]> {
  await settle(env.app);
  const found = mailsTo(env.mail, to, subject);
  expect(found, `mails "${subject}" to ${to}`).toHaveLength(count);
  return found;
}

export async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

/** A problem body without the per-request members, for comparing refusals byte for byte. */
export async function problemWithoutRequestFacts(response: Response): Promise<string> {
  const body = await json(response);
  delete body.request_id;
  delete body.instance;
  return JSON.stringify(body);
}

/** Response headers except the per-request id, for comparing answers that must not differ. */
export function headersWithoutRequestId(response: Response): [string, string][] {
  return [...response.headers].filter(([name]) => name !== 'x-request-id');
}

/** Signs up through the API and follows the verification link; the returned browser is logged in. */
export async function signUpVerified(
  env: AuthApp,
  email: string,
  options: { password?: string; browser?: BrowserOptions } = {},
): Promise<{ browser: Browser; userId: string }> {
  const browser = new Browser(env.app, options.browser);
  const signup = await browser.post('/auth/signup', { email, password: options.password ?? GOOD_PASSWORD });
  expect(signup.status, await signup.clone().text()).toBe(202);
  await waitForMail(env, email, SUBJECTS.verify);
  const verify = await browser.post('/auth/email/verify', {
    token: tokenFromMail(env.mail, email, '/auth/email/verify'),
  });
  expect(verify.status, await verify.clone().text()).toBe(200);
  const body = (await verify.json()) as { user: { id: string } };
  return { browser, userId: body.user.id };
}

/** A new browser logged in with a password; fails the test unless the login gives a session. */
export async function loggedIn(
  env: AuthApp,
  email: string,
  password = GOOD_PASSWORD,
  options: BrowserOptions = {},
): Promise<Browser> {
  const browser = new Browser(env.app, options);
  const response = await browser.post('/auth/login', { email, password });
  expect(response.status, await response.clone().text()).toBe(200);
  expect(browser.cookie).not.toBeNull();
  return browser;
}

/** The current session as `GET /auth/session` shows it. */
export async function currentSession(
  browser: Browser,
): Promise<{ id: string; amr: string[]; fresh: boolean; user: { id: string; email_verified: boolean } }> {
  const response = await browser.request('/auth/session');
  expect(response.status, await response.clone().text()).toBe(200);
  const body = (await response.json()) as {
    user: { id: string; email_verified: boolean };
    session: { id: string; amr: string[]; fresh: boolean };
  };
  return { ...body.session, user: body.user };
}

/** One TOTP time step. */
export const STEP = 30_000;

export interface Enrolled {
  browser: Browser;
  userId: string;
  email: string;
  secret: Buffer;
  base32: string;
  recoveryCodes: string[];
}

/** Signs up and turns TOTP on; the returned browser holds the rotated, fresh session. */
export async function enrolled(auth: AuthApp, email: string): Promise<Enrolled> {
  const { browser, userId } = await signUpVerified(auth, email);
  const enroll = await browser.post('/auth/mfa/totp/enroll');
  expect(enroll.status, await enroll.clone().text()).toBe(200);
  const { secret: base32 } = (await enroll.json()) as { secret: string };
  const secret = decodeBase32(base32);
  const confirm = await browser.post('/auth/mfa/totp/confirm', {
    code: generateTotp(secret, { clock: auth.clock }),
  });
  expect(confirm.status, await confirm.clone().text()).toBe(200);
  const { recovery_codes: recoveryCodes } = (await confirm.json()) as { recovery_codes: string[] };
  return { browser, userId, email, secret, base32, recoveryCodes };
}

/** A six-digit code that is valid for no step the server accepts now. */
export function wrongCode(secret: Buffer, clock: ManualClock): string {
  const valid = new Set([-STEP, 0, STEP].map((offset) => totpAt(secret, clock.now() + offset)));
  for (let n = 0; ; n += 1) {
    const candidate = String(n).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

/** Logs in with the password; expects the MFA step and returns its token. */
export async function startMfaLogin(
  browser: Browser,
  email: string,
  password = GOOD_PASSWORD,
): Promise<string> {
  const response = await browser.post('/auth/login', { email, password });
  expect(response.status, await response.clone().text()).toBe(200);
  expect(response.headers.getSetCookie()).toEqual([]);
  const body = (await response.json()) as { mfa_required?: boolean; mfa_token?: string };
  expect(body.mfa_required).toBe(true);
  expect(typeof body.mfa_token).toBe('string');
  return body.mfa_token ?? '';
}
