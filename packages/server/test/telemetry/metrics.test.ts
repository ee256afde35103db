import { afterEach, describe, expect, it } from 'vitest';
import { requireAuth } from '../../src/core/authenticate.ts';
import { createLift } from '../../src/index.ts';
import { loggedIn, signUpVerified } from '../identity/identity-steps.ts';
import { type AuthApp, Browser, GOOD_PASSWORD, startAuthApp } from '../support/auth-app.ts';

/**
 * The metrics a running app exports, read the way Prometheus reads them: the text of a scrape. What a request,
 * a login, a refusal or a token does shows up under the declared names and labels; labels carry route
 * templates and reason codes, never a path, an email or an id.
 */

/** `name{labels} value` lines of a scrape, by the series (name and labels). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

function value(text: string, series: string): number | undefined {
  return samples(text).get(series);
}

let auth: AuthApp | undefined;
afterEach(async () => {
  await auth?.close();
  auth = undefined;
});

describe('HTTP metrics', () => {
  it('labels requests by route template: 10,000 distinct ids add no series', async () => {
    const app = createLift({ env: 'test', log: { level: 'silent' }, auth: { enabled: false } });
    app.get('/notes/:id', () => ({ ok: true }));
    await app.start();
    try {
      const telemetry = app.module('telemetry');
      await app.fetch(new Request('http://x/notes/first'));
      const before = samples(await telemetry.scrape());
      for (let i = 0; i < 10_000; i++) await app.fetch(new Request(`http://x/notes/${i}-${Math.random()}`));
      await app.fetch(new Request('http://x/nowhere/at/all'));
      const after = await telemetry.scrape();
      const http = (map: Map<string, number>) => [...map.keys()].filter((key) => key.startsWith('http_'));
      const added = http(samples(after)).filter((key) => !before.has(key));
      // Only the unmatched request is new: one counter series and its histogram (buckets, sum, count).
      expect(added.every((key) => key.includes('route="unmatched"'))).toBe(true);
      expect(added.length).toBe(1 + 15 + 2);
      expect(value(after, 'http_requests_total{method="GET",route="/notes/:id",status="200"}')).toBe(10_001);
      expect(value(after, 'http_request_duration_seconds_count{method="GET",route="/notes/:id"}')).toBe(
        10_001,
      );
      expect(value(after, 'http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
      expect(after).not.toContain('/nowhere');
    } finally {
      await app.close();
    }
  });

  it('counts an error answer under its status, and records nothing with metrics.mode off', async () => {
    const app = createLift({ env: 'test', log: { level: 'silent' }, auth: { enabled: false } });
    app.get('/boom', () => {
      throw new Error('bug');
    });
    await app.start();
    try {
      expect((await app.fetch(new Request('http://x/boom'))).status).toBe(500);
      const text = await app.module('telemetry').scrape();
      expect(value(text, 'http_requests_total{method="GET",route="/boom",status="500"}')).toBe(1);
    } finally {
      await app.close();
    }
    const off = createLift({
      env: 'test',
      log: { level: 'silent' },
      auth: { enabled: false },
      metrics: { mode: 'off' },
    });
    off.get('/quiet', () => ({ ok: true }));
    await off.fetch(new Request('http://x/quiet'));
    expect(await off.module('telemetry').scrape()).not.toContain('route="/quiet"');
    await off.close();
  });
});

describe('GET /metrics', () => {
  it('needs metrics:read on the app port: 401 anonymous, 403 for a user, the scrape for an admin', async () => {
    auth = await startAuthApp();
    const anonymous = await auth.app.fetch(new Request('http://lift.test/metrics'));
    expect(anonymous.status).toBe(401);
    const { browser, userId } = await signUpVerified(auth, 'metrics-reader@example.com');
    expect((await browser.request('/metrics')).status).toBe(403);
    await auth.app.identity.roles.grant(userId, 'admin');
    const scrape = await browser.request('/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await scrape.text();
    expect(text).toContain('# TYPE http_requests_total counter');
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).not.toContain('nodejs_active_handles_total');
  });

  it('is served without credentials on metrics.port only, and not on the app port', async () => {
    auth = await startAuthApp({ metrics: { port: 0 } });
    const url = auth.app.module('telemetry').metricsUrl();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const scrape = await fetch(url!);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toContain('# TYPE sessions_active gauge');
    expect((await fetch(url!.replace('/metrics', '/elsewhere'))).status).toBe(404);
    expect((await auth.app.fetch(new Request('http://lift.test/metrics'))).status).toBe(404);
  });
});

describe('module metrics', () => {
  it('count logins by outcome and reason, sessions, and time the decision, without naming anyone', async () => {
    auth = await startAuthApp();
    const telemetry = auth.app.module('telemetry');
    const email = 'counted@example.com';
    const { userId } = await signUpVerified(auth, email);
    const wrong = await new Browser(auth.app).post('/auth/login', {
      email,
      password: 'not the password at all',
    });
    expect(wrong.status).toBe(401);
    const unknown = await new Browser(auth.app).post('/auth/login', {
      email: 'nobody@example.com',
      password: GOOD_PASSWORD,
    });
    expect(unknown.status).toBe(401);
    const browser = await loggedIn(auth, email);
    const text = await telemetry.scrape();
    const attempts = (outcome: string, reason: string) =>
      value(text, `auth_attempts_total{method="password",outcome="${outcome}",reason="${reason}"}`);
    expect(attempts('failure', 'wrong_password')).toBe(1);
    expect(attempts('failure', 'unknown_email')).toBe(1);
    // Verifying the address signed the user in too.
    expect(attempts('success', 'none')).toBe(2);
    expect(value(text, 'auth_latency_seconds_count{method="password"}')).toBe(3);
    // The signup's verification started a session, the login another.
    expect(value(text, 'sessions_created_total')).toBe(2);
    expect(value(text, 'sessions_active')).toBe(2);
    expect(text).not.toContain(email);
    expect(text).not.toContain(userId);

    expect((await browser.post('/auth/logout')).status).toBe(204);
    const after = await telemetry.scrape();
    expect(value(after, 'sessions_active')).toBe(1);
    expect(value(after, 'sessions_revoked_total{reason="logout"}')).toBe(1);
  });

  it('count tokens issued and verified, refusals by reason, and permission denials by code', async () => {
    auth = await startAuthApp();
    auth.app.group('/guarded', requireAuth()).get('/', () => ({ ok: true }));
    const telemetry = auth.app.module('telemetry');
    const email = 'tokens-counted@example.com';
    await signUpVerified(auth, email);
    const login = await new Browser(auth.app).post('/auth/login', {
      email,
      password: GOOD_PASSWORD,
      response: 'tokens',
    });
    expect(login.status).toBe(200);
    const { access_token: token } = (await login.json()) as { access_token: string };
    const bearer = (value: string) =>
      auth!.app.fetch(
        new Request('http://lift.test/guarded', { headers: { authorization: `Bearer ${value}` } }),
      );
    expect((await bearer(token)).status).toBe(200);
    expect((await bearer(`${token.slice(0, -4)}AAAA`)).status).toBe(401);
    const denied = await auth.app.fetch(
      new Request('http://lift.test/admin/api/users', { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(denied.status).toBe(403);
    await auth.app.events.settled();
    const text = await telemetry.scrape();
    expect(value(text, 'tokens_issued_total{type="access"}')).toBe(1);
    expect(value(text, 'tokens_issued_total{type="refresh"}')).toBe(1);
    expect(value(text, 'token_verifications_total{outcome="ok"}')).toBe(2);
    expect(value(text, 'token_verifications_total{outcome="bad_signature"}')).toBe(1);
    expect(value(text, 'access_denied_total{code="missing_permission"}')).toBe(1);
    expect(value(text, 'access_cache_lookups_total{result="hit"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'access_check_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'token_reuse_detected_total')).toBe(0);
    expect(text).not.toContain(token.slice(0, 20));
  });

  it('time every store call by store, adapter and operation, and read readiness and the outbox backlog', async () => {
    auth = await startAuthApp();
    const telemetry = auth.app.module('telemetry');
    await signUpVerified(auth, 'stores-counted@example.com');
    const text = await telemetry.scrape();
    expect(
      value(
        text,
        'store_operation_duration_seconds_count{store="users",adapter="sqlite",operation="create"}',
      ),
    ).toBe(1);
    expect(value(text, 'store_errors_total{store="users",adapter="sqlite",operation="create"}')).toBe(0);
    expect(value(text, 'readiness_state')).toBe(1);
    expect(value(text, 'readiness_transitions_total')).toBe(0);
    expect(value(text, 'outbox_pending_events')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'outbox_lag_seconds')).toBeGreaterThanOrEqual(0);
  });
});
