import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLift, type LiftApp } from '../../src/app/create-lift.ts';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import { hashSessionToken } from '../../src/sessions/session-token.ts';
import { Browser, type BrowserOptions, FAST_PASSWORDS } from '../support/auth-app.ts';
import {
  type FreshPostgresSchema,
  freshPostgresSchemaUrl,
  postgresUrl,
  redisUrl,
  startRedisServer,
  type TestRedisServer,
} from '../support/services.ts';
import { browserWithCookie, sessionStatus, signUpVerified } from './verified-user.ts';

/**
 * Sessions on more than one node, with the real clock: two apps sharing one PostgreSQL schema and one Redis
 * (key-value store, broker and session cache), and an app whose Redis restarts empty.
 *
 * Lift has no configuration key for a Redis key prefix (the session store, key-value store and broker all use
 * `lift:`), so these apps use the shared test Redis under that prefix. Everything they write is keyed by
 * random ids, except the per-IP attempt throttles, so each run uses its own random client addresses.
 */

const pgUrl = await postgresUrl();
const sharedRedis = await redisUrl();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function randomClient(): BrowserOptions {
  return {
    ip: `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`,
    userAgent: 'Mozilla/5.0 Firefox/133.0',
  };
}

function nodeConfig(
  dataDir: string,
  secret: string,
  storage: LiftConfigInput['storage'],
  sessions: LiftConfigInput['sessions'],
): LiftConfigInput {
  return {
    env: 'test',
    dataDir,
    secret,
    log: { level: 'silent' },
    mail: { url: 'memory:' },
    passwords: FAST_PASSWORDS,
    auth: { publicUrl: 'http://lift.test' },
    storage,
    sessions,
  };
}

/** Milliseconds until `browser` gets 401 from `GET /auth/session`, polling every 50 ms (gives up after 5 s). */
async function msUntilRefused(browser: Browser): Promise<number> {
  const started = Date.now();
  for (;;) {
    const status = await sessionStatus(browser);
    const elapsed = Date.now() - started;
    if (status === 401 || elapsed > 5_000) return elapsed;
    expect(status).toBe(200);
    await sleep(50);
  }
}

describe.skipIf(!pgUrl || !sharedRedis)('two nodes sharing PostgreSQL and Redis', () => {
  let schema: FreshPostgresSchema;
  let dataDir: string;
  let nodeA: LiftApp;
  let nodeB: LiftApp;

  beforeAll(async () => {
    schema = await freshPostgresSchemaUrl('sessions_multi_node');
    dataDir = mkdtempSync(join(tmpdir(), 'lift-multi-node-'));
    const secret = randomBytes(32).toString('base64');
    // A long cache lifetime: a revocation must reach the other node through the broker, not by expiry.
    const config = nodeConfig(
      dataDir,
      secret,
      { url: schema.url, kv: sharedRedis!, broker: sharedRedis! },
      { store: 'redis', cacheTtlMs: 60_000 },
    );
    nodeA = createLift(config);
    await nodeA.start({ bootstrapAdmin: false });
    nodeB = createLift(config);
    await nodeB.start({ bootstrapAdmin: false });
  });

  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await schema?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** A user logged in on node A and the same browser (cookie, address, user agent) talking to node B. */
  async function userOnBothNodes(label: string) {
    const client = randomClient();
    const onA = new Browser(nodeA, client);
    const user = await signUpVerified(onA, `${label}-${randomBytes(4).toString('hex')}@example.com`);
    const onB = browserWithCookie(nodeB, onA.cookie, client);
    return { user, onA, onB };
  }

  it('a session made on node A works on node B', async () => {
    const { onA, onB } = await userOnBothNodes('shared');
    expect(await sessionStatus(onB)).toBe(200);
    expect(await sessionStatus(onA)).toBe(200);
  });

  it('disabling the user through node A’s admin API refuses the session on node B within 1 s', async () => {
    const admin = new Browser(nodeA, randomClient());
    const adminUser = await signUpVerified(admin, `admin-${randomBytes(4).toString('hex')}@example.com`);
    await nodeA.identity.roles.grant(adminUser.userId, 'admin');
    const { user, onB } = await userOnBothNodes('disabled');
    expect(await sessionStatus(onB)).toBe(200);
    expect(nodeB.module('sessions').manager.cachedCount).toBeGreaterThan(0);

    const disable = await admin.post(`/admin/api/users/${user.userId}/disable`);
    expect(disable.status, await disable.clone().text()).toBe(200);
    expect(await msUntilRefused(onB)).toBeLessThan(1_000);
  });

  it('logging out on node A refuses the session on node B within 1 s', async () => {
    const { onA, onB } = await userOnBothNodes('logout');
    expect(await sessionStatus(onB)).toBe(200);
    expect(nodeB.module('sessions').manager.cachedCount).toBeGreaterThan(0);

    const logout = await onA.post('/auth/logout');
    expect(logout.status, await logout.clone().text()).toBe(204);
    expect(await msUntilRefused(onB)).toBeLessThan(1_000);
  });
});

// A private redis-server that this suite restarts; the shared one is never touched.
describe('a Redis session cache that restarts empty', () => {
  let server: TestRedisServer;
  let inspector: Redis;
  let app: LiftApp | undefined;
  let dataDir: string | undefined;

  beforeAll(async () => {
    server = await startRedisServer();
    inspector = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    inspector.on('error', () => {});
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });
  afterAll(async () => {
    inspector?.disconnect();
    await server?.stop();
  });

  it('keeps the session: it is served from SQL and put back into Redis', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lift-redis-restart-'));
    // cacheTtlMs 1: every request below asks the session store, not the node's memory.
    app = createLift(
      nodeConfig(
        dataDir,
        randomBytes(32).toString('base64'),
        { kv: server.url },
        { store: 'redis', cacheTtlMs: 1 },
      ),
    );
    await app.start({ bootstrapAdmin: false });
    const browser = new Browser(app, randomClient());
    await signUpVerified(browser, 'restart@example.com');
    const cacheKey = `lift:sess:t:${hashSessionToken(browser.cookie!)}`;
    expect(await inspector.exists(cacheKey)).toBe(1);
    expect(await sessionStatus(browser)).toBe(200);

    await server.restart();
    expect(await inspector.dbsize()).toBe(0);
    await sleep(5);
    expect(await sessionStatus(browser)).toBe(200);

    // Once the store's connection is back, a request misses Redis, reads SQL and caches the record again.
    const deadline = Date.now() + 10_000;
    while ((await inspector.exists(cacheKey)) === 0 && Date.now() < deadline) {
      await sleep(50);
      expect(await sessionStatus(browser)).toBe(200);
    }
    expect(await inspector.exists(cacheKey)).toBe(1);
    expect(await sessionStatus(browser)).toBe(200);
  });
});
