import { afterEach, describe, expect, it } from 'vitest';
import { decodeBase32, generateTotp } from '../../src/identity/mfa/index.ts';
import { type AuthApp, Browser, startAuthApp } from '../support/auth-app.ts';
import { logIn, sessionStatus, signUpVerified, type VerifiedUser } from './verified-user.ts';

/**
 * `/admin/api/users*` as an administrator, a plain user and an anonymous caller see it, and what each admin
 * action does to the user's sessions and logins.
 */

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

let nextIp = 1;
/** A browser with its own client address, so the per-IP signup throttle never decides a test. */
function newBrowser(auth: AuthApp): Browser {
  nextIp += 1;
  return new Browser(auth.app, { ip: `203.0.113.${nextIp}` });
}

interface AdminSetup {
  auth: AuthApp;
  admin: Browser;
  adminUser: VerifiedUser;
  browser: Browser;
  user: VerifiedUser;
}

async function adminAndUser(): Promise<AdminSetup> {
  const auth = await startAuthApp();
  env = auth;
  const admin = newBrowser(auth);
  const adminUser = await signUpVerified(admin, 'admin@example.com');
  await auth.app.identity.roles.grant(adminUser.userId, 'admin');
  auth.clock.advance(1_000);
  const browser = newBrowser(auth);
  const user = await signUpVerified(browser, 'user@example.com');
  return { auth, admin, adminUser, browser, user };
}

async function json<T>(response: Response): Promise<T> {
  expect(response.headers.get('content-type') ?? '').toContain('json');
  return (await response.json()) as T;
}

async function passwordHashOf(auth: AuthApp, userId: string): Promise<string> {
  const row = await auth.app.storage.sql.db
    .selectFrom('lift_users')
    .select('password_hash')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  expect(row.password_hash).toBeTruthy();
  return row.password_hash!;
}

function expectNoPasswordHash(text: string, hash: string): void {
  expect(text).not.toContain(hash);
  expect(text).not.toContain('$argon2');
  expect(text.toLowerCase()).not.toMatch(/password_?hash/);
}

interface UserList {
  users: Array<{ id: string; email: string }>;
  next_cursor: string | null;
}

interface AdminUserView {
  id: string;
  email: string;
  status: string;
  mfa_enabled: boolean;
  sessions: Array<{ id: string }>;
}

describe('admin API access', () => {
  it('answers 401 to anonymous callers and 403 to non-admins on every route, changing nothing', async () => {
    const { auth, admin, adminUser, browser, user } = await adminAndUser();
    const routes: Array<[method: string, path: string]> = [
      ['GET', '/admin/api/users'],
      ['GET', `/admin/api/users/${adminUser.userId}`],
      ['POST', `/admin/api/users/${adminUser.userId}/disable`],
      ['POST', `/admin/api/users/${adminUser.userId}/enable`],
      ['POST', `/admin/api/users/${adminUser.userId}/sessions/revoke`],
      ['POST', `/admin/api/users/${adminUser.userId}/mfa/reset`],
      ['POST', `/admin/api/users/${adminUser.userId}/unlock`],
      ['POST', `/admin/api/users/${user.userId}/sessions/revoke`],
    ];
    const anonymous = newBrowser(auth);
    for (const [method, path] of routes) {
      const init = method === 'POST' ? { method, json: {} } : { method };
      const unauthenticated = await anonymous.request(path, init);
      expect(unauthenticated.status, `${method} ${path} anonymous`).toBe(401);
      expect(await json<{ code: string }>(unauthenticated)).toMatchObject({ code: 'LIFT_UNAUTHENTICATED' });
      const forbidden = await browser.request(path, init);
      expect(forbidden.status, `${method} ${path} as a user`).toBe(403);
      expect(await json<{ code: string }>(forbidden)).toMatchObject({ code: 'LIFT_PERMISSION_DENIED' });
    }
    expect(await sessionStatus(admin)).toBe(200);
    expect(await sessionStatus(browser)).toBe(200);
    const view = await admin.request(`/admin/api/users/${adminUser.userId}`);
    expect(view.status).toBe(200);
    expect(await json<AdminUserView>(view)).toMatchObject({ status: 'active' });
    expect(auth.events.filter((event) => event.type === 'access.denied')).toHaveLength(routes.length);
  });
});

describe('listing users', () => {
  it('pages through every user newest first with a cursor, and searches', async () => {
    const { auth, admin } = await adminAndUser();
    for (const name of ['alice', 'bob', 'carol']) {
      auth.clock.advance(1_000);
      await signUpVerified(newBrowser(auth), `${name}@example.com`);
    }
    const expected = [
      'carol@example.com',
      'bob@example.com',
      'alice@example.com',
      'user@example.com',
      'admin@example.com',
    ];

    const seen: string[] = [];
    const pages: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const response = await admin.request(`/admin/api/users?limit=2${query}`);
      expect(response.status, await response.clone().text()).toBe(200);
      const text = await response.text();
      expect(text).not.toContain('$argon2');
      const page = JSON.parse(text) as UserList;
      pages.push(page.users.length);
      seen.push(...page.users.map((listed) => listed.email));
      cursor = page.next_cursor;
    } while (cursor !== null && pages.length < 10);
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual(expected);

    const search = await admin.request('/admin/api/users?search=BOB');
    expect(search.status).toBe(200);
    const found = await json<UserList>(search);
    expect(found.users.map((listed) => listed.email)).toEqual(['bob@example.com']);
    expect(found.next_cursor).toBeNull();

    const none = await json<UserList>(await admin.request('/admin/api/users?search=nobody'));
    expect(none.users).toEqual([]);
  });

  it('shows one user with sessions and mfa_enabled and without any password hash', async () => {
    const { auth, admin, browser, user } = await adminAndUser();
    const second = newBrowser(auth);
    const login = await logIn(second, user.email);
    expect(login.status).toBe(200);
    const secondSessionId = (await json<{ session: { id: string } }>(login)).session.id;

    const response = await admin.request(`/admin/api/users/${user.userId}`);
    expect(response.status, await response.clone().text()).toBe(200);
    const text = await response.text();
    expectNoPasswordHash(text, await passwordHashOf(auth, user.userId));
    const view = JSON.parse(text) as AdminUserView;
    expect(view).toMatchObject({ id: user.userId, email: user.email, status: 'active', mfa_enabled: false });
    expect(view.sessions.map((session) => session.id).sort()).toEqual(
      [user.sessionId, secondSessionId].sort(),
    );
    expect(await sessionStatus(browser)).toBe(200);

    const unknown = await admin.request('/admin/api/users/no-such-user');
    expect(unknown.status).toBe(404);
  });
});

describe('admin actions', () => {
  it('disable ends the user’s sessions at once and refuses logins; enable lets them log in again', async () => {
    const { auth, admin, adminUser, browser, user } = await adminAndUser();
    const phone = newBrowser(auth);
    expect((await logIn(phone, user.email)).status).toBe(200);
    expect(await sessionStatus(browser)).toBe(200);
    expect(await sessionStatus(phone)).toBe(200);

    const disable = await admin.post(`/admin/api/users/${user.userId}/disable`);
    expect(disable.status, await disable.clone().text()).toBe(200);
    expect(await json<{ user: { status: string } }>(disable)).toMatchObject({ user: { status: 'disabled' } });
    expect(await sessionStatus(browser)).toBe(401);
    expect(await sessionStatus(phone)).toBe(401);
    const refused = await logIn(newBrowser(auth), user.email);
    expect(refused.status).toBe(401);
    expect(await json<{ code: string }>(refused)).toMatchObject({ code: 'LIFT_INVALID_CREDENTIALS' });
    const disabled = auth.events.filter((event) => event.type === 'user.disabled');
    expect(disabled).toHaveLength(1);
    expect(disabled[0]).toMatchObject({
      actor: adminUser.userId,
      subject: user.userId,
      data: { sessionsEnded: 2 },
    });

    const enable = await admin.post(`/admin/api/users/${user.userId}/enable`);
    expect(enable.status, await enable.clone().text()).toBe(200);
    expect(await json<{ user: { status: string } }>(enable)).toMatchObject({ user: { status: 'active' } });
    const again = newBrowser(auth);
    const login = await logIn(again, user.email);
    expect(login.status, await login.clone().text()).toBe(200);
    expect(await sessionStatus(again)).toBe(200);
    expect(await sessionStatus(browser)).toBe(401);
    expect(auth.events.filter((event) => event.type === 'user.enabled')).toHaveLength(1);
  });

  it('sessions/revoke ends every session of the user and leaves the admin’s', async () => {
    const { auth, admin, browser, user } = await adminAndUser();
    const phone = newBrowser(auth);
    expect((await logIn(phone, user.email)).status).toBe(200);

    const revoke = await admin.post(`/admin/api/users/${user.userId}/sessions/revoke`);
    expect(revoke.status, await revoke.clone().text()).toBe(200);
    expect(await json<{ revoked: number }>(revoke)).toEqual({ revoked: 2 });
    expect(await sessionStatus(browser)).toBe(401);
    expect(await sessionStatus(phone)).toBe(401);
    expect(await sessionStatus(admin)).toBe(200);
    const view = await json<AdminUserView>(await admin.request(`/admin/api/users/${user.userId}`));
    expect(view.sessions).toEqual([]);

    const login = await logIn(browser, user.email);
    expect(login.status).toBe(200);
    expect(await sessionStatus(browser)).toBe(200);
  });

  it('mfa/reset removes the user’s TOTP factor', async () => {
    const { auth, admin, adminUser, browser, user } = await adminAndUser();
    const enroll = await browser.post('/auth/mfa/totp/enroll');
    expect(enroll.status, await enroll.clone().text()).toBe(200);
    const { secret } = await json<{ secret: string }>(enroll);
    const code = generateTotp(decodeBase32(secret), { clock: auth.clock });
    const confirm = await browser.post('/auth/mfa/totp/confirm', { code });
    expect(confirm.status, await confirm.clone().text()).toBe(200);

    const challenged = await logIn(newBrowser(auth), user.email);
    expect(challenged.status).toBe(200);
    expect(await json<{ mfa_required?: boolean }>(challenged)).toMatchObject({ mfa_required: true });
    const before = await json<AdminUserView>(await admin.request(`/admin/api/users/${user.userId}`));
    expect(before.mfa_enabled).toBe(true);

    const reset = await admin.post(`/admin/api/users/${user.userId}/mfa/reset`);
    expect(reset.status, await reset.clone().text()).toBe(200);
    expect(await json<{ removed: boolean }>(reset)).toEqual({ removed: true });
    const after = await json<AdminUserView>(await admin.request(`/admin/api/users/${user.userId}`));
    expect(after.mfa_enabled).toBe(false);
    expect(await sessionStatus(browser)).toBe(401);
    expect(auth.events.filter((event) => event.type === 'auth.mfa.reset')).toEqual([
      expect.objectContaining({ actor: adminUser.userId, subject: user.userId }),
    ]);

    const fresh = newBrowser(auth);
    const login = await logIn(fresh, user.email);
    expect(login.status, await login.clone().text()).toBe(200);
    const body = await json<{ mfa_required?: boolean; session?: { id: string } }>(login);
    expect(body.mfa_required).toBeUndefined();
    expect(body.session?.id).toEqual(expect.any(String));
    expect(await sessionStatus(fresh)).toBe(200);
  });
});

describe('unlocking an account', () => {
  const WRONG_PASSWORD = 'definitely not the password 0';

  /** Five wrong passwords from five addresses: the lockout, not the per-IP throttle, refuses the right one. */
  async function lockOut(auth: AuthApp, email: string): Promise<void> {
    for (let i = 0; i < 5; i += 1) {
      const wrong = await newBrowser(auth).post('/auth/login', { email, password: WRONG_PASSWORD });
      expect(wrong.status).toBe(401);
    }
    await expectRefused(auth, email);
  }

  async function expectRefused(auth: AuthApp, email: string): Promise<void> {
    const refused = await logIn(newBrowser(auth), email);
    expect(refused.status).toBe(401);
    expect(await json<{ code: string }>(refused)).toMatchObject({ code: 'LIFT_INVALID_CREDENTIALS' });
  }

  it('lets the right password in at once, refused to a non-admin, and says who unlocked whom', async () => {
    const { auth, admin, adminUser, browser, user } = await adminAndUser();
    await lockOut(auth, user.email);

    const bystander = newBrowser(auth);
    await signUpVerified(bystander, 'bystander@example.com');
    const forbidden = await bystander.post(`/admin/api/users/${user.userId}/unlock`);
    expect(forbidden.status).toBe(403);
    expect(await json<{ code: string }>(forbidden)).toMatchObject({ code: 'LIFT_PERMISSION_DENIED' });
    await expectRefused(auth, user.email);

    const unlock = await admin.post(`/admin/api/users/${user.userId}/unlock`);
    expect(unlock.status, await unlock.clone().text()).toBe(200);
    expect(await json<{ user: { id: string; status: string } }>(unlock)).toMatchObject({
      user: { id: user.userId, status: 'active' },
    });
    const login = await logIn(newBrowser(auth), user.email);
    expect(login.status, await login.clone().text()).toBe(200);
    expect(await sessionStatus(browser)).toBe(200);
    expect(auth.events.filter((event) => event.type === 'auth.lockout.cleared')).toEqual([
      expect.objectContaining({
        actor: adminUser.userId,
        subject: user.userId,
        data: { resetRequiredWaived: false },
      }),
    ]);

    const unknown = await admin.post('/admin/api/users/no-such-user/unlock');
    expect(unknown.status).toBe(404);
    expect(await json<{ code: string }>(unknown)).toMatchObject({ code: 'LIFT_NOT_FOUND' });
  });

  it('waives a required password reset', async () => {
    const { auth, admin, user } = await adminAndUser();
    await auth.app.identity.users.requirePasswordReset(user.userId);
    await expectRefused(auth, user.email);

    const unlock = await admin.post(`/admin/api/users/${user.userId}/unlock`);
    expect(unlock.status, await unlock.clone().text()).toBe(200);
    const view = await json<{ password_reset_required: boolean }>(
      await admin.request(`/admin/api/users/${user.userId}`),
    );
    expect(view.password_reset_required).toBe(false);
    expect((await logIn(newBrowser(auth), user.email)).status).toBe(200);
    expect(auth.events.filter((event) => event.type === 'auth.lockout.cleared')).toEqual([
      expect.objectContaining({ data: { resetRequiredWaived: true } }),
    ]);
  });

  it('ends attempts left in flight by settlements the store lost', async () => {
    const { auth, admin, user } = await adminAndUser();
    // Five admitted attempts that are never settled, as when the store failed between the check and its
    // outcome: for a minute or two the account refuses every guess, the right password included.
    for (let i = 0; i < 5; i += 1) {
      expect(await auth.app.module('identity').deps.lockout.reserve(user.userId)).toMatchObject({
        admitted: true,
      });
    }
    await expectRefused(auth, user.email);

    expect((await admin.post(`/admin/api/users/${user.userId}/unlock`)).status).toBe(200);
    expect((await logIn(newBrowser(auth), user.email)).status).toBe(200);
  });
});
