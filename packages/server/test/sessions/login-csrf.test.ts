import { afterEach, describe, expect, it } from 'vitest';
import { type AuthApp, Browser, GOOD_PASSWORD, startAuthApp } from '../support/auth-app.ts';
import { signUpVerified } from './verified-user.ts';

/**
 * Login CSRF: a foreign page must not log a visitor's browser into an account (typically the attacker's, to
 * harvest what the victim then types). The endpoints that set a session cookie apply the same origin rule as
 * cookie-authenticated requests, without needing a cookie.
 */

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('login CSRF', () => {
  it('refuses a cross-site login, even with the right password, and sets no cookie', async () => {
    env = await startAuthApp({ auth: { csrfAllowedOrigins: ['https://app.example.com'] } });
    const { email } = await signUpVerified(new Browser(env.app), 'victim@example.com');
    const victim = new Browser(env.app);
    const logins = () => env!.events.filter((event) => event.type === 'auth.login.succeeded').length;
    const loginsBefore = logins();
    const forged = await victim.post(
      '/auth/login',
      { email, password: GOOD_PASSWORD },
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    );
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { code: string }).code).toBe('LIFT_CSRF');
    expect(forged.headers.getSetCookie()).toEqual([]);
    expect(victim.cookie).toBeNull();
    expect(env.events.some((event) => event.type === 'auth.csrf.refused')).toBe(true);
    expect(logins()).toBe(loginsBefore);

    // Without Sec-Fetch-Site, a foreign Origin is refused too.
    const old = await victim.post(
      '/auth/login',
      { email, password: GOOD_PASSWORD },
      { origin: 'https://evil.example' },
    );
    expect(old.status).toBe(403);
    // The app's own origin, an allowlisted origin and non-browser clients log in.
    const clients: Record<string, string>[] = [
      { origin: 'http://lift.test', 'sec-fetch-site': 'same-origin' },
      { origin: 'https://app.example.com', 'sec-fetch-site': 'cross-site' },
      {},
    ];
    for (const headers of clients) {
      const client = new Browser(env.app);
      const response = await client.post('/auth/login', { email, password: GOOD_PASSWORD }, headers);
      expect(response.status, JSON.stringify(headers)).toBe(200);
      expect(client.cookie).not.toBeNull();
    }
  });

  it('refuses a cross-site email verification and MFA step the same way', async () => {
    env = await startAuthApp();
    const browser = new Browser(env.app);
    for (const [path, body] of [
      ['/auth/email/verify', { token: 'x'.repeat(43) }],
      ['/auth/mfa/verify', { mfa_token: 'x'.repeat(43), code: '123456' }],
    ] as const) {
      const response = await browser.post(path, body, {
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      });
      expect(response.status, path).toBe(403);
      expect(((await response.json()) as { code: string }).code).toBe('LIFT_CSRF');
    }
  });
});
