import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLift } from '../../src/app/create-lift.ts';
import { requireAuth } from '../../src/core/authenticate.ts';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import { LiftConfigError } from '../../src/core/errors.ts';
import { type AuthApp, Browser, GOOD_PASSWORD, startAuthApp } from '../support/auth-app.ts';
import { browserWithCookie, logIn, sessionStatus, signUpVerified } from './verified-user.ts';

/**
 * The session lifecycle as a browser sees it: the cookie, rotation at login, idle and absolute expiry,
 * sliding renewal, the user's session list, per-user caps, anomaly binding, CSRF and the purge task.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function start(config: LiftConfigInput = {}): Promise<AuthApp> {
  env = await startAuthApp(config);
  return env;
}

interface SetCookie {
  name: string;
  value: string;
  /** Attribute names and `name=value` pairs, lower-cased. */
  attributes: string[];
}

function parseSetCookie(line: string): SetCookie {
  const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
  const equals = pair.indexOf('=');
  return {
    name: pair.slice(0, equals),
    value: pair.slice(equals + 1),
    attributes: attributes.map((attribute) => attribute.toLowerCase()),
  };
}

function sessionCookieOf(response: Response, name: string): SetCookie {
  const cookies = response.headers.getSetCookie().map(parseSetCookie);
  const matching = cookies.filter((cookie) => cookie.name === name);
  expect(matching, `Set-Cookie headers: ${JSON.stringify(cookies)}`).toHaveLength(1);
  return matching[0]!;
}

function sha256Encodings(value: string): string[] {
  const digest = createHash('sha256').update(value).digest();
  return [digest.toString('base64url'), digest.toString('hex'), digest.toString('base64')];
}

async function sessionRows(auth: AuthApp) {
  return auth.app.storage.sql.db.selectFrom('lift_sessions').selectAll().execute();
}

async function json<T>(response: Response): Promise<T> {
  expect(response.headers.get('content-type') ?? '').toContain('json');
  return (await response.json()) as T;
}

function eventsOf(auth: AuthApp, type: string) {
  return auth.events.filter((event) => event.type === type);
}

/** Lets memory-broker deliveries (queued microtasks and the ticks after them) reach the recorded events. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('the session cookie', () => {
  it('is lift_session, HttpOnly, SameSite=Lax, Path=/ and not Secure outside production', async () => {
    const auth = await start();
    const browser = new Browser(auth.app);
    await signUpVerified(browser, 'cookie@example.com');
    const response = await logIn(browser, 'cookie@example.com');
    expect(response.status, await response.clone().text()).toBe(200);

    const cookie = sessionCookieOf(response, 'lift_session');
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie.attributes).toContain('httponly');
    expect(cookie.attributes).toContain('samesite=lax');
    expect(cookie.attributes).toContain('path=/');
    expect(cookie.attributes).toContain(`max-age=${(30 * DAY) / 1000}`);
    expect(cookie.attributes).not.toContain('secure');
    expect(cookie.attributes.some((attribute) => attribute.startsWith('domain='))).toBe(false);
  });

  it('is __Host-lift_session with Secure in production', async () => {
    const auth = await start({
      env: 'production',
      secret: randomBytes(32).toString('base64'),
      auth: { publicUrl: 'https://app.example.com' },
      storage: { migrate: 'auto' },
    });
    const browser = new Browser(auth.app);
    await signUpVerified(browser, 'prod@example.com');
    const response = await logIn(browser, 'prod@example.com');
    expect(response.status, await response.clone().text()).toBe(200);

    const names = response.headers.getSetCookie().map((line) => parseSetCookie(line).name);
    expect(names).not.toContain('lift_session');
    const cookie = sessionCookieOf(response, '__Host-lift_session');
    expect(cookie.attributes).toContain('secure');
    expect(cookie.attributes).toContain('httponly');
    expect(cookie.attributes).toContain('samesite=lax');
    expect(cookie.attributes).toContain('path=/');
    expect(cookie.attributes.some((attribute) => attribute.startsWith('domain='))).toBe(false);
    expect(await sessionStatus(browser)).toBe(200);
  });

  it('createLift refuses a cookie without Secure or without the __Host- prefix in production', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lift-cookie-config-'));
    try {
      const production = (sessions: LiftConfigInput['sessions']) =>
        createLift({
          env: 'production',
          dataDir,
          log: { level: 'silent' },
          secret: randomBytes(32).toString('base64'),
          auth: { publicUrl: 'https://app.example.com' },
          // Production refuses to build without a mail destination; the refusals below are about the cookie.
          mail: { url: `file:${join(dataDir, 'mail')}` },
          sessions,
        });
      expect(() => production({ cookie: { secure: 'never' } })).toThrow(LiftConfigError);
      expect(() => production({ cookie: { name: 'lift_session' } })).toThrow(LiftConfigError);
      expect(() => production({ cookie: { name: 'session', secure: 'always' } })).toThrow(LiftConfigError);
      // The same settings with a __Host- name are accepted, so the refusals above are about the name.
      expect(() => production({ cookie: { name: '__Host-custom', secure: 'always' } })).not.toThrow();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('session tokens at rest', () => {
  it('stores only the SHA-256 of the token, never the cookie value', async () => {
    const auth = await start();
    const browser = new Browser(auth.app);
    const user = await signUpVerified(browser, 'hash@example.com');
    const token = browser.cookie!;

    const rows = await sessionRows(auth);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.id).toBe(user.sessionId);
    expect(sha256Encodings(token)).toContain(row.token_hash);
    for (const [column, value] of Object.entries(row)) {
      expect(String(value), `column ${column}`).not.toContain(token);
    }
  });
});

describe('login rotation', () => {
  it('issues a new session id and token at each login and ends the session the browser presented', async () => {
    const auth = await start();
    const browser = new Browser(auth.app);
    const user = await signUpVerified(browser, 'rotate@example.com');
    const first = browser.cookie!;

    const second = await logIn(browser, user.email);
    expect(second.status, await second.clone().text()).toBe(200);
    const secondId = (await json<{ session: { id: string } }>(second)).session.id;
    const secondCookie = browser.cookie!;
    expect(secondId).not.toBe(user.sessionId);
    expect(secondCookie).not.toBe(first);

    const third = await logIn(browser, user.email);
    expect(third.status, await third.clone().text()).toBe(200);
    const thirdId = (await json<{ session: { id: string } }>(third)).session.id;
    expect(new Set([user.sessionId, secondId, thirdId]).size).toBe(3);
    expect(browser.cookie).not.toBe(secondCookie);

    expect(await sessionStatus(browserWithCookie(auth.app, first))).toBe(401);
    expect(await sessionStatus(browserWithCookie(auth.app, secondCookie))).toBe(401);
    expect(await sessionStatus(browser)).toBe(200);
  });

  it('never promotes a made-up cookie value to a session', async () => {
    const auth = await start();
    const owner = new Browser(auth.app);
    const user = await signUpVerified(owner, 'fixation@example.com');

    const planted = 'A'.repeat(43);
    const victim = browserWithCookie(auth.app, planted);
    const response = await logIn(victim, user.email);
    expect(response.status, await response.clone().text()).toBe(200);
    expect(victim.cookie).not.toBeNull();
    expect(victim.cookie).not.toBe(planted);
    expect(await sessionStatus(victim)).toBe(200);

    expect(await sessionStatus(browserWithCookie(auth.app, planted))).toBe(401);
    const hashes = (await sessionRows(auth)).map((row) => row.token_hash);
    for (const encoding of sha256Encodings(planted)) expect(hashes).not.toContain(encoding);
  });
});

describe('expiry', () => {
  it('ends a session unused for sessions.idleTimeoutMs', async () => {
    const idle = 30 * MINUTE;
    const auth = await start({ sessions: { idleTimeoutMs: idle } });
    const browser = new Browser(auth.app);
    await signUpVerified(browser, 'idle@example.com');

    auth.clock.advance(idle - 1);
    expect(await sessionStatus(browser)).toBe(200);
    auth.clock.advance(idle);
    expect(await sessionStatus(browser)).toBe(401);
  });

  it('slides with use past 24 h and writes last_seen_at at most once per minute', async () => {
    const auth = await start();
    const browser = new Browser(auth.app);
    const user = await signUpVerified(browser, 'sliding@example.com');
    const lastSeen = async () => {
      const row = await auth.app.storage.sql.db
        .selectFrom('lift_sessions')
        .select('last_seen_at')
        .where('id', '=', user.sessionId)
        .executeTakeFirstOrThrow();
      return Number(row.last_seen_at);
    };
    const written = new Set<number>([await lastSeen()]);
    const started = auth.clock.now();

    // Every 10 minutes a burst of three requests 20 s apart: one renewal per burst, none within it.
    const steps = 150;
    for (let step = 0; step < steps; step++) {
      auth.clock.advance(10 * MINUTE - MINUTE);
      for (let request = 0; request < 3; request++) {
        expect(await sessionStatus(browser)).toBe(200);
        written.add(await lastSeen());
        auth.clock.advance(20_000);
      }
    }
    expect(auth.clock.now() - started).toBeGreaterThan(DAY);
    expect(await sessionStatus(browser)).toBe(200);

    expect(written.size).toBe(steps + 1);
    const sorted = [...written].sort((a, b) => a - b);
    for (let index = 1; index < sorted.length; index++) {
      expect(sorted[index]! - sorted[index - 1]!).toBeGreaterThanOrEqual(MINUTE);
    }
  });

  it('ends a session after 30 days even with constant use', async () => {
    const auth = await start();
    const browser = new Browser(auth.app);
    await signUpVerified(browser, 'absolute@example.com');

    for (let step = 1; step < 60; step++) {
      auth.clock.advance(12 * HOUR);
      expect(await sessionStatus(browser)).toBe(200);
    }
    auth.clock.advance(12 * HOUR - 1);
    expect(await sessionStatus(browser)).toBe(200);
    auth.clock.advance(1);
    expect(await sessionStatus(browser)).toBe(401);
  });
});

describe('the user’s sessions', () => {
  interface SessionList {
    sessions: Array<{ id: string; current: boolean; user_agent: string | null }>;
  }

  it('lists own sessions with the current one flagged, ignores other users’ ids, revokes the others', async () => {
    const auth = await start();
    const laptop = new Browser(auth.app);
    const user = await signUpVerified(laptop, 'owner@example.com');
    const phone = new Browser(auth.app, { userAgent: FIREFOX, ip: '198.51.100.8' });
    const phoneLogin = await logIn(phone, user.email);
    expect(phoneLogin.status, await phoneLogin.clone().text()).toBe(200);
    const phoneSessionId = (await json<{ session: { id: string } }>(phoneLogin)).session.id;
    const stranger = new Browser(auth.app);
    const strangerUser = await signUpVerified(stranger, 'stranger@example.com');

    const listed = await laptop.request('/auth/sessions');
    expect(listed.status).toBe(200);
    const sessions = (await json<SessionList>(listed)).sessions;
    expect(sessions.map((session) => session.id).sort()).toEqual([user.sessionId, phoneSessionId].sort());
    expect(sessions.filter((session) => session.current).map((session) => session.id)).toEqual([
      user.sessionId,
    ]);

    const foreign = await laptop.request(`/auth/sessions/${strangerUser.sessionId}`, { method: 'DELETE' });
    const unknown = await laptop.request('/auth/sessions/AAAAAAAAAAAAAAAAAAAAAA', { method: 'DELETE' });
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    // The same answer for an unknown id and another user's: nothing to learn about other sessions.
    const strip = (body: string) => body.replace(/"(request_id|instance)":"[^"]*"/g, '');
    expect(strip(await foreign.text())).toBe(strip(await unknown.text()));
    expect(await sessionStatus(stranger)).toBe(200);
    const strangerList = (await json<SessionList>(await stranger.request('/auth/sessions'))).sessions;
    expect(strangerList.map((session) => session.id)).toEqual([strangerUser.sessionId]);

    const revoke = await laptop.post('/auth/sessions/revoke-others');
    expect(revoke.status, await revoke.clone().text()).toBe(200);
    expect(await json<{ revoked: number }>(revoke)).toEqual({ revoked: 1 });
    expect(await sessionStatus(phone)).toBe(401);
    expect(await sessionStatus(laptop)).toBe(200);
    expect(await sessionStatus(stranger)).toBe(200);
    const after = (await json<SessionList>(await laptop.request('/auth/sessions'))).sessions;
    expect(after.map((session) => session.id)).toEqual([user.sessionId]);
  });

  it('with maxPerUser 2 and evict_oldest, a third login ends the oldest session', async () => {
    const auth = await start({ sessions: { maxPerUser: 2, maxPerUserPolicy: 'evict_oldest' } });
    const first = new Browser(auth.app);
    const user = await signUpVerified(first, 'evict@example.com');
    auth.clock.advance(1_000);
    const second = new Browser(auth.app);
    expect((await logIn(second, user.email)).status).toBe(200);
    auth.clock.advance(1_000);
    const third = new Browser(auth.app);
    const response = await logIn(third, user.email);
    expect(response.status, await response.clone().text()).toBe(200);

    expect(await sessionStatus(first)).toBe(401);
    expect(await sessionStatus(second)).toBe(200);
    expect(await sessionStatus(third)).toBe(200);
    await settle();
    const evictions = eventsOf(auth, 'session.revoked').filter((event) => event.reason === 'max_per_user');
    expect(evictions.map((event) => event.data?.sessionIds)).toEqual([[user.sessionId]]);
  });

  it('with maxPerUser 2 and deny_new, a third login is refused with 409 LIFT_SESSION_LIMIT', async () => {
    const auth = await start({ sessions: { maxPerUser: 2, maxPerUserPolicy: 'deny_new' } });
    const first = new Browser(auth.app);
    const user = await signUpVerified(first, 'deny@example.com');
    const second = new Browser(auth.app);
    expect((await logIn(second, user.email)).status).toBe(200);
    const third = new Browser(auth.app);
    const response = await logIn(third, user.email);

    expect(response.status).toBe(409);
    expect(await json<{ code: string }>(response)).toMatchObject({ code: 'LIFT_SESSION_LIMIT' });
    expect(third.cookie).toBeNull();
    expect(await sessionStatus(first)).toBe(200);
    expect(await sessionStatus(second)).toBe(200);
  });

  // Logging in again on a browser that holds one of the user's sessions replaces that session (login ends
  // the session the browser presents), so the number of sessions does not grow and the cap must not bite.
  it('with maxPerUser 2 and evict_oldest, logging in again on the same browser keeps the other device', async () => {
    const auth = await start({ sessions: { maxPerUser: 2, maxPerUserPolicy: 'evict_oldest' } });
    const laptop = new Browser(auth.app);
    const user = await signUpVerified(laptop, 'relogin-evict@example.com');
    auth.clock.advance(1_000);
    const phone = new Browser(auth.app);
    expect((await logIn(phone, user.email)).status).toBe(200);
    const phoneCookie = phone.cookie;
    auth.clock.advance(1_000);

    const again = await logIn(phone, user.email);
    expect(again.status, await again.clone().text()).toBe(200);
    expect(phone.cookie).not.toBe(phoneCookie);
    expect(await sessionStatus(phone)).toBe(200);
    expect(await sessionStatus(laptop)).toBe(200);
  });

  it('with maxPerUser 2 and deny_new, logging in again on the same browser is not refused', async () => {
    const auth = await start({ sessions: { maxPerUser: 2, maxPerUserPolicy: 'deny_new' } });
    const laptop = new Browser(auth.app);
    const user = await signUpVerified(laptop, 'relogin-deny@example.com');
    const phone = new Browser(auth.app);
    expect((await logIn(phone, user.email)).status).toBe(200);
    const phoneCookie = phone.cookie;

    const again = await logIn(phone, user.email);
    expect(again.status, await again.clone().text()).toBe(200);
    expect(phone.cookie).not.toBe(phoneCookie);
    expect(await sessionStatus(phone)).toBe(200);
    expect(await sessionStatus(laptop)).toBe(200);
  });
});

describe('anomaly binding', () => {
  it('record: a changed user-agent family emits one session.anomaly and the request succeeds', async () => {
    const auth = await start({ sessions: { binding: 'record' } });
    const firefox = new Browser(auth.app, { userAgent: FIREFOX });
    const user = await signUpVerified(firefox, 'record@example.com');
    const chrome = browserWithCookie(auth.app, firefox.cookie, { userAgent: CHROME });

    expect(await sessionStatus(chrome)).toBe(200);
    expect(await sessionStatus(chrome)).toBe(200);
    expect(await sessionStatus(firefox)).toBe(200);
    await settle();

    const anomalies = eventsOf(auth, 'session.anomaly');
    expect(anomalies).toHaveLength(1);
    expect(anomalies[0]).toMatchObject({
      actor: user.userId,
      reason: 'binding_changed',
      data: {
        sessionId: user.sessionId,
        expected: { uaFamily: 'firefox' },
        seen: { uaFamily: 'chrome' },
      },
    });
  });

  it('enforce: a changed user-agent family ends the session and emits session.anomaly', async () => {
    const auth = await start({ sessions: { binding: 'enforce' } });
    const firefox = new Browser(auth.app, { userAgent: FIREFOX });
    const user = await signUpVerified(firefox, 'enforce@example.com');
    expect(await sessionStatus(firefox)).toBe(200);
    const chrome = browserWithCookie(auth.app, firefox.cookie, { userAgent: CHROME });

    expect(await sessionStatus(chrome)).toBe(401);
    expect(await sessionStatus(firefox)).toBe(401);
    await settle();

    const anomalies = eventsOf(auth, 'session.anomaly');
    expect(anomalies.length).toBeGreaterThanOrEqual(1);
    expect(anomalies[0]).toMatchObject({
      actor: user.userId,
      reason: 'binding_enforced',
      data: { sessionId: user.sessionId, seen: { uaFamily: 'chrome' } },
    });
  });
});

describe('CSRF', () => {
  const PARTNER = 'https://partner.example';

  async function twoSessions(auth: AuthApp) {
    const browser = new Browser(auth.app);
    const user = await signUpVerified(browser, 'csrf@example.com');
    const other = new Browser(auth.app);
    expect((await logIn(other, user.email)).status).toBe(200);
    return { browser, other, user };
  }

  it('refuses a cookie-authenticated POST from a foreign Origin with 403 LIFT_CSRF', async () => {
    const auth = await start({ auth: { csrfAllowedOrigins: [PARTNER] } });
    const { browser, other, user } = await twoSessions(auth);

    const response = await browser.post(
      '/auth/sessions/revoke-others',
      {},
      { origin: 'https://evil.example' },
    );
    expect(response.status).toBe(403);
    expect(await json<{ code: string }>(response)).toMatchObject({ code: 'LIFT_CSRF' });
    expect(await sessionStatus(other)).toBe(200);
    await settle();
    const refused = eventsOf(auth, 'auth.csrf.refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ actor: user.userId });

    const crossSite = await browser.post(
      '/auth/sessions/revoke-others',
      {},
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    );
    expect(crossSite.status).toBe(403);
    expect(await sessionStatus(other)).toBe(200);
  });

  it('lets a cross-site POST from an allowlisted origin through', async () => {
    const auth = await start({ auth: { csrfAllowedOrigins: [PARTNER] } });
    const { browser, other } = await twoSessions(auth);
    const response = await browser.post(
      '/auth/sessions/revoke-others',
      {},
      { origin: PARTNER, 'sec-fetch-site': 'cross-site' },
    );
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await json<{ revoked: number }>(response)).toEqual({ revoked: 1 });
    expect(await sessionStatus(other)).toBe(401);
  });

  it('lets a same-origin POST through', async () => {
    const auth = await start();
    const { browser, other } = await twoSessions(auth);
    const response = await browser.post(
      '/auth/sessions/revoke-others',
      {},
      { origin: 'http://lift.test', 'sec-fetch-site': 'same-origin' },
    );
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await sessionStatus(other)).toBe(401);
  });

  it('lets a POST without Origin and Sec-Fetch-Site through (not a browser)', async () => {
    const auth = await start();
    const { browser, other } = await twoSessions(auth);
    const response = await browser.post('/auth/sessions/revoke-others');
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await sessionStatus(other)).toBe(401);
    await settle();
    expect(eventsOf(auth, 'auth.csrf.refused')).toHaveLength(0);
  });

  it('does not apply to bearer-authenticated requests', async () => {
    const auth = await start();
    auth.app.group('/t', requireAuth()).post('/x', () => ({ ok: true }));
    const browser = new Browser(auth.app);
    const user = await signUpVerified(browser, 'bearer@example.com');
    // A real access token, from a token login (no cookie involved).
    const login = await new Browser(auth.app).post('/auth/login', {
      email: user.email,
      password: GOOD_PASSWORD,
      response: 'tokens',
    });
    expect(login.status, await login.clone().text()).toBe(200);
    const { access_token: accessToken } = await json<{ access_token: string }>(login);

    const client = new Browser(auth.app);
    const bearer = await client.post(
      '/t/x',
      {},
      {
        authorization: `Bearer ${accessToken}`,
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
    );
    expect(bearer.status, await bearer.clone().text()).toBe(200);
    expect(await bearer.json()).toEqual({ ok: true });

    // The same request authenticated by the cookie instead is refused.
    const cookie = await browser.post(
      '/t/x',
      {},
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    );
    expect(cookie.status).toBe(403);
    expect(await json<{ code: string }>(cookie)).toMatchObject({ code: 'LIFT_CSRF' });
  });
});

describe('the purge task', () => {
  it('removes expired sessions and returns how many', async () => {
    const auth = await start();
    const first = new Browser(auth.app);
    const user = await signUpVerified(first, 'purge@example.com');
    const second = new Browser(auth.app);
    expect((await logIn(second, user.email)).status).toBe(200);
    const third = new Browser(auth.app);
    expect((await logIn(third, user.email)).status).toBe(200);
    expect(await sessionRows(auth)).toHaveLength(3);

    auth.clock.advance(12 * HOUR);
    expect(await sessionStatus(third)).toBe(200);
    auth.clock.advance(13 * HOUR);

    expect(await auth.app.identity.sessions.purge()).toBe(2);
    expect(await sessionRows(auth)).toHaveLength(1);
    expect(await auth.app.identity.sessions.purge()).toBe(0);
    expect(await sessionStatus(third)).toBe(200);
  });
});
