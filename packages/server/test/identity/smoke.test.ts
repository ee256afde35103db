import { afterEach, describe, expect, it } from 'vitest';
import { type AuthApp, Browser, GOOD_PASSWORD, startAuthApp, tokenFromMail } from '../support/auth-app.ts';

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('smoke', () => {
  it('signs up, verifies and logs out', async () => {
    env = await startAuthApp();
    const browser = new Browser(env.app);
    const signup = await browser.post('/auth/signup', { email: 'ada@example.com', password: GOOD_PASSWORD });
    expect(signup.status, await signup.clone().text()).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const token = tokenFromMail(env.mail, 'ada@example.com', '/auth/email/verify');
    const verify = await browser.post('/auth/email/verify', { token });
    expect(verify.status, await verify.clone().text()).toBe(200);
    const session = await browser.request('/auth/session');
    expect(session.status, await session.clone().text()).toBe(200);
    const logout = await browser.post('/auth/logout');
    expect(logout.status, await logout.clone().text()).toBe(204);
    expect((await browser.request('/auth/session')).status).toBe(401);
    console.log(env.events.map((event) => event.type));
  });
});
