import { afterEach, describe, expect, it } from 'vitest';
import { openSecret } from '../../src/core/crypto/secret-box.ts';
import { decodeBase32, generateTotp } from '../../src/identity/mfa/index.ts';
import { type AuthApp, Browser, GOOD_PASSWORD, startAuthApp, tokenFromMail } from '../support/auth-app.ts';
import {
  currentSession,
  enrolled,
  json,
  STEP,
  SUBJECTS,
  settle,
  signUpVerified,
  startMfaLogin,
  waitForMail,
  wrongCode,
} from './identity-steps.ts';

const MINUTE = 60_000;
const NEW_PASSWORD = 'velvet otter juggles lanterns 77';

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function start(): Promise<AuthApp> {
  env = await startAuthApp();
  return env;
}

function verifyMfa(browser: Browser, mfaToken: string, factor: { code?: string; recovery_code?: string }) {
  return browser.post('/auth/mfa/verify', { mfa_token: mfaToken, ...factor });
}

describe('TOTP enrollment', () => {
  it('needs a fresh session', async () => {
    const auth = await start();
    const { app, clock } = auth;
    const { browser } = await signUpVerified(auth, 'amy@example.com');
    clock.advance(app.config.auth.freshMs + 1);

    const stale = await browser.post('/auth/mfa/totp/enroll');
    expect(stale.status).toBe(403);
    expect(await json(stale)).toMatchObject({ code: 'LIFT_REAUTH_REQUIRED' });
    expect(await app.module('identity').deps.mfa.get((await currentSession(browser)).user.id)).toBeNull();

    expect((await browser.post('/auth/reauth', { password: GOOD_PASSWORD })).status).toBe(200);
    const fresh = await browser.post('/auth/mfa/totp/enroll');
    expect(fresh.status).toBe(200);
    expect(await fresh.json()).toMatchObject({
      secret: expect.stringMatching(/^[A-Z2-7]+$/),
      otpauth_uri: expect.stringMatching(/^otpauth:\/\/totp\//),
      qr_svg: expect.stringContaining('<svg'),
    });
  });

  it('confirms with a current code, returns ten recovery codes and rotates the session', async () => {
    const auth = await start();
    const { app, clock, events } = auth;
    const { browser, userId } = await signUpVerified(auth, 'bo@example.com');
    const enroll = await browser.post('/auth/mfa/totp/enroll');
    const secret = decodeBase32(((await enroll.json()) as { secret: string }).secret);
    const before = await currentSession(browser);
    const oldCookie = browser.cookie;

    const wrong = await browser.post('/auth/mfa/totp/confirm', { code: wrongCode(secret, clock) });
    expect(wrong.status).toBe(401);
    expect(await json(wrong)).toMatchObject({ code: 'LIFT_INVALID_MFA_CODE' });
    expect(browser.cookie).toBe(oldCookie);

    const confirm = await browser.post('/auth/mfa/totp/confirm', { code: generateTotp(secret, { clock }) });
    expect(confirm.status, await confirm.clone().text()).toBe(200);
    const { recovery_codes: codes } = (await confirm.json()) as { recovery_codes: string[] };
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);

    expect(browser.cookie).not.toBeNull();
    expect(browser.cookie).not.toBe(oldCookie);
    const after = await currentSession(browser);
    expect(after.id).not.toBe(before.id);
    expect(after.amr).toContain('otp');
    const holdsOldCookie = new Browser(app);
    holdsOldCookie.cookie = oldCookie;
    expect((await holdsOldCookie.request('/auth/session')).status).toBe(401);

    await settle(auth.app);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'auth.mfa.failed', actor: userId, reason: 'enrollment_code' }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'auth.mfa.enrolled', actor: userId, data: { factor: 'totp' } }),
    );
  });

  it('does not store the TOTP secret in clear', async () => {
    const auth = await start();
    const { app } = auth;
    const { userId, secret, base32 } = await enrolled(auth, 'cal@example.com');
    const row = await app.storage.sql.db
      .selectFrom('lift_mfa_factors')
      .selectAll()
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    expect(row.confirmed_at).not.toBeNull();
    // The row does hold this secret, sealed: the key opens it (so the checks below look for the right bytes).
    expect(
      openSecret(app.module('identity').deps.totpKey, row.secret_sealed, { associatedData: userId }),
    ).toEqual(secret);

    const stored = JSON.stringify(row);
    for (const form of [
      base32,
      base32.toLowerCase(),
      secret.toString('hex'),
      secret.toString('base64'),
      secret.toString('base64url'),
    ]) {
      expect(stored).not.toContain(form);
    }
    for (const part of row.secret_sealed.split('.')) {
      expect(Buffer.from(part, 'base64url').includes(secret)).toBe(false);
    }
  });
});

describe('login with TOTP', () => {
  it('asks for a code instead of setting a cookie, and a code works once', async () => {
    const auth = await start();
    const { clock, app, events } = auth;
    const { browser, secret, email, userId } = await enrolled(auth, 'dee@example.com');
    expect((await browser.post('/auth/logout')).status).toBe(204);

    clock.advance(STEP);
    const mfaToken = await startMfaLogin(browser, email);
    expect(browser.cookie).toBeNull();
    expect((await browser.request('/auth/session')).status).toBe(401);

    const code = generateTotp(secret, { clock });
    const verified = await verifyMfa(browser, mfaToken, { code });
    expect(verified.status, await verified.clone().text()).toBe(200);
    expect(browser.cookie).not.toBeNull();
    const session = await currentSession(browser);
    expect(session.amr).toEqual(expect.arrayContaining(['pwd', 'otp']));

    // The same code on the next login's MFA step is a replay.
    const other = new Browser(app, { ip: '203.0.113.60' });
    const secondToken = await startMfaLogin(other, email);
    const replay = await verifyMfa(other, secondToken, { code });
    expect(replay.status).toBe(401);
    expect(await json(replay)).toMatchObject({ code: 'LIFT_INVALID_MFA_CODE' });
    expect(other.cookie).toBeNull();
    await settle(auth.app);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'auth.mfa.failed', subject: userId, reason: 'wrong_code' }),
    );

    clock.advance(STEP);
    const next = await verifyMfa(other, secondToken, { code: generateTotp(secret, { clock }) });
    expect(next.status, await next.clone().text()).toBe(200);
    expect(other.cookie).not.toBeNull();
    expect((await currentSession(other)).amr).toContain('otp');
  });

  it('accepts a recovery code once', async () => {
    const auth = await start();
    const { events } = auth;
    const { browser, email, recoveryCodes, userId } = await enrolled(auth, 'eli@example.com');
    const [first, second] = recoveryCodes;
    await browser.post('/auth/logout');

    const token = await startMfaLogin(browser, email);
    const used = await verifyMfa(browser, token, { recovery_code: first });
    expect(used.status, await used.clone().text()).toBe(200);
    expect((await currentSession(browser)).amr).toContain('otp');
    await browser.post('/auth/logout');

    const again = await startMfaLogin(browser, email);
    const reused = await verifyMfa(browser, again, { recovery_code: first });
    expect(reused.status).toBe(401);
    expect(await json(reused)).toMatchObject({ code: 'LIFT_INVALID_MFA_CODE' });
    expect((await verifyMfa(browser, again, { recovery_code: second })).status).toBe(200);

    await settle(auth.app);
    expect(
      events.filter((event) => event.type === 'auth.mfa.recovery_code_used' && event.actor === userId),
    ).toHaveLength(2);
  });

  it('kills the MFA token after five wrong codes', async () => {
    const auth = await start();
    const { clock, events } = auth;
    const { browser, email, secret } = await enrolled(auth, 'flo@example.com');
    await browser.post('/auth/logout');
    // A new throttle window and TOTP step: the confirmation's code and its hits are behind us.
    clock.advance(MINUTE);

    const token = await startMfaLogin(browser, email);
    const bad = wrongCode(secret, clock);
    const codes: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const response = await verifyMfa(browser, token, { code: bad });
      expect(response.status).toBe(401);
      codes.push(String((await json(response)).code));
    }
    expect(codes).toEqual([
      'LIFT_INVALID_MFA_CODE',
      'LIFT_INVALID_MFA_CODE',
      'LIFT_INVALID_MFA_CODE',
      'LIFT_INVALID_MFA_CODE',
      'LIFT_INVALID_MFA_TOKEN',
    ]);

    const good = generateTotp(secret, { clock });
    const dead = await verifyMfa(browser, token, { code: good });
    expect(dead.status).toBe(401);
    expect(await json(dead)).toMatchObject({ code: 'LIFT_INVALID_MFA_TOKEN' });
    expect(browser.cookie).toBeNull();

    // Five wrong codes are also five failures of the account: it is locked for a minute, then a new login
    // accepts a good code.
    const locked = await browser.post('/auth/login', { email, password: GOOD_PASSWORD });
    expect(await json(locked)).toMatchObject({ code: 'LIFT_INVALID_CREDENTIALS' });
    clock.advance(MINUTE);
    const fresh = await startMfaLogin(browser, email);
    expect((await verifyMfa(browser, fresh, { code: generateTotp(secret, { clock }) })).status).toBe(200);
    await settle(auth.app);
    expect(events.filter((event) => event.type === 'auth.mfa.failed').map((event) => event.reason)).toEqual([
      'wrong_code',
      'wrong_code',
      'wrong_code',
      'wrong_code',
      'attempts_exhausted',
    ]);
  });
});

describe('password reset with TOTP', () => {
  it('needs a valid code besides the link', async () => {
    const auth = await start();
    const { app, clock, mail, events } = auth;
    const { email, secret, userId } = await enrolled(auth, 'gus@example.com');
    const client = new Browser(app, { ip: '203.0.113.70' });
    expect((await client.post('/auth/password/forgot', { email })).status).toBe(202);
    await waitForMail(auth, email, SUBJECTS.reset);
    const token = tokenFromMail(mail, email, '/auth/password/reset');

    const missing = await client.post('/auth/password/reset', { token, new_password: NEW_PASSWORD });
    expect(missing.status).toBe(401);
    expect(await json(missing)).toMatchObject({ code: 'LIFT_MFA_REQUIRED' });

    clock.advance(STEP);
    const wrong = await client.post('/auth/password/reset', {
      token,
      new_password: NEW_PASSWORD,
      code: wrongCode(secret, clock),
    });
    expect(wrong.status).toBe(401);
    expect(await json(wrong)).toMatchObject({ code: 'LIFT_INVALID_MFA_CODE' });
    const unchanged = await client.post('/auth/login', { email, password: NEW_PASSWORD });
    expect(unchanged.status).toBe(401);

    const ok = await client.post('/auth/password/reset', {
      token,
      new_password: NEW_PASSWORD,
      code: generateTotp(secret, { clock }),
    });
    expect(ok.status, await ok.clone().text()).toBe(200);
    // The new password works and the account still asks for its second factor.
    await startMfaLogin(new Browser(app), email, NEW_PASSWORD);
    await settle(auth.app);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'auth.mfa.failed', subject: userId, reason: 'reset_code' }),
    );
  });
});

describe('managing TOTP', () => {
  it('turns MFA off with a valid code; login then gives a session directly', async () => {
    const auth = await start();
    const { app, clock } = auth;
    const { browser, email, secret } = await enrolled(auth, 'hix@example.com');
    clock.advance(STEP);

    const wrong = await browser.request('/auth/mfa/totp', {
      method: 'DELETE',
      json: { code: wrongCode(secret, clock) },
    });
    expect(wrong.status).toBe(401);
    expect(await json(wrong)).toMatchObject({ code: 'LIFT_INVALID_MFA_CODE' });
    expect((await startMfaLogin(new Browser(app), email)).length).toBeGreaterThan(0);

    const removed = await browser.request('/auth/mfa/totp', {
      method: 'DELETE',
      json: { code: generateTotp(secret, { clock }) },
    });
    expect(removed.status, await removed.clone().text()).toBe(204);

    const plain = new Browser(app);
    const login = await plain.post('/auth/login', { email, password: GOOD_PASSWORD });
    expect(login.status).toBe(200);
    expect(await login.json()).not.toHaveProperty('mfa_required');
    expect(plain.cookie).not.toBeNull();
    expect((await currentSession(plain)).amr).toEqual(['pwd']);
  });

  it('regenerates recovery codes and the old ones stop working', async () => {
    const auth = await start();
    const { app } = auth;
    const { browser, email, recoveryCodes: old } = await enrolled(auth, 'ivy@example.com');

    const regenerate = await browser.post('/auth/mfa/recovery-codes/regenerate');
    expect(regenerate.status, await regenerate.clone().text()).toBe(200);
    const { recovery_codes: fresh } = (await regenerate.json()) as { recovery_codes: string[] };
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((code) => old.includes(code))).toEqual([]);

    const client = new Browser(app);
    const token = await startMfaLogin(client, email);
    const stale = await verifyMfa(client, token, { recovery_code: old[0] });
    expect(stale.status).toBe(401);
    expect(await json(stale)).toMatchObject({ code: 'LIFT_INVALID_MFA_CODE' });
    expect((await verifyMfa(client, token, { recovery_code: fresh[0] })).status).toBe(200);
  });
});
