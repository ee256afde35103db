import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chromiumPath, launchChromium } from '../support/chromium.ts';
import { HttpSession, waitForMailLink } from '../support/http-session.ts';
import { freePort, type LiftProcess, startLift, waitForOutput } from '../support/lift-process.ts';

/**
 * Black-box, in the real Chromium: the reference app under `lift serve` in development, as a new user meets
 * it — the admin's set-password link, then an invitation to someone without an account. Mail is read from
 * the files the development transport writes.
 */
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const executablePath = chromiumPath();
const PASSWORD = 'violet kettle marching 1887';
const APP = ['--app', 'examples/notes/src/app.ts'];

describe.skipIf(!executablePath)('first run in a browser', () => {
  let lift: LiftProcess;
  let browser: Browser;
  let adminLink: string;
  let attacker: Server | undefined;

  beforeAll(async () => {
    [lift, browser] = await Promise.all([startLift(APP), launchChromium(executablePath!)]);
    const printed = await waitForOutput(lift, /(http:\/\/\S+\/auth\/password\/reset\?token=[A-Za-z0-9_-]+)/);
    adminLink = printed[1]!;
  });

  afterAll(async () => {
    attacker?.close();
    await browser?.close();
    await lift?.stop();
  });

  it("opens the admin's set-password link, sets a password, is told to log in next, and logs in", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) violations.push(message.text());
    });
    const opened = await page.goto(adminLink);
    expect(opened?.status()).toBe(200);
    expect(await page.textContent('h1')).toContain('Welcome to');
    // The page's style is allowed by its hash under the page's strict policy: applied, nothing refused.
    expect(await page.evaluate('getComputedStyle(document.body).maxWidth')).toBe('512px');

    await page.fill('input[name="new_password"]', PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    expect(await page.textContent('h1')).toBe('Your password is set');
    expect(await page.textContent('body')).toContain('log in with your email address and the new password');
    // No raw JSON anywhere on the way.
    expect(await page.textContent('body')).not.toContain('"status"');

    await Promise.all([page.waitForNavigation(), page.click('a:text("Log in")')]);
    await page.fill('input[name="email"]', 'admin@lift.localhost');
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('button:text("Log in")')]);
    expect(await page.textContent('h1')).toBe('You are signed in');
    expect(await page.textContent('body')).toContain('as admin@lift.localhost');
    expect(violations).toEqual([]);

    // The browser holds an admin session now.
    const users = await page.goto(`${lift.url}/admin/api/users`);
    expect(users?.status()).toBe(200);

    // A form on another site cannot post into Lift (login CSRF): refused with a page, no session set.
    const port = await freePort();
    attacker = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(
        `<form method="post" action="${lift.url}/auth/login"><input name="email" value="admin@lift.localhost">` +
          `<input name="password" value="${PASSWORD}"><button>Win a prize</button></form>`,
      );
    }).listen(port, 'localhost');
    const stranger = await browser.newContext();
    const trap = await stranger.newPage();
    await trap.goto(`http://localhost:${port}/`);
    const [refused] = await Promise.all([trap.waitForNavigation(), trap.click('button')]);
    expect(refused?.status()).toBe(403);
    expect(await trap.textContent('h1')).toBe('Forbidden');
    expect(await stranger.cookies(lift.url)).toEqual([]);
    await stranger.close();
    await context.close();
  });

  it('lets someone without an account sign up from an invitation and joins the tenant on verification', async () => {
    const admin = new HttpSession(lift.url);
    expect(
      (await admin.post('/auth/login', { email: 'admin@lift.localhost', password: PASSWORD })).status,
    ).toBe(200);
    const created = await admin.post('/tenants', { name: 'Acme & Sons', slug: 'acme' });
    expect(created.status).toBe(201);
    const { tenant } = (await created.json()) as { tenant: { id: string } };
    expect(
      (await admin.post(`/tenants/${tenant.id}/invitations`, { email: 'newbie@example.com' })).status,
    ).toBe(201);
    const invitation = await waitForMailLink(lift.dataDir, 'newbie@example.com', '/invitations/accept');

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(invitation);
    expect(await page.textContent('h1')).toBe('Join Acme & Sons');
    const signup = page.locator('form[action="/invitations/signup"]');
    expect(await signup.locator('input[name="email"]').inputValue()).toBe('newbie@example.com');
    expect(await signup.locator('input[name="email"]').getAttribute('readonly')).not.toBeNull();
    await signup.locator('input[name="password"]').fill(PASSWORD);
    await Promise.all([page.waitForNavigation(), signup.locator('button').click()]);
    expect(await page.textContent('h1')).toBe('Check your inbox');

    const verify = await waitForMailLink(lift.dataDir, 'newbie@example.com', '/auth/email/verify');
    await page.goto(verify);
    await Promise.all([page.waitForNavigation(), page.click('button:text("Confirm")')]);
    expect(await page.textContent('h1')).toBe('You are signed in');

    const members = await admin.request(`/tenants/${tenant.id}/members`);
    const body = (await members.json()) as { members: Array<{ email: string }> };
    expect(body.members.map((member) => member.email)).toContain('newbie@example.com');
    await context.close();
  });
});
