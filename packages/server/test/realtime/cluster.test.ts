import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import { startLift } from '../support/lift-process.ts';
import {
  type FreshPostgresSchema,
  freshPostgresSchemaUrl,
  postgresUrl,
  redisUrl,
  uniqueRedisPrefix,
} from '../support/services.ts';
import {
  closeAllClients,
  connect,
  connectedUser,
  pageHeaders,
  type RealtimeApp,
  type Refusal,
  signedInBrowser,
  startRealtimeApp,
} from './realtime-app.ts';

/**
 * Two nodes of the scaled shape (one PostgreSQL schema, one Redis) in this process, each on its own port:
 * the per-user limit, revocations, publications, counts and disconnects hold across both.
 */

const redis = await redisUrl();
const SECRET = 'realtime-cluster-test-secret-'.padEnd(64, 'x');
const postgres = await postgresUrl();

describe.skipIf(!redis || !postgres)('the realtime gateway on two nodes sharing Redis', () => {
  let schema: FreshPostgresSchema;
  let a: RealtimeApp;
  let b: RealtimeApp;
  const prefix = uniqueRedisPrefix('rt');
  beforeAll(async () => {
    schema = await freshPostgresSchemaUrl('realtime');
    const shared: LiftConfigInput = {
      secret: SECRET,
      storage: { url: schema.url, kv: redis!, broker: redis!, redisPrefix: prefix },
      realtime: { registryTtlMs: 1_500, pingIntervalMs: 300 },
    };
    a = await startRealtimeApp(shared);
    b = await startRealtimeApp(shared);
  });
  afterEach(() => closeAllClients());
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await schema?.drop();
  });

  it('refuses the 6th connection of a user across the two nodes, and counts exactly', async () => {
    const browser = await signedInBrowser(a, 'six@example.com');
    const headersA = pageHeaders(a, browser);
    const headersB = pageHeaders(b, browser);
    const clients = [];
    for (let i = 0; i < 3; i++) clients.push(await connect(a.wsUrl, { headers: headersA }));
    for (let i = 0; i < 2; i++) clients.push(await connect(b.wsUrl, { headers: headersB }));
    const userId = await connectedUser(clients[0]!);
    const refused = (await connect(b.wsUrl, { headers: headersB }).catch(
      (error: unknown) => error,
    )) as Refusal;
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ reason: 'user_connection_limit' });
    expect(await a.app.module('realtime').count({ userId })).toBe(5);
    expect(await b.app.module('realtime').count({ userId })).toBe(5);
  });

  it('closes the socket on node B within a second when the session logs out on node A', async () => {
    const browser = await signedInBrowser(a, 'logout@example.com');
    const client = await connect(b.wsUrl, { headers: pageHeaders(b, browser) });
    await connectedUser(client);
    const started = Date.now();
    expect((await browser.post('/auth/logout', {}, { origin: 'http://lift.test' })).status).toBe(204);
    expect((await client.closed).code).toBe(4003);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('delivers a publication made on A to every connection of the user on both nodes', async () => {
    const browser = await signedInBrowser(a, 'fanout@example.com');
    const onA = await connect(a.wsUrl, { headers: pageHeaders(a, browser) });
    const onB = await connect(b.wsUrl, { headers: pageHeaders(b, browser) });
    const channel = `user:${await connectedUser(onA)}`;
    for (const client of [onA, onB]) await client.request({ type: 'subscribe', channel });
    await a.app.module('realtime').publish(channel, { from: 'a' });
    for (const client of [onA, onB]) {
      expect(await client.next((frame) => frame.type === 'publication')).toMatchObject({
        data: { from: 'a' },
        offset: 1,
      });
    }
  });

  it('disconnects a user on every node, and a dead node’s connections stop counting within the TTL', async () => {
    const browser = await signedInBrowser(a, 'kick@example.com');
    const onA = await connect(a.wsUrl, { headers: pageHeaders(a, browser) });
    const onB = await connect(b.wsUrl, { headers: pageHeaders(b, browser) });
    const userId = await connectedUser(onA);
    await b.app.module('realtime').disconnect({ userId });
    expect((await onA.closed).code).toBe(4102);
    expect((await onB.closed).code).toBe(4102);

    // A third node as a real process, killed with SIGKILL: nothing closes, its heartbeats just stop.
    const other = await signedInBrowser(a, 'dead-node@example.com');
    const third = await startLift(['--app', 'packages/server/test/fixtures/realtime-node.ts'], {
      LIFT_SECRET: SECRET,
      LIFT_STORAGE__URL: schema.url,
      LIFT_STORAGE__KV: redis!,
      LIFT_STORAGE__BROKER: redis!,
      LIFT_STORAGE__REDIS_PREFIX: prefix,
      LIFT_REALTIME__REGISTRY_TTL_MS: '1500',
      LIFT_LOG__LEVEL: 'warn',
    });
    try {
      const origin = third.url;
      const doomed = await connect(`${third.url.replace('http', 'ws')}/ws`, {
        headers: { cookie: `${other.cookieName}=${other.cookie}`, origin },
      });
      const otherId = await connectedUser(doomed);
      expect(await a.app.module('realtime').count({ userId: otherId })).toBe(1);
      third.child.kill('SIGKILL');
      await expect
        .poll(() => a.app.module('realtime').count({ userId: otherId }), { timeout: 5_000 })
        .toBe(0);
    } finally {
      await third.stop().catch(() => {});
    }
  });
});
