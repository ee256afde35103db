import { afterEach, describe, expect, it } from 'vitest';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import type { LiftEvent } from '../../src/core/events.ts';
import { generateTotp } from '../../src/identity/mfa/index.ts';
import { type AuthApp, Browser, GOOD_PASSWORD, startAuthApp } from '../support/auth-app.ts';
import { redisUrl, uniqueRedisPrefix } from '../support/services.ts';
import {
  enrolled,
  json,
  mailsTo,
  SUBJECTS,
  settle,
  signUpVerified,
  startMfaLogin,
  wrongCode,
} from './identity-steps.ts';

/**
 * Simultaneous guesses at one account's secret, from as many addresses as guesses: the per-account limit
 * holds for the burst as it does for guesses one after another. A check made before any guess of the burst is
 * counted would let every one of them through; the attempt is reserved atomically in the key-value store
 * before the secret is checked, so at most `lockout.threshold` guesses are checked. Run on each store that
 * holds the count: the SQL table and Redis.
 */

const MINUTE = 60_000;
const THRESHOLD = 5;
const BURST = 40;
const WRONG_PASSWORD = 'definitely not the password 0';
/** Only the per-account rule may stop the burst: the per-address throttles are out of reach. */
const BURST_CONFIG: LiftConfigInput = {
  lockout: { threshold: THRESHOLD },
  auth: { throttle: { login: 1_000, mfa: 1_000 } },
};

const redis = await redisUrl();
const stores: { name: string; config: () => LiftConfigInput }[] = [
  { name: 'SQLite', config: () => BURST_CONFIG },
  ...(redis === undefined
    ? []
    : [
        {
          name: 'Redis',
          config: (): LiftConfigInput => ({
            ...BURST_CONFIG,
            storage: { kv: redis, redisPrefix: uniqueRedisPrefix('secret-bursts') },
          }),
        },
      ]),
];

let env: AuthApp | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

let hosts = 0;
/** A client address never used before in this file (198.18.0.0/15 is set aside for tests). */
function freshIp(): string {
  hosts += 1;
  return `198.19.${Math.floor(hosts / 250)}.${(hosts % 250) + 1}`;
}

function codeOf(response: Response): Promise<string> {
  return json(response).then((body) => String(body.code));
}

/** The account's refusals of `type` whose secret was checked (a locked account's are not). */
function checked(events: LiftEvent[], type: string, userId: string): LiftEvent[] {
  return events.filter(
    (event) => event.type === type && event.subject === userId && event.reason !== 'locked',
  );
}

describe.each(stores)('a burst of simultaneous guesses on $name', ({ config }) => {
  it(`${BURST} wrong passwords at once: at most ${THRESHOLD} are checked, then the right one waits for the lock`, async () => {
    env = await startAuthApp(config());
    const { app, clock, events, mail } = env;
    const email = 'burst-login@example.com';
    const { userId } = await signUpVerified(env, email);
    await settle(app);
    events.length = 0;

    const burst = await Promise.all(
      Array.from({ length: BURST }, () =>
        new Browser(app, { ip: freshIp() }).post('/auth/login', { email, password: WRONG_PASSWORD }),
      ),
    );
    // Checked or refused unchecked, every answer is the same.
    expect(new Set(await Promise.all(burst.map(codeOf)))).toEqual(new Set(['LIFT_INVALID_CREDENTIALS']));

    const right = await new Browser(app, { ip: freshIp() }).post('/auth/login', {
      email,
      password: GOOD_PASSWORD,
    });
    expect(await codeOf(right)).toBe('LIFT_INVALID_CREDENTIALS');

    await settle(app);
    const guesses = checked(events, 'auth.login.failed', userId);
    expect(guesses.length).toBeGreaterThan(0);
    expect(guesses.length).toBeLessThanOrEqual(THRESHOLD);
    expect(guesses.map((event) => event.reason)).toEqual(guesses.map(() => 'wrong_password'));
    expect(events.filter((event) => event.type === 'auth.lockout')).toEqual([
      expect.objectContaining({
        subject: userId,
        reason: 'threshold',
        data: expect.objectContaining({ failures: THRESHOLD }),
      }),
    ]);
    expect(mailsTo(mail, email, SUBJECTS.lockout)).toHaveLength(1);

    clock.advance(MINUTE);
    const later = await new Browser(app, { ip: freshIp() }).post('/auth/login', {
      email,
      password: GOOD_PASSWORD,
    });
    expect(later.status, await later.clone().text()).toBe(200);
  });

  it(`${BURST} wrong codes at once at the MFA step: at most ${THRESHOLD} are checked, then the right one waits for the lock`, async () => {
    env = await startAuthApp(config());
    const { app, clock, events } = env;
    const { browser, email, secret, userId } = await enrolled(env, 'burst-mfa@example.com');
    await browser.post('/auth/logout');
    clock.advance(MINUTE);
    // Eight logins waiting for their code take the burst (five guesses each, the most one token allows);
    // one more is kept for the owner.
    const tokens: string[] = [];
    for (let i = 0; i < 9; i += 1)
      tokens.push(await startMfaLogin(new Browser(app, { ip: freshIp() }), email));
    const owners = tokens.pop() ?? '';
    await settle(app);
    events.length = 0;

    const bad = wrongCode(secret, clock);
    const burst = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        new Browser(app, { ip: freshIp() }).post('/auth/mfa/verify', {
          mfa_token: tokens[i % tokens.length],
          code: bad,
        }),
      ),
    );
    expect(new Set(burst.map((response) => response.status))).toEqual(new Set([401]));

    const right = await new Browser(app, { ip: freshIp() }).post('/auth/mfa/verify', {
      mfa_token: owners,
      code: generateTotp(secret, { clock }),
    });
    expect(await codeOf(right)).toBe('LIFT_INVALID_MFA_CODE');

    await settle(app);
    const guesses = checked(events, 'auth.mfa.failed', userId);
    expect(guesses.length).toBeGreaterThan(0);
    expect(guesses.length).toBeLessThanOrEqual(THRESHOLD);
    expect(events.filter((event) => event.type === 'auth.lockout')).toEqual([
      expect.objectContaining({
        subject: userId,
        reason: 'threshold',
        data: expect.objectContaining({ failures: THRESHOLD, secret: 'second_factor' }),
      }),
    ]);

    clock.advance(MINUTE);
    const owner = new Browser(app, { ip: freshIp() });
    const later = await owner.post('/auth/mfa/verify', {
      mfa_token: owners,
      code: generateTotp(secret, { clock }),
    });
    expect(later.status, await later.clone().text()).toBe(200);
    expect(owner.cookie).not.toBeNull();
  });
});
