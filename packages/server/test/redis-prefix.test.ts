import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENTS_CHANNEL } from '../src/core/events.ts';
import { INVALIDATION_CHANNEL } from '../src/core/invalidation.ts';
import { signUpVerified } from './sessions/verified-user.ts';
import { type AuthApp, Browser, startAuthApp } from './support/auth-app.ts';
import { startRedisServer, type TestRedisServer } from './support/redis-server.ts';

/**
 * Two apps sharing one Redis (a private redis-server, so every key in it is ours to inspect): with their own
 * `storage.redisPrefix` they share nothing — no key, no channel, no counter; with the default `lift:` they
 * collide, which is what the setting is for.
 */
vi.setConfig({ testTimeout: 60_000 });

let redis: TestRedisServer;
let inspector: Redis;
let listener: Redis;
const channels = new Set<string>();
const apps: AuthApp[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  inspector = new Redis(redis.url);
  listener = new Redis(redis.url);
  listener.on('pmessage', (_pattern: string, channel: string) => channels.add(channel));
  await listener.psubscribe('*');
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await inspector.flushall();
  channels.clear();
});

afterAll(async () => {
  listener.disconnect();
  inspector.disconnect();
  await redis.stop();
});

async function startApp(redisPrefix?: string): Promise<AuthApp> {
  const app = await startAuthApp({
    storage: { kv: redis.url, broker: redis.url, ...(redisPrefix === undefined ? {} : { redisPrefix }) },
    auth: { throttle: { login: 3 } },
  });
  apps.push(app);
  return app;
}

/** Messages app `to` receives on Lift's invalidation and event channels. */
async function heard(to: AuthApp): Promise<string[]> {
  const messages: string[] = [];
  for (const channel of [INVALIDATION_CHANNEL, EVENTS_CHANNEL]) {
    await to.app.storage.broker.subscribe(channel, (message) => {
      messages.push(`${channel} ${message}`);
    });
  }
  return messages;
}

/** Signs up on `app`, logs out (a session revocation, published), and spends the login throttle of one IP. */
async function activity(app: AuthApp, email: string): Promise<void> {
  const browser = new Browser(app.app, { ip: '192.0.2.40' });
  await signUpVerified(browser, email);
  expect((await browser.post('/auth/logout')).status).toBe(204);
  for (let attempt = 0; attempt < 3; attempt++) {
    const login = await browser.post('/auth/login', { email, password: 'not the password at all' });
    expect(login.status).toBe(401);
  }
  expect((await browser.post('/auth/login', { email, password: 'not the password at all' })).status).toBe(
    429,
  );
}

/** A login from the same address on `app`, after the other app spent that address's throttle. */
async function loginStatus(app: AuthApp): Promise<number> {
  const browser = new Browser(app.app, { ip: '192.0.2.40' });
  const login = await browser.post('/auth/login', {
    email: 'nobody@example.com',
    password: 'wrong password',
  });
  return login.status;
}

async function allKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await inspector.scan(cursor, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** Lets broker messages in flight arrive. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
}

describe('storage.redisPrefix', () => {
  it('keeps two apps on one Redis apart: keys, channels and counters', async () => {
    const a = await startApp('appa:');
    const b = await startApp('appb:');
    const heardByB = await heard(b);
    const heardByA = await heard(a);

    await activity(a, 'ada@example.com');
    await settle();

    // A's revocation and events reached A's own nodes, and none of B's.
    expect(heardByA.some((message) => message.startsWith(INVALIDATION_CHANNEL))).toBe(true);
    expect(heardByB).toEqual([]);
    // A spent the login throttle of 192.0.2.40; B counts its own.
    expect(await loginStatus(b)).toBe(401);

    const keys = await allKeys();
    expect(keys.filter((key) => key.startsWith('appa:')).length).toBeGreaterThan(0);
    expect(keys.filter((key) => key.startsWith('appb:')).length).toBeGreaterThan(0);
    expect(keys.filter((key) => !key.startsWith('appa:') && !key.startsWith('appb:'))).toEqual([]);
    expect(channels.size).toBeGreaterThan(0);
    expect([...channels].filter((name) => !name.startsWith('appa:') && !name.startsWith('appb:'))).toEqual(
      [],
    );
    expect([...channels].some((name) => name.startsWith('appa:'))).toBe(true);
  });

  it('defaults to lift:, where two apps share keys, channels and counters', async () => {
    const a = await startApp();
    const b = await startApp();
    const heardByB = await heard(b);

    await activity(a, 'grace@example.com');
    await settle();

    expect(heardByB.some((message) => message.startsWith(INVALIDATION_CHANNEL))).toBe(true);
    expect(await loginStatus(b)).toBe(429);
    const keys = await allKeys();
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((key) => !key.startsWith('lift:'))).toEqual([]);
    expect([...channels].filter((name) => !name.startsWith('lift:'))).toEqual([]);
  });

  it('refuses a prefix that is empty or would act as a SCAN pattern', async () => {
    await expect(startApp('')).rejects.toThrow(/storage\.redisPrefix/);
    await expect(startApp('app*:')).rejects.toThrow(/storage\.redisPrefix/);
  });
});
