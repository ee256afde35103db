import { afterAll, describe, expect, it, vi } from 'vitest';
import { HttpSession, waitForMailLink } from '../support/http-session.ts';
import { type LiftProcess, runLift, startLift, waitForOutput } from '../support/lift-process.ts';

/**
 * Black-box: the reference app under the real `lift serve`, a real HTTP client, mail read from the files the
 * development transport writes. Argon2id runs with its real parameters here.
 */
vi.setConfig({ testTimeout: 90_000 });

const running: LiftProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((lift) => lift.stop()));
});

const PASSWORD = 'violet kettle marching 1887';
const APP = ['--app', 'examples/notes/src/app.ts'];

describe('identity journey over HTTP', () => {
  it('signup → mail → verify → session → notes → logout → 401', async () => {
    const lift = await startLift(APP);
    running.push(lift);
    const browser = new HttpSession(lift.url);
    expect((await browser.request('/me')).status).toBe(401);

    const signup = await browser.post('/auth/signup', { email: 'grace@example.com', password: PASSWORD });
    expect(signup.status).toBe(202);
    expect(await signup.json()).toEqual({ status: 'verification_sent' });

    const link = await waitForMailLink(lift.dataDir, 'grace@example.com', '/auth/email/verify');
    expect(link.startsWith(`${lift.url}/auth/email/verify?token=`)).toBe(true);
    // Opening the link shows a form and uses nothing up.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const token = new URL(link).searchParams.get('token');
    const verified = await browser.post('/auth/email/verify', { token });
    expect(verified.status).toBe(200);
    const body = (await verified.json()) as { user: { email: string; email_verified: boolean } };
    expect(body.user).toMatchObject({ email: 'grace@example.com', email_verified: true });
    expect(browser.cookie).toMatch(/^lift_session=[A-Za-z0-9_-]{43}$/);

    const me = await browser.request('/me');
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ type: 'user', auth_method: 'session', amr: ['email'] });
    // Notes live in a tenant; its creator owns it and may write there.
    const created = await browser.post('/tenants', { name: 'Acme', slug: 'acme' });
    expect(created.status).toBe(201);
    const { tenant } = (await created.json()) as { tenant: { id: string } };
    const note = await browser.post(`/tenants/${tenant.id}/notes`, { title: 'from a real session' });
    expect(note.status).toBe(201);

    // The link was single use.
    const again = await new HttpSession(lift.url).post('/auth/email/verify', { token });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { code: string }).code).toBe('LIFT_INVALID_TOKEN');

    const loggedOut = browser.cookie;
    expect((await browser.post('/auth/logout')).status).toBe(204);
    expect(browser.cookie).toBeNull();
    expect((await browser.request('/me')).status).toBe(401);
    // The old cookie is dead on the server, not just forgotten by the client.
    browser.cookie = loggedOut;
    expect((await browser.request('/me')).status).toBe(401);

    const login = await browser.post('/auth/login', { email: 'grace@example.com', password: PASSWORD });
    expect(login.status).toBe(200);
    expect((await browser.request('/me')).status).toBe(200);
  });

  it('prints a one-time admin link on the first development start, and lift users create makes more', async () => {
    const lift = await startLift(APP);
    running.push(lift);
    // The link is logged just after "listening": wait for it rather than race it.
    const printed = await waitForOutput(lift, /(http:\/\/\S+\/auth\/password\/reset\?token=[A-Za-z0-9_-]+)/);
    const token = new URL(printed[1]!).searchParams.get('token');
    const admin = new HttpSession(lift.url);
    const set = await admin.post('/auth/password/reset', { token, new_password: PASSWORD });
    expect(set.status).toBe(200);
    expect((await admin.post('/auth/password/reset', { token, new_password: `${PASSWORD}!` })).status).toBe(
      400,
    );
    const login = await admin.post('/auth/login', { email: 'admin@lift.localhost', password: PASSWORD });
    expect(login.status).toBe(200);
    const users = await admin.request('/admin/api/users');
    expect(users.status).toBe(200);
    expect(((await users.json()) as { users: unknown[] }).users).toHaveLength(1);

    const created = await runLift(['users', 'create', '--email', 'ops@example.com', '--admin', ...APP], {
      LIFT_DATA_DIR: lift.dataDir,
    });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/Created ops@example\.com .* with the admin role/);
    expect(created.stdout).toMatch(/\/auth\/password\/reset\?token=/);
    const listed = (await (await admin.request('/admin/api/users?search=ops')).json()) as {
      users: Array<{ email: string }>;
    };
    expect(listed.users.map((user) => user.email)).toEqual(['ops@example.com']);

    // The second start finds users and prints no link.
    const restarted = await startLift(APP, { LIFT_DATA_DIR: lift.dataDir });
    running.push(restarted);
    expect(restarted.stdout()).not.toMatch(/password\/reset\?token=/);
  });
});
