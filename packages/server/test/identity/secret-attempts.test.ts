import { afterEach, describe, expect, it } from 'vitest';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import type { LiftEvent } from '../../src/core/events.ts';
import { createUserWithLink } from '../../src/identity/bootstrap.ts';
import { decodeBase32, generateTotp } from '../../src/identity/mfa/index.ts';
import { type AuthApp, Browser, GOOD_PASSWORD, startAuthApp, tokenFromMail } from '../support/auth-app.ts';
import {
  enrolled,
  json,
  mailsTo,
  STEP,
  SUBJECTS,
  settle,
  signUpVerified,
  startMfaLogin,
  waitForMail,
  wrongCode,
} from './identity-steps.ts';

/**
 * Guessing a secret of an account that is already known — its password, a TOTP or recovery code, the current
 * password on change — is limited per account (the lockout) and per client address (the throttle), at every
 * route that checks one. Each test rotates the client address, so only the per-account limit can stop it.
 */

const MINUTE = 60_000;
const WRONG_PASSWORD = 'definitely not the password 0';
const NEW_PASSWORD = 'velvet otter juggles lanterns 77';

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function start(config: LiftConfigInput = {}): Promise<AuthApp> {
  env = await startAuthApp(config);
  return env;
}

let hosts = 0;
/** A client address never used before in this file (198.18.0.0/15 is set aside for tests). */
function freshIp(): string {
  hosts += 1;
  return `198.18.${Math.floor(hosts / 250)}.${(hosts % 250) + 1}`;
}

/** The same session, sent from another address. */
function from(browser: Browser, ip: string): Browser {
  const other = new Browser(browser.app, { ip });
  other.cookie = browser.cookie;
  return other;
}

function codeOf(response: Response): Promise<string> {
  return json(response).then((body) => String(body.code));
}

function ofType(events: LiftEvent[], type: string): LiftEvent[] {
  return events.filter((event) => event.type === type);
}

describe('second-factor guesses are counted per account', () => {
  it('21 logins × 5 wrong codes from rotating addresses: 5 are checked, then the right code is refused', async () => {
    const auth = await start();
    const { app, clock, events, mail } = auth;
    const { browser, email, secret, userId } = await enrolled(auth, 'ann@example.com');
    await browser.post('/auth/logout');
    clock.advance(MINUTE);

    const tokens: string[] = [];
    for (let i = 0; i < 21; i += 1)
      tokens.push(await startMfaLogin(new Browser(app, { ip: freshIp() }), email));
    const bad = wrongCode(secret, clock);
    const answers = new Set<number>();
    for (const token of tokens) {
      for (let i = 0; i < 5; i += 1) {
        const guess = await new Browser(app, { ip: freshIp() }).post('/auth/mfa/verify', {
          mfa_token: token,
          code: bad,
        });
        answers.add(guess.status);
      }
    }
    expect([...answers]).toEqual([401]);

    const attacker = new Browser(app, { ip: freshIp() });
    const right = await attacker.post('/auth/mfa/verify', {
      mfa_token: tokens.at(-1),
      code: generateTotp(secret, { clock }),
    });
    expect(right.status).toBe(401);
    expect(await codeOf(right)).toBe('LIFT_INVALID_MFA_CODE');
    expect(attacker.cookie).toBeNull();
    const login = await new Browser(app, { ip: freshIp() }).post('/auth/login', {
      email,
      password: GOOD_PASSWORD,
    });
    expect(await codeOf(login)).toBe('LIFT_INVALID_CREDENTIALS');

    await settle(app);
    const failed = ofType(events, 'auth.mfa.failed').filter((event) => event.subject === userId);
    expect(failed.filter((event) => event.reason !== 'locked')).toHaveLength(5);
    expect(failed.filter((event) => event.reason === 'locked')).toHaveLength(101);
    expect(ofType(events, 'auth.lockout')).toEqual([
      expect.objectContaining({
        subject: userId,
        reason: 'threshold',
        data: expect.objectContaining({ secret: 'second_factor' }),
      }),
    ]);
    expect(mailsTo(mail, email, SUBJECTS.lockout)).toHaveLength(1);

    // A lock, not a ban: once it ends, the owner's code works on a login still in progress.
    clock.advance(MINUTE);
    const owner = new Browser(app, { ip: freshIp() });
    const later = await owner.post('/auth/mfa/verify', {
      mfa_token: tokens.at(-1),
      code: generateTotp(secret, { clock }),
    });
    expect(later.status, await later.clone().text()).toBe(200);
    expect(owner.cookie).not.toBeNull();
  });

  it('a reset link dies after five wrong codes, and the password stays', async () => {
    const auth = await start();
    const { app, clock, events, mail } = auth;
    const { email, secret, userId } = await enrolled(auth, 'bea@example.com');
    expect((await new Browser(app, { ip: freshIp() }).post('/auth/password/forgot', { email })).status).toBe(
      202,
    );
    await waitForMail(auth, email, SUBJECTS.reset);
    const token = tokenFromMail(mail, email, '/auth/password/reset');
    clock.advance(STEP);

    const bad = wrongCode(secret, clock);
    const answers: string[] = [];
    for (let i = 0; i < 15; i += 1) {
      const guess = await new Browser(app, { ip: freshIp() }).post('/auth/password/reset', {
        token,
        new_password: NEW_PASSWORD,
        code: bad,
      });
      answers.push(await codeOf(guess));
    }
    expect(answers.slice(0, 5)).toEqual([
      'LIFT_INVALID_MFA_CODE',
      'LIFT_INVALID_MFA_CODE',
      'LIFT_INVALID_MFA_CODE',
      'LIFT_INVALID_MFA_CODE',
      'LIFT_INVALID_TOKEN',
    ]);
    expect(new Set(answers.slice(5))).toEqual(new Set(['LIFT_INVALID_TOKEN']));

    clock.advance(MINUTE);
    const right = await new Browser(app, { ip: freshIp() }).post('/auth/password/reset', {
      token,
      new_password: NEW_PASSWORD,
      code: generateTotp(secret, { clock }),
    });
    expect(right.status).toBe(400);
    expect(await codeOf(right)).toBe('LIFT_INVALID_TOKEN');
    // The old password still leads to the MFA step; the new one does not.
    await startMfaLogin(new Browser(app, { ip: freshIp() }), email);
    const withNew = await new Browser(app, { ip: freshIp() }).post('/auth/login', {
      email,
      password: NEW_PASSWORD,
    });
    expect(withNew.status).toBe(401);

    await settle(app);
    expect(ofType(events, 'auth.links.voided')).toEqual([
      expect.objectContaining({
        subject: userId,
        reason: 'code_attempts_exhausted',
        data: { count: 1, purpose: 'password_reset' },
      }),
    ]);
    expect(ofType(events, 'auth.lockout')).toEqual([
      expect.objectContaining({
        subject: userId,
        data: expect.objectContaining({ secret: 'second_factor' }),
      }),
    ]);
  });
});

describe('password change', () => {
  it('is no password oracle: the account locks after five wrong current passwords, one address is throttled', async () => {
    const auth = await start();
    const { app, clock, events } = auth;
    const { browser, userId } = await signUpVerified(auth, 'cy@example.com');
    const attempts: Response[] = [];
    for (let i = 0; i < 25; i += 1) {
      attempts.push(
        await browser.post('/auth/password/change', {
          current_password: WRONG_PASSWORD,
          new_password: NEW_PASSWORD,
        }),
      );
    }
    expect(attempts.map((response) => response.status)).toEqual([
      ...Array(20).fill(401),
      ...Array(5).fill(429),
    ]);
    expect(attempts[20]?.headers.get('retry-after')).toMatch(/^\d+$/);

    // From another address the right current password is refused too: the account is locked.
    const elsewhere = from(browser, freshIp());
    const right = { current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD };
    const locked = await elsewhere.post('/auth/password/change', right);
    expect(await codeOf(locked)).toBe('LIFT_INVALID_CREDENTIALS');
    await settle(app);
    const reasons = ofType(events, 'auth.password.change_failed').map((event) => event.reason);
    expect(reasons).toEqual([...Array(5).fill('wrong_password'), ...Array(16).fill('locked')]);
    expect(ofType(events, 'auth.lockout')).toEqual([
      expect.objectContaining({ subject: userId, data: expect.objectContaining({ secret: 'password' }) }),
    ]);

    clock.advance(MINUTE);
    const changed = await from(browser, freshIp()).post('/auth/password/change', right);
    expect(changed.status, await changed.clone().text()).toBe(200);
  });
});

describe('an attempt whose outcome the store lost', () => {
  it('holds the account for two minutes at most, not until the streak is forgotten a day later', async () => {
    const auth = await start();
    const { app, clock } = auth;
    const email = 'lost@example.com';
    const { userId } = await signUpVerified(auth, email);
    // Admitted attempts never settled, as when the store fails between a check and its outcome.
    for (let i = 0; i < 5; i += 1) {
      expect(await app.module('identity').deps.lockout.reserve(userId)).toMatchObject({ admitted: true });
    }
    const login = () =>
      new Browser(app, { ip: freshIp() }).post('/auth/login', { email, password: GOOD_PASSWORD });
    const refused = await login();
    expect(refused.status).toBe(401);
    expect(await codeOf(refused)).toBe('LIFT_INVALID_CREDENTIALS');

    clock.advance(2 * MINUTE);
    const accepted = await login();
    expect(accepted.status, await accepted.clone().text()).toBe(200);
  });
});

describe('a password change or reset voids every mailed link of the account', () => {
  it('a reset link sent before a password change no longer resets it', async () => {
    const auth = await start();
    const { app, events, mail } = auth;
    const email = 'dot@example.com';
    const { browser, userId } = await signUpVerified(auth, email);
    expect((await new Browser(app, { ip: freshIp() }).post('/auth/password/forgot', { email })).status).toBe(
      202,
    );
    await waitForMail(auth, email, SUBJECTS.reset);
    const token = tokenFromMail(mail, email, '/auth/password/reset');

    const change = await browser.post('/auth/password/change', {
      current_password: GOOD_PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(change.status, await change.clone().text()).toBe(200);

    const reset = await new Browser(app, { ip: freshIp() }).post('/auth/password/reset', {
      token,
      new_password: 'someone else chose this 4711',
    });
    expect(reset.status).toBe(400);
    expect(await codeOf(reset)).toBe('LIFT_INVALID_TOKEN');
    expect((await browser.request('/auth/session')).status).toBe(200);
    expect(
      (await new Browser(app, { ip: freshIp() }).post('/auth/login', { email, password: NEW_PASSWORD }))
        .status,
    ).toBe(200);
    await settle(app);
    expect(ofType(events, 'auth.links.voided')).toEqual([
      expect.objectContaining({ actor: userId, reason: 'password_changed', data: { count: 1 } }),
    ]);
  });

  it('a login waiting for its second factor ends when the password changes', async () => {
    const auth = await start();
    const { app, clock, events } = auth;
    const { browser, email, secret, userId } = await enrolled(auth, 'fay@example.com');
    const pending = await startMfaLogin(new Browser(app, { ip: freshIp() }), email);
    clock.advance(1);

    const change = await browser.post('/auth/password/change', {
      current_password: GOOD_PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(change.status, await change.clone().text()).toBe(200);
    clock.advance(STEP);
    const late = await new Browser(app, { ip: freshIp() }).post('/auth/mfa/verify', {
      mfa_token: pending,
      code: generateTotp(secret, { clock }),
    });
    expect(await codeOf(late)).toBe('LIFT_INVALID_MFA_TOKEN');

    // A login begun with the new password is not affected.
    const fresh = new Browser(app, { ip: freshIp() });
    const token = await startMfaLogin(fresh, email, NEW_PASSWORD);
    clock.advance(STEP);
    const ok = await fresh.post('/auth/mfa/verify', {
      mfa_token: token,
      code: generateTotp(secret, { clock }),
    });
    expect(ok.status, await ok.clone().text()).toBe(200);
    await settle(app);
    expect(ofType(events, 'auth.links.voided')).toContainEqual(
      expect.objectContaining({
        subject: userId,
        reason: 'credential_changed',
        data: { count: 1, purpose: 'mfa_login' },
      }),
    );
  });

  it('a reset voids the other links whatever their purpose (an earlier set-password link)', async () => {
    const auth = await start();
    const { app, events, mail } = auth;
    const email = 'eve@example.com';
    const created = await createUserWithLink(app.module('identity'), { email });
    const setPassword = new URL(created.link).searchParams.get('token') ?? '';
    expect((await new Browser(app, { ip: freshIp() }).post('/auth/password/forgot', { email })).status).toBe(
      202,
    );
    await waitForMail(auth, email, SUBJECTS.reset);
    const reset = tokenFromMail(mail, email, '/auth/password/reset');

    const done = await new Browser(app, { ip: freshIp() }).post('/auth/password/reset', {
      token: reset,
      new_password: NEW_PASSWORD,
    });
    expect(done.status, await done.clone().text()).toBe(200);
    const late = await new Browser(app, { ip: freshIp() }).post('/auth/password/reset', {
      token: setPassword,
      new_password: 'someone else chose this 4711',
    });
    expect(await codeOf(late)).toBe('LIFT_INVALID_TOKEN');
    expect(
      (await new Browser(app, { ip: freshIp() }).post('/auth/login', { email, password: NEW_PASSWORD }))
        .status,
    ).toBe(200);
    await settle(app);
    expect(ofType(events, 'auth.links.voided')).toEqual([
      expect.objectContaining({ actor: created.user.id, reason: 'password_reset', data: { count: 1 } }),
    ]);
  });
});

/**
 * Every route that checks a secret of an account already known, with how to send it a wrong and the right
 * secret. `walk` proves for each: guesses from rotating addresses lock the account; a locked account refuses
 * the right secret here and at login, in the same words as a wrong one; one address is throttled; and once
 * the lock ends the right secret works (so the row's "right" really is right).
 */
interface SecretCheck {
  route: string;
  /** What is sent: the name in the test's title. */
  sends: string;
  secret: 'password' | 'second_factor';
  /** An account in the state the route needs, and a way to send it a secret from an address. */
  prepare(
    auth: AuthApp,
  ): Promise<{ userId: string; email: string; send(ip: string, right: boolean): Promise<Response> }>;
}

/** A fresh app: lockout from the third failure, at most four attempts per address and minute. */
const WALK_CONFIG: LiftConfigInput = {
  lockout: { threshold: 3 },
  auth: { throttle: { login: 4, mfa: 4, reset: 4 } },
};
const WALK_THRESHOLD = 3;
const WALK_LIMIT = 4;

const SECRET_CHECKS: SecretCheck[] = [
  {
    route: 'POST /auth/login',
    sends: 'password',
    secret: 'password',
    async prepare(auth) {
      const email = 'login@example.com';
      const { userId } = await signUpVerified(auth, email);
      return {
        userId,
        email,
        send: (ip, right) =>
          new Browser(auth.app, { ip }).post('/auth/login', {
            email,
            password: right ? GOOD_PASSWORD : WRONG_PASSWORD,
          }),
      };
    },
  },
  {
    route: 'POST /auth/mfa/verify',
    sends: 'TOTP code',
    secret: 'second_factor',
    async prepare(auth) {
      const { browser, email, secret, userId } = await enrolled(auth, 'verify@example.com');
      const token = await startMfaLogin(browser, email);
      return {
        userId,
        email,
        send: (ip, right) =>
          new Browser(auth.app, { ip }).post('/auth/mfa/verify', {
            mfa_token: token,
            code: right ? generateTotp(secret, { clock: auth.clock }) : wrongCode(secret, auth.clock),
          }),
      };
    },
  },
  {
    route: 'POST /auth/mfa/verify',
    sends: 'recovery code',
    secret: 'second_factor',
    async prepare(auth) {
      const { browser, email, recoveryCodes, userId } = await enrolled(auth, 'recovery@example.com');
      const token = await startMfaLogin(browser, email);
      return {
        userId,
        email,
        send: (ip, right) =>
          new Browser(auth.app, { ip }).post('/auth/mfa/verify', {
            mfa_token: token,
            recovery_code: right ? recoveryCodes[0] : 'aaaaa-bbbbb-ccccc-ddddd',
          }),
      };
    },
  },
  {
    route: 'POST /auth/reauth',
    sends: 'password',
    secret: 'password',
    async prepare(auth) {
      const email = 'reauth@example.com';
      const { browser, userId } = await signUpVerified(auth, email);
      return {
        userId,
        email,
        send: (ip, right) =>
          from(browser, ip).post('/auth/reauth', { password: right ? GOOD_PASSWORD : WRONG_PASSWORD }),
      };
    },
  },
  {
    route: 'POST /auth/reauth',
    sends: 'TOTP code',
    secret: 'second_factor',
    async prepare(auth) {
      const { browser, email, secret, userId } = await enrolled(auth, 'stepup@example.com');
      return {
        userId,
        email,
        send: (ip, right) =>
          from(browser, ip).post('/auth/reauth', {
            code: right ? generateTotp(secret, { clock: auth.clock }) : wrongCode(secret, auth.clock),
          }),
      };
    },
  },
  {
    route: 'POST /auth/password/change',
    sends: 'current password',
    secret: 'password',
    async prepare(auth) {
      const email = 'change@example.com';
      const { browser, userId } = await signUpVerified(auth, email);
      return {
        userId,
        email,
        send: (ip, right) =>
          from(browser, ip).post('/auth/password/change', {
            current_password: right ? GOOD_PASSWORD : WRONG_PASSWORD,
            new_password: NEW_PASSWORD,
          }),
      };
    },
  },
  {
    route: 'POST /auth/password/reset',
    sends: 'TOTP code with the link',
    secret: 'second_factor',
    async prepare(auth) {
      const { email, secret, userId } = await enrolled(auth, 'reset@example.com');
      await new Browser(auth.app, { ip: freshIp() }).post('/auth/password/forgot', { email });
      await waitForMail(auth, email, SUBJECTS.reset);
      const token = tokenFromMail(auth.mail, email, '/auth/password/reset');
      return {
        userId,
        email,
        send: (ip, right) =>
          new Browser(auth.app, { ip }).post('/auth/password/reset', {
            token,
            new_password: NEW_PASSWORD,
            code: right ? generateTotp(secret, { clock: auth.clock }) : wrongCode(secret, auth.clock),
          }),
      };
    },
  },
  {
    route: 'POST /auth/mfa/totp/confirm',
    sends: 'enrollment code',
    secret: 'second_factor',
    async prepare(auth) {
      const email = 'enroll@example.com';
      const { browser, userId } = await signUpVerified(auth, email);
      const enroll = await browser.post('/auth/mfa/totp/enroll');
      const secret = Buffer.from(decodeBase32(((await enroll.json()) as { secret: string }).secret));
      return {
        userId,
        email,
        send: (ip, right) =>
          from(browser, ip).post('/auth/mfa/totp/confirm', {
            code: right ? generateTotp(secret, { clock: auth.clock }) : wrongCode(secret, auth.clock),
          }),
      };
    },
  },
  {
    route: 'DELETE /auth/mfa/totp',
    sends: 'TOTP code',
    secret: 'second_factor',
    async prepare(auth) {
      const { browser, email, secret, userId } = await enrolled(auth, 'remove@example.com');
      return {
        userId,
        email,
        send: (ip, right) =>
          from(browser, ip).request('/auth/mfa/totp', {
            method: 'DELETE',
            json: {
              code: right ? generateTotp(secret, { clock: auth.clock }) : wrongCode(secret, auth.clock),
            },
          }),
      };
    },
  },
];

const SESSION_ACTION =
  "acts on the caller's own session and checks no secret (sensitive ones need a fresh session)";
const BY_PERMISSION = 'authorised by permission or membership; checks no secret of any account';
const ANSWERS_ALIKE = 'answers every address alike and checks no secret';
const LINK_TOKEN = 'a 256-bit single-use token is what names the account: nothing per account to guess';

/** Every other state-changing route, and why it checks no secret of a known account. */
const CHECKS_NO_ACCOUNT_SECRET: Record<string, string> = {
  'POST /auth/signup': 'creates an account; answers every address alike',
  'POST /auth/email/verify': LINK_TOKEN,
  'POST /auth/email/resend': ANSWERS_ALIKE,
  'POST /auth/password/forgot': ANSWERS_ALIKE,
  'POST /auth/logout': SESSION_ACTION,
  'DELETE /auth/sessions/:id': SESSION_ACTION,
  'POST /auth/sessions/revoke-others': SESSION_ACTION,
  'POST /auth/mfa/totp/enroll': SESSION_ACTION,
  'POST /auth/mfa/recovery-codes/regenerate': SESSION_ACTION,
  'POST /auth/tenant': SESSION_ACTION,
  'POST /auth/token': LINK_TOKEN.replace('single-use token', 'refresh token'),
  'POST /auth/revoke': 'revokes the token it is given; checks no secret of an account',
  'POST /auth/introspect': BY_PERMISSION,
  'POST /invitations/accept': LINK_TOKEN,
  'POST /invitations/signup': 'signup with the invited address (a link token); answers every address alike',
  'POST /admin/api/users/:id/disable': BY_PERMISSION,
  'POST /admin/api/users/:id/enable': BY_PERMISSION,
  'POST /admin/api/users/:id/sessions/revoke': BY_PERMISSION,
  'POST /admin/api/users/:id/mfa/reset': BY_PERMISSION,
  'POST /admin/api/users/:id/unlock': BY_PERMISSION,
  'POST /admin/api/roles': BY_PERMISSION,
  'PATCH /admin/api/roles/:roleId': BY_PERMISSION,
  'DELETE /admin/api/roles/:roleId': BY_PERMISSION,
  'POST /admin/api/grants': BY_PERMISSION,
  'DELETE /admin/api/grants/:grantId': BY_PERMISSION,
  'POST /admin/api/access/check': BY_PERMISSION,
  'POST /admin/api/keys/rotate': BY_PERMISSION,
  'PUT /admin/api/log-levels/:module': BY_PERMISSION,
  'POST /tenants': BY_PERMISSION,
  'PATCH /tenants/:tenantId': BY_PERMISSION,
  'DELETE /tenants/:tenantId': BY_PERMISSION,
  'PATCH /tenants/:tenantId/members/:userId': BY_PERMISSION,
  'DELETE /tenants/:tenantId/members/:userId': BY_PERMISSION,
  'POST /tenants/:tenantId/leave': BY_PERMISSION,
  'POST /tenants/:tenantId/transfer': BY_PERMISSION,
  'POST /tenants/:tenantId/invitations': BY_PERMISSION,
  'DELETE /tenants/:tenantId/invitations/:invitationId': BY_PERMISSION,
  'DELETE /tenants/:tenantId/grants/:grantId': BY_PERMISSION,
  'POST /tenants/:tenantId/roles': BY_PERMISSION,
  'PATCH /tenants/:tenantId/roles/:roleId': BY_PERMISSION,
  'DELETE /tenants/:tenantId/roles/:roleId': BY_PERMISSION,
};

describe('every route that checks a secret of a known account counts it per account and per address', () => {
  it('lists every state-changing route either in the table or with the reason it checks no secret', async () => {
    const { app } = await start();
    // GET routes change nothing and take no body; a secret in a query string would be a defect of its own.
    const routes = new Set(
      app.hono.routes
        .filter((route) => route.method !== 'GET' && route.method !== 'ALL')
        .map((route) => `${route.method} ${route.path}`),
    );
    const classified = new Set([
      ...SECRET_CHECKS.map((check) => check.route),
      ...Object.keys(CHECKS_NO_ACCOUNT_SECRET),
    ]);
    expect([...routes].sort()).toEqual([...classified].sort());
  });

  it.each(SECRET_CHECKS.map((check) => [`${check.route}: ${check.sends}`, check] as const))(
    '%s',
    async (_name, check) => {
      const auth = await start(WALK_CONFIG);
      const { app, clock, events } = auth;
      const { userId, email, send } = await check.prepare(auth);
      await settle(app);
      events.length = 0;

      // Wrong secrets from rotating addresses: no address is throttled, the account is counted.
      for (let i = 0; i < WALK_THRESHOLD; i += 1) {
        const wrong = await send(freshIp(), false);
        expect(wrong.status, await wrong.clone().text()).toBeGreaterThanOrEqual(400);
        expect(wrong.status).not.toBe(429);
      }
      const refused = await send(freshIp(), true);
      expect(refused.status, 'the right secret while locked').toBe(401);
      const login = await new Browser(app, { ip: freshIp() }).post('/auth/login', {
        email,
        password: GOOD_PASSWORD,
      });
      expect(await codeOf(login)).toBe('LIFT_INVALID_CREDENTIALS');
      await settle(app);
      expect(ofType(events, 'auth.lockout')).toEqual([
        expect.objectContaining({ subject: userId, data: expect.objectContaining({ secret: check.secret }) }),
      ]);

      // One address: the route's throttle bucket refuses the attempt after the limit.
      const ip = freshIp();
      for (let i = 0; i < WALK_LIMIT; i += 1) expect((await send(ip, false)).status).not.toBe(429);
      const throttled = await send(ip, false);
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toMatch(/^\d+$/);

      // After the lock (and the throttle window), the right secret works: the refusals above were the lock.
      clock.advance(MINUTE);
      const accepted = await send(freshIp(), true);
      expect(accepted.status, await accepted.clone().text()).toBeLessThan(300);
    },
  );
});
