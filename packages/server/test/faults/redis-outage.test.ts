import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLift, type LiftApp } from '../../src/app/create-lift.ts';
import { requireAuth } from '../../src/core/authenticate.ts';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import { browserWithCookie, sessionStatus, signUpVerified } from '../sessions/verified-user.ts';
import { Browser, type BrowserOptions, FAST_PASSWORDS, GOOD_PASSWORD } from '../support/auth-app.ts';
import {
  type FreshPostgresSchema,
  freshPostgresSchemaUrl,
  postgresUrl,
  startRedisServer,
  type TestRedisServer,
} from '../support/services.ts';

/**
 * Two app instances sharing one PostgreSQL schema and a private `redis-server` (key-value store, broker and
 * session cache) that this suite kills and brings back; the shared Redis is never touched. The tests run in
 * order against one outage: every route while Redis is down (no 500, bounded latency, 503 problem+json with
 * `Retry-After` where Redis is needed), logout latency, then what the other node knows once Redis is back.
 */

const pgUrl = await postgresUrl();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One store deadline is 2 s; no request may wait on two of them (the old logout took about 4 s). */
const MAX_OUTAGE_ANSWER_MS = 2_000;

function randomClient(): BrowserOptions {
  return {
    ip: `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`,
    userAgent: 'Mozilla/5.0 Firefox/133.0',
  };
}

interface TokenPair {
  access_token: string;
  refresh_token: string;
}

async function tokenLogin(app: LiftApp, email: string): Promise<TokenPair> {
  const response = await new Browser(app, randomClient()).post('/auth/login', {
    email,
    password: GOOD_PASSWORD,
    response: 'tokens',
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as TokenPair;
}

function bearer(app: LiftApp, path: string, token: string, json?: unknown): Promise<Response> {
  return new Browser(app, randomClient()).request(path, {
    method: json === undefined ? 'GET' : 'POST',
    json,
    headers: { authorization: `Bearer ${token}` },
  });
}

/** Polls `status` every 50 ms until it returns `wanted`; returns the ms it took (gives up after `limitMs`). */
async function msUntil(status: () => Promise<number>, wanted: number, limitMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const elapsed = Date.now() - started;
    if ((await status()) === wanted || elapsed > limitMs) return elapsed;
    await sleep(50);
  }
}

describe.skipIf(!pgUrl)('two nodes while their Redis is down and after it returns', () => {
  let redis: TestRedisServer;
  let schema: FreshPostgresSchema;
  let dataDir: string;
  let nodeA: LiftApp;
  let nodeB: LiftApp;
  let admin: Browser;
  let user: { userId: string; email: string };
  /** The user's browser on node A, and the same cookie presented to node B. */
  let userOnA: Browser;
  let userOnB: Browser;

  beforeAll(async () => {
    redis = await startRedisServer();
    schema = await freshPostgresSchemaUrl('faults_redis_outage');
    dataDir = mkdtempSync(join(tmpdir(), 'lift-redis-outage-'));
    const config: LiftConfigInput = {
      env: 'test',
      dataDir,
      secret: randomBytes(32).toString('base64'),
      log: { level: 'silent' },
      mail: { url: 'memory:' },
      passwords: FAST_PASSWORDS,
      auth: { publicUrl: 'http://lift.test' },
      storage: { url: schema.url, kv: redis.url, broker: redis.url },
      // A long cache lifetime: what node B learns after the outage must come from the resync, not expiry.
      sessions: { store: 'redis', cacheTtlMs: 60_000 },
      // The attempt throttles count on PostgreSQL, so the routes behind them reach what lives in Redis (lockout
      // counters, MFA login steps) during the outage. A throttle whose own store is down fails closed with its
      // own code: test/identity/login.test.ts.
      limits: { store: 'sql' },
    };
    nodeA = createLift(config);
    nodeB = createLift(config);
    for (const node of [nodeA, nodeB]) node.group('/t', requireAuth()).get('/me', (ctx) => ctx.principal);
    await nodeA.start({ bootstrapAdmin: false });
    await nodeB.start({ bootstrapAdmin: false });

    admin = new Browser(nodeA, randomClient());
    const adminUser = await signUpVerified(admin, `admin-${randomBytes(4).toString('hex')}@example.com`);
    await nodeA.identity.roles.grant(adminUser.userId, 'admin');
    const client = randomClient();
    userOnA = new Browser(nodeA, client);
    user = await signUpVerified(userOnA, `user-${randomBytes(4).toString('hex')}@example.com`);
    userOnB = browserWithCookie(nodeB, userOnA.cookie, client);
  });

  /** Restarts the private Redis (empty) and waits until both nodes' connections answer again. */
  async function redisBack(): Promise<void> {
    await redis.restart();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      try {
        await Promise.all([
          nodeA.storage.kv.ping(),
          nodeB.storage.kv.ping(),
          nodeA.storage.broker.ping(),
          nodeB.storage.broker.ping(),
        ]);
        return;
      } catch {
        await sleep(50);
      }
    }
    throw new Error('the nodes did not reconnect to Redis within 10 s');
  }

  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await redis?.stop();
    await schema?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers every route without a 500 and within one store deadline; what needs Redis is a counted 503', async () => {
    const unseen = await tokenLogin(nodeA, user.email);
    const revocable = await tokenLogin(nodeA, user.email);
    const loggingOut = new Browser(nodeA, randomClient());
    expect(
      (await loggingOut.post('/auth/login', { email: user.email, password: GOOD_PASSWORD })).status,
    ).toBe(200);
    const victim = await signUpVerified(
      new Browser(nodeA, randomClient()),
      `victim-${randomBytes(4).toString('hex')}@example.com`,
    );
    await redis.stop();

    const routes: Array<{ name: string; send: () => Promise<Response>; expect?: number }> = [
      {
        name: 'login',
        send: () =>
          new Browser(nodeA, randomClient()).post('/auth/login', { email: user.email, password: 'wrong' }),
        expect: 503,
      },
      {
        name: 'signup',
        send: () =>
          new Browser(nodeA, randomClient()).post('/auth/signup', {
            email: `new-${randomBytes(4).toString('hex')}@example.com`,
            password: GOOD_PASSWORD,
          }),
        // Its throttle counts on PostgreSQL here, and a signup needs nothing else of Redis.
        expect: 202,
      },
      {
        name: 'bearer request with a token node B has not seen',
        send: () => bearer(nodeB, '/t/me', unseen.access_token),
        expect: 200,
      },
      {
        name: 'refresh',
        send: () =>
          new Browser(nodeB, randomClient()).post('/auth/token', {
            grant_type: 'refresh_token',
            refresh_token: unseen.refresh_token,
          }),
      },
      {
        name: 'revoke',
        send: () =>
          new Browser(nodeB, randomClient()).post('/auth/revoke', { token: revocable.access_token }),
        expect: 200,
      },
      {
        name: 'introspect',
        send: () => admin.post('/auth/introspect', { token: unseen.access_token }),
        expect: 200,
      },
      { name: 'session', send: () => userOnB.request('/auth/session'), expect: 200 },
      { name: 'session list', send: () => userOnA.request('/auth/sessions'), expect: 200 },
      { name: 'MFA enrolment', send: () => userOnA.post('/auth/mfa/totp/enroll') },
      {
        name: 'MFA login step',
        send: () =>
          new Browser(nodeA, randomClient()).post('/auth/mfa/verify', {
            mfa_token: 'x'.repeat(43),
            code: '123456',
          }),
      },
      { name: 'step-up', send: () => userOnA.post('/auth/reauth', { password: 'wrong' }) },
      {
        name: 'forgotten password',
        send: () => new Browser(nodeA, randomClient()).post('/auth/password/forgot', { email: user.email }),
      },
      {
        name: 'access check',
        send: () => admin.post('/admin/api/access/check', { subject: user.email, permission: 'users:read' }),
      },
      { name: 'admin user list', send: () => admin.request('/admin/api/users'), expect: 200 },
      { name: 'admin role list', send: () => admin.request('/admin/api/roles'), expect: 200 },
      {
        name: 'tenant creation',
        send: () => userOnA.post('/tenants', { name: 'Outage', slug: `o-${randomBytes(3).toString('hex')}` }),
      },
      {
        name: 'verification mail resend',
        send: () => new Browser(nodeA, randomClient()).post('/auth/email/resend', { email: user.email }),
      },
      {
        name: 'password change',
        send: () =>
          userOnA.post('/auth/password/change', { current_password: 'wrong', new_password: GOOD_PASSWORD }),
      },
      { name: 'revoke other sessions', send: () => userOnA.post('/auth/sessions/revoke-others') },
      {
        name: 'admin: revoke a user’s sessions',
        send: () => admin.post(`/admin/api/users/${victim.userId}/sessions/revoke`),
        expect: 200,
      },
      {
        name: 'admin: disable a user',
        send: () => admin.post(`/admin/api/users/${victim.userId}/disable`),
        expect: 200,
      },
      { name: 'logout', send: () => loggingOut.post('/auth/logout'), expect: 204 },
    ];

    const failures: string[] = [];
    for (const route of routes) {
      const started = performance.now();
      const response = await route.send();
      const ms = performance.now() - started;
      const text = await response.text();
      const line = `${route.name}: ${response.status} in ${Math.round(ms)} ms ${text.slice(0, 160)}`;
      if (response.status >= 500 && response.status !== 503) failures.push(line);
      if (ms > MAX_OUTAGE_ANSWER_MS) failures.push(line);
      if (route.expect !== undefined && response.status !== route.expect) failures.push(line);
      if (response.status === 503) {
        const problem = JSON.parse(text) as { code?: string };
        if (
          problem.code !== 'LIFT_UNAVAILABLE' ||
          response.headers.get('retry-after') === null ||
          !(response.headers.get('content-type') ?? '').includes('application/problem+json')
        ) {
          failures.push(`${line} (not a LIFT_UNAVAILABLE problem with Retry-After)`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(nodeA.stats.unexpectedErrors + nodeB.stats.unexpectedErrors).toBe(0);
    expect(nodeA.stats.storeUnavailable.kv).toBeGreaterThanOrEqual(2);
  });

  it('logs out within one store deadline while Redis is down (it waited out two before)', async () => {
    await redisBack();
    const browser = new Browser(nodeA, randomClient());
    expect((await browser.post('/auth/login', { email: user.email, password: GOOD_PASSWORD })).status).toBe(
      200,
    );
    await redis.stop();

    const started = performance.now();
    const logout = await browser.post('/auth/logout');
    const ms = performance.now() - started;
    expect(logout.status).toBe(204);
    expect(ms).toBeLessThan(MAX_OUTAGE_ANSWER_MS);
    expect(await sessionStatus(browserWithCookie(nodeA, browser.cookie))).toBe(401);
  });

  it('revocations and grants made on node A during the outage reach node B once Redis is back', async () => {
    await redisBack();
    const pair = await tokenLogin(nodeA, user.email);
    const other = await tokenLogin(nodeA, user.email);
    // Node B has seen both and holds them in memory; the user is no administrator there.
    expect((await bearer(nodeB, '/t/me', pair.access_token)).status).toBe(200);
    expect(await sessionStatus(userOnB)).toBe(200);
    expect((await bearer(nodeB, '/admin/api/users', other.access_token)).status).toBe(403);

    await redis.stop();
    const revoke = await new Browser(nodeA, randomClient()).post('/auth/revoke', {
      token: pair.access_token,
    });
    expect(revoke.status, await revoke.clone().text()).toBe(200);
    const logout = await userOnA.post('/auth/logout');
    expect(logout.status, await logout.clone().text()).toBe(204);
    await nodeA.identity.roles.grant(user.userId, 'admin');
    // Node B cannot hear about them yet: its memory still answers as before.
    expect((await bearer(nodeB, '/t/me', pair.access_token)).status).toBe(200);
    expect(await sessionStatus(userOnB)).toBe(200);
    expect((await bearer(nodeB, '/admin/api/users', other.access_token)).status).toBe(403);

    await redis.restart();
    expect(
      await msUntil(async () => (await bearer(nodeB, '/t/me', pair.access_token)).status, 401, 10_000),
    ).toBeLessThan(10_000);
    expect(await msUntil(() => sessionStatus(userOnB), 401, 10_000)).toBeLessThan(10_000);
    expect(
      await msUntil(
        async () => (await bearer(nodeB, '/admin/api/users', other.access_token)).status,
        200,
        10_000,
      ),
    ).toBeLessThan(10_000);
  });
});
