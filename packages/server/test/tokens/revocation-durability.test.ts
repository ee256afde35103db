import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLift, type LiftApp } from '../../src/app/create-lift.ts';
import { requireAuth } from '../../src/core/authenticate.ts';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import { signUpVerified } from '../sessions/verified-user.ts';
import { Browser, FAST_PASSWORDS, GOOD_PASSWORD } from '../support/auth-app.ts';
import {
  freshPostgresSchemaUrl,
  postgresUrl,
  startRedisServer,
  type TestRedisServer,
} from '../support/services.ts';

/**
 * Token revocations outlive Redis: revoked access tokens (`jti`), revoked refresh families (`sid`) and a
 * user's cut-off (a password change) are written to SQL before anyone is told, Redis and memory being only the
 * fast path. A node revokes, its private `redis-server` restarts empty, and a node started afresh on the same
 * database refuses every revoked token and still accepts the untouched one. SQLite and PostgreSQL.
 */

const pgUrl = await postgresUrl();
const NEW_PASSWORD = 'velvet otter juggles lanterns 77';

interface Pair {
  access_token: string;
  refresh_token: string;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function node(config: LiftConfigInput): Promise<LiftApp> {
  const app = createLift(config);
  app.group('/t', requireAuth()).get('/me', (ctx) => ctx.principal);
  await app.start({ bootstrapAdmin: false });
  cleanups.push(() => app.close());
  return app;
}

async function tokenLogin(app: LiftApp, email: string, password = GOOD_PASSWORD): Promise<Pair> {
  const response = await new Browser(app).post('/auth/login', { email, password, response: 'tokens' });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Pair;
}

async function meStatus(app: LiftApp, token: string): Promise<number> {
  const response = await new Browser(app).request('/t/me', { headers: { authorization: `Bearer ${token}` } });
  await response.body?.cancel();
  return response.status;
}

async function refreshStatus(app: LiftApp, refreshToken: string): Promise<number> {
  const response = await new Browser(app).post('/auth/token', {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
  });
  await response.body?.cancel();
  return response.status;
}

async function revoke(app: LiftApp, token: string): Promise<void> {
  const response = await new Browser(app).post('/auth/revoke', { token });
  expect(response.status, await response.clone().text()).toBe(200);
}

/** What node A revoked, and one pair it left alone. */
interface Revoked {
  byJti: Pair;
  byFamily: Pair;
  byPasswordChange: Pair;
  untouched: Pair;
}

async function revokeOnFirstNode(app: LiftApp): Promise<Revoked> {
  const ada = new Browser(app);
  await signUpVerified(ada, 'ada@example.com');
  const bea = new Browser(app);
  await signUpVerified(bea, 'bea@example.com');
  const byJti = await tokenLogin(app, 'ada@example.com');
  const byFamily = await tokenLogin(app, 'ada@example.com');
  const untouched = await tokenLogin(app, 'ada@example.com');
  const byPasswordChange = await tokenLogin(app, 'bea@example.com');

  await revoke(app, byJti.access_token);
  await revoke(app, byFamily.refresh_token);
  const change = await bea.post('/auth/password/change', {
    current_password: GOOD_PASSWORD,
    new_password: NEW_PASSWORD,
  });
  expect(change.status, await change.clone().text()).toBe(200);
  for (const pair of [byJti, byFamily, byPasswordChange])
    expect(await meStatus(app, pair.access_token)).toBe(401);
  return { byJti, byFamily, byPasswordChange, untouched };
}

async function expectRefusedAfterRedisRestart(storageUrl: string, dataDir: string): Promise<void> {
  const redis: TestRedisServer = await startRedisServer();
  cleanups.push(() => redis.stop());
  const config: LiftConfigInput = {
    env: 'test',
    dataDir,
    secret: randomBytes(32).toString('base64'),
    log: { level: 'silent' },
    mail: { url: 'memory:' },
    passwords: FAST_PASSWORDS,
    auth: { publicUrl: 'http://lift.test' },
    storage: { url: storageUrl, kv: redis.url, broker: redis.url },
  };
  const first = await node(config);
  const revoked = await revokeOnFirstNode(first);
  await first.close();

  await redis.restart();
  const fresh = await node(config);
  expect(await fresh.storage.kv.get('anything')).toBeNull();
  expect(await meStatus(fresh, revoked.byJti.access_token)).toBe(401);
  expect(await meStatus(fresh, revoked.byFamily.access_token)).toBe(401);
  expect(await refreshStatus(fresh, revoked.byFamily.refresh_token)).toBe(400);
  expect(await meStatus(fresh, revoked.byPasswordChange.access_token)).toBe(401);
  expect(await refreshStatus(fresh, revoked.byPasswordChange.refresh_token)).toBe(400);
  // Not a node that refuses everything: what was not revoked still works.
  expect(await meStatus(fresh, revoked.untouched.access_token)).toBe(200);
}

describe('token revocations after Redis restarts empty', () => {
  it('are refused by a fresh node on SQLite', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lift-revocation-durability-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    await expectRefusedAfterRedisRestart(`sqlite:${join(dataDir, 'lift.db')}`, dataDir);
  });

  it.skipIf(!pgUrl)('are refused by a fresh node on PostgreSQL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lift-revocation-durability-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const schema = await freshPostgresSchemaUrl('revocation_durability');
    cleanups.push(() => schema.drop());
    await expectRefusedAfterRedisRestart(schema.url, dataDir);
  });
});
