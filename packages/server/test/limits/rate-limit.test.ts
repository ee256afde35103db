import { afterEach, describe, expect, it } from 'vitest';
import { createLift } from '../../src/app/create-lift.ts';
import { ManualClock } from '../../src/core/clock.ts';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import type { Principal } from '../../src/core/request-state.ts';
import type { Middleware } from '../../src/core/routes.ts';
import { captureLogger } from '../../src/http/test-app.ts';
import { limitsModule, type RateLimitPolicy } from '../../src/limits/index.ts';
import { call } from '../support/app-request.ts';
import { startRedisServer } from '../support/redis-server.ts';
import { uniqueRedisPrefix } from '../support/services.ts';

/** `rateLimit()` as a client sees it: statuses, the draft's header fields, the problem body, the metrics. */

const memory = { url: 'sqlite::memory:', kv: 'memory:' };
const apps: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

function limitedApp(policies: RateLimitPolicy[] | undefined, config: Partial<LiftConfigInput> = {}) {
  const clock = new ManualClock();
  const app = createLift(
    { env: 'test', log: { level: 'silent' }, storage: memory, ...config } as LiftConfigInput,
    { modules: [limitsModule()], clock },
  );
  apps.push(app);
  const limits = app.module('limits');
  app
    .group('/limited', limits.rateLimit(policies ? { policies } : {}))
    .get('/hello', () => ({ hello: 'world' }));
  return { app, clock, limits };
}

const get = (app: Parameters<typeof call>[0], headers: Record<string, string> = {}) =>
  call(app, '/limited/hello', { headers });

describe('rateLimit()', () => {
  it('admits the limit, then answers 429 with Retry-After, the draft fields and the policy name', async () => {
    const { app, clock } = limitedApp([{ name: 'burst', limit: 3, windowSeconds: 60 }]);
    const first = await get(app);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"burst";q=3;w=60');
    expect(first.headers.get('ratelimit')).toBe('"burst";r=2;t=120');
    await get(app);
    clock.advance(12_000);
    expect((await get(app)).headers.get('ratelimit')).toBe('"burst";r=0;t=108');
    const refused = await get(app);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refused.headers.get('retry-after')).toBe('68');
    expect(refused.headers.get('ratelimit')).toBe('"burst";r=0;t=108');
    expect(await refused.json()).toMatchObject({
      status: 429,
      code: 'LIFT_RATE_LIMITED',
      policy: 'burst',
      retry_after_seconds: 68,
    });
    // In the next window the 3 weigh 3 × (60 − e)/60; one more fits at e = 20 s, 68 s from now.
    clock.advance(67_000);
    expect((await get(app)).status).toBe(429);
    clock.advance(1_000);
    expect((await get(app)).status).toBe(200);
  });

  it('checks several policies in order, names the one that refused, and charges a cost', async () => {
    const { app } = limitedApp([
      { name: 'burst', limit: 10, windowSeconds: 60, cost: 2 },
      { name: 'daily', limit: 5, windowSeconds: 86_400 },
    ]);
    const responses = [];
    for (let i = 0; i < 6; i++) responses.push(await get(app));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(responses[0]!.headers.get('ratelimit-policy')).toBe('"burst";q=10;w=60, "daily";q=5;w=86400');
    expect(responses[4]!.headers.get('ratelimit')).toBe('"burst";r=0;t=120, "daily";r=0;t=172800');
    expect(await responses[5]!.json()).toMatchObject({ policy: 'burst' });
  });

  it('keys by a function of the request, and a null key leaves the request out', async () => {
    const { app } = limitedApp([
      { name: 'per-tenant', limit: 1, windowSeconds: 60, key: (c) => c.req.header('x-tenant') ?? null },
    ]);
    expect((await get(app, { 'x-tenant': 'a' })).status).toBe(200);
    expect((await get(app, { 'x-tenant': 'a' })).status).toBe(429);
    expect((await get(app, { 'x-tenant': 'b' })).status).toBe(200);
    const unkeyed = await get(app);
    expect(unkeyed.status).toBe(200);
    expect(unkeyed.headers.get('ratelimit')).toBeNull();
  });

  it('applies GCRA: a burst, then the sustained rate', async () => {
    const { app, clock } = limitedApp([
      { name: 'gcra', algorithm: 'gcra', rate: 1, periodSeconds: 1, burst: 2 },
    ]);
    expect((await get(app)).headers.get('ratelimit-policy')).toBe('"gcra";q=2;w=2');
    expect((await get(app)).status).toBe(200);
    expect((await get(app)).status).toBe(429);
    clock.advance(1_000);
    expect((await get(app)).status).toBe(200);
  });

  it('uses limits.default for rateLimit() without policies, and admits everything when limits.enabled is off', async () => {
    const on = limitedApp(undefined, { limits: { default: { limit: 1, windowSeconds: 10 } } } as never);
    expect((await get(on.app)).headers.get('ratelimit-policy')).toBe('"default";q=1;w=10');
    expect((await get(on.app)).status).toBe(429);
    const off = limitedApp(undefined, { limits: { enabled: false, default: { limit: 1 } } } as never);
    expect((await get(off.app)).status).toBe(200);
    expect((await get(off.app)).status).toBe(200);
  });

  it('refuses a bad policy at setup, not at request time', () => {
    const { limits } = limitedApp([{ name: 'burst', limit: 3, windowSeconds: 60 }]);
    expect(() => limits.rateLimit({ policies: [{ name: 'Bad Name', limit: 1, windowSeconds: 1 }] })).toThrow(
      /policy name/,
    );
    expect(() => limits.rateLimit({ policies: [{ name: 'x', limit: 0, windowSeconds: 1 }] })).toThrow(
      /limit must be a positive integer/,
    );
    expect(() => limits.rateLimit({ policies: [{ name: 'burst', limit: 4, windowSeconds: 60 }] })).toThrow(
      /one name is one counter/,
    );
  });

  it('counts decisions by policy and outcome', async () => {
    const { app } = limitedApp([{ name: 'burst', limit: 1, windowSeconds: 60 }]);
    await get(app);
    await get(app);
    await get(app);
    const scrape = await app.module('telemetry').scrape();
    expect(scrape).toContain('rate_limit_decisions_total{policy="burst",outcome="allowed"} 1');
    expect(scrape).toContain('rate_limit_decisions_total{policy="burst",outcome="limited"} 2');
  });
});

describe('rateLimit() when the store fails', () => {
  it('fails open by default and closed (503) where a policy says so; counted, logged once per interval', async () => {
    const redis = await startRedisServer();
    const captured = captureLogger();
    const clock = new ManualClock();
    const app = createLift(
      {
        env: 'test',
        storage: { url: 'sqlite::memory:', kv: redis.url, redisPrefix: uniqueRedisPrefix('rl') },
      } as LiftConfigInput,
      { modules: [limitsModule()], clock, logger: captured.logger },
    );
    apps.push(app);
    const limits = app.module('limits');
    app
      .group('/open', limits.rateLimit({ policies: [{ name: 'soft', limit: 1, windowSeconds: 60 }] }))
      .get('/x', () => ({ ok: true }));
    app
      .group(
        '/closed',
        limits.rateLimit({ policies: [{ name: 'login', limit: 1, windowSeconds: 60, fail: 'closed' }] }),
      )
      .get('/x', () => ({ ok: true }));
    const first = await call(app, '/open/x');
    expect([first.status, await first.text()]).toEqual([200, '{"ok":true}']);
    expect((await call(app, '/open/x')).status).toBe(429);
    await redis.stop();
    for (let i = 0; i < 3; i++) expect((await call(app, '/open/x')).status).toBe(200);
    const closed = await call(app, '/closed/x');
    expect(closed.status).toBe(503);
    expect(await closed.json()).toMatchObject({ code: 'LIFT_RATE_LIMIT_UNAVAILABLE', policy: 'login' });
    const scrape = await app.module('telemetry').scrape();
    expect(scrape).toContain('rate_limit_store_errors_total{policy="soft"} 3');
    expect(scrape).toContain('rate_limit_decisions_total{policy="soft",outcome="failed_open"} 3');
    expect(scrape).toContain('rate_limit_decisions_total{policy="login",outcome="failed_closed"} 1');
    const logged = captured
      .lines()
      .filter((line) => String(line.msg).includes('Rate-limit store did not answer'));
    expect(logged).toHaveLength(1);
  });
});

describe('rateLimit() subjects', () => {
  it('counts per client IP from the trusted-proxy logic, so a spoofed X-Forwarded-For resets nothing', async () => {
    const app = createLift({ env: 'test', log: { level: 'silent' }, storage: memory } as LiftConfigInput, {
      modules: [limitsModule()],
    });
    apps.push(app);
    app
      .group(
        '/ip',
        app.module('limits').rateLimit({ policies: [{ name: 'ip', limit: 2, windowSeconds: 60 }] }),
      )
      .get('/x', () => ({ ok: true }));
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${address.url}/ip/x`, {
        headers: { 'x-forwarded-for': `198.51.100.${i}` },
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
  });

  it('keys by user and applies an override per principal, or none for an unlimited one', async () => {
    const app = createLift({ env: 'test', log: { level: 'silent' }, storage: memory } as LiftConfigInput, {
      modules: [limitsModule()],
    });
    apps.push(app);
    const asUser: Middleware = async (c, next) => {
      const id = c.req.header('x-user');
      if (id) c.set('principal', { type: 'user', id, userId: id } as Principal);
      await next();
    };
    const policy: RateLimitPolicy = {
      name: 'per-user',
      key: 'user',
      limit: 1,
      windowSeconds: 60,
      overrides: { vip: { limit: 3, windowSeconds: 60 }, robot: 'unlimited' },
    };
    app.group('/u', asUser, app.module('limits').rateLimit({ policies: [policy] })).get('/x', () => ({}));
    const statuses = async (user: string, times: number) => {
      const seen = [];
      for (let i = 0; i < times; i++)
        seen.push((await call(app, '/u/x', { headers: { 'x-user': user } })).status);
      return seen;
    };
    expect(await statuses('alice', 2)).toEqual([200, 429]);
    expect(await statuses('bob', 1)).toEqual([200]);
    const vip = await call(app, '/u/x', { headers: { 'x-user': 'vip' } });
    expect(vip.headers.get('ratelimit-policy')).toBe('"per-user";q=3;w=60');
    expect(await statuses('vip', 3)).toEqual([200, 200, 429]);
    expect(await statuses('robot', 5)).toEqual([200, 200, 200, 200, 200]);
  });
});
