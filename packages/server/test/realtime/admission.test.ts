import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { Browser } from '../support/auth-app.ts';
import {
  closeAllClients,
  connect,
  connectedUser,
  pageHeaders,
  type RealtimeApp,
  type Refusal,
  signedInBrowser,
  startRealtimeApp,
  tokensFor,
} from './realtime-app.ts';

/**
 * Admission of a WebSocket, black-box over real sockets with the `ws` client: every credential the gateway
 * accepts, and every way a connection attempt is refused — before a socket exists, as an HTTP answer with a
 * problem body naming the reason, counted in `websocket_auth_failures_total{reason}`.
 */

const clock = new ManualClock(Date.now());
let lift: RealtimeApp;
let other: RealtimeApp;
beforeAll(async () => {
  lift = await startRealtimeApp({ realtime: { allowedOrigins: ['https://*.example.com'] } }, {}, clock);
  other = await startRealtimeApp();
});
afterEach(() => closeAllClients());
afterAll(async () => {
  await lift.close();
  await other.close();
});

async function refusal(promise: Promise<unknown>): Promise<Refusal> {
  const outcome = await promise.then(
    () => new Error('connected, but should have been refused'),
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error) || !('status' in outcome)) throw outcome;
  return outcome as Refusal;
}

function bearer(token: string) {
  return { protocols: ['lift.v1', `lift.bearer.${token}`] };
}

async function expectRefused(promise: Promise<unknown>, status: number, code: string, reason: string) {
  const refused = await refusal(promise);
  expect(refused.status).toBe(status);
  expect(refused.body).toMatchObject({ code, reason });
  return refused;
}

describe('credentials', () => {
  it('accepts a session cookie from the same origin, and from an allowed wildcard origin', async () => {
    const browser = await signedInBrowser(lift, 'cookie@example.com');
    const same = await connect(lift.wsUrl, { headers: pageHeaders(lift, browser) });
    expect(await connectedUser(same)).toMatch(/\w+/);
    const allowed = await connect(lift.wsUrl, {
      headers: { ...pageHeaders(lift, browser), origin: 'https://app.example.com' },
    });
    expect(await connectedUser(allowed)).toBe(await connectedUser(same));
  });

  it('accepts a bearer access token in the subprotocol, echoing only lift.v1', async () => {
    await signedInBrowser(lift, 'token@example.com');
    const { access_token } = await tokensFor(lift, 'token@example.com');
    const client = await connect(lift.wsUrl, bearer(access_token));
    expect(client.socket.protocol).toBe('lift.v1');
    const hello = await client.next((frame) => frame.type === 'connected');
    expect(hello.expires_in).toBeGreaterThan(500);
  });

  it('accepts a one-time ticket once, and never again', async () => {
    const browser = await signedInBrowser(lift, 'ticket@example.com');
    const issued = await browser.post('/auth/ws-ticket', {}, { origin: 'http://lift.test' });
    expect(issued.status).toBe(200);
    const { ticket, expires_in } = (await issued.json()) as { ticket: string; expires_in: number };
    expect(expires_in).toBe(30);
    const url = `${lift.wsUrl}?ticket=${ticket}`;
    const client = await connect(url, { headers: { origin: lift.origin } });
    expect(await connectedUser(client)).toMatch(/\w+/);
    await expectRefused(
      connect(url, { headers: { origin: lift.origin } }),
      401,
      'LIFT_REALTIME_UNAUTHENTICATED',
      'ticket_invalid',
    );
  });

  it('refuses a ticket after its 30 s', async () => {
    const browser = await signedInBrowser(lift, 'late-ticket@example.com');
    const { ticket } = (await (
      await browser.post('/auth/ws-ticket', {}, { origin: 'http://lift.test' })
    ).json()) as {
      ticket: string;
    };
    clock.advance(30_001);
    await expectRefused(
      connect(`${lift.wsUrl}?ticket=${ticket}`, { headers: { origin: lift.origin } }),
      401,
      'LIFT_REALTIME_UNAUTHENTICATED',
      'ticket_invalid',
    );
  });
});

describe('refusals, each with its own reason', () => {
  it('refuses no credentials, an unknown session and an access token in the URL (off by default)', async () => {
    await expectRefused(connect(lift.wsUrl), 401, 'LIFT_REALTIME_UNAUTHENTICATED', 'missing_credentials');
    await expectRefused(
      connect(lift.wsUrl, { headers: { cookie: 'lift_session=forged', origin: lift.origin } }),
      401,
      'LIFT_REALTIME_UNAUTHENTICATED',
      'session_invalid',
    );
    await signedInBrowser(lift, 'query@example.com');
    const { access_token } = await tokensFor(lift, 'query@example.com');
    await expectRefused(
      connect(`${lift.wsUrl}?access_token=${access_token}`),
      401,
      'LIFT_REALTIME_UNAUTHENTICATED',
      'query_token_not_allowed',
    );
  });

  it('refuses malformed, foreign-signed, refresh-type, expired, revoked and blacklisted tokens apart', async () => {
    await signedInBrowser(lift, 'refused@example.com');
    const reasonOf = async (token: string) =>
      ((await refusal(connect(lift.wsUrl, bearer(token)))).body as { reason: string }).reason;
    expect(await reasonOf('not-a-token')).toBe('token_malformed');
    await signedInBrowser(other, 'foreign@example.com');
    const foreign = await tokensFor(other, 'foreign@example.com');
    expect(await reasonOf(foreign.access_token)).toMatch(/^token_(unknown_kid|bad_signature|wrong_issuer)$/);
    const pair = await tokensFor(lift, 'refused@example.com');
    expect(await reasonOf(pair.refresh_token)).toBe('token_refresh_token');

    const blacklisted = await tokensFor(lift, 'refused@example.com');
    expect(
      (await new Browser(lift.app).post('/auth/revoke', { token: blacklisted.access_token })).status,
    ).toBe(200);
    expect(await reasonOf(blacklisted.access_token)).toBe('token_blacklisted');

    const revoked = await tokensFor(lift, 'refused@example.com');
    expect((await new Browser(lift.app).post('/auth/revoke', { token: revoked.refresh_token })).status).toBe(
      200,
    );
    expect(await reasonOf(revoked.access_token)).toBe('token_revoked');

    const expiring = await tokensFor(lift, 'refused@example.com');
    clock.advance(expiring.expires_in * 1000 + 120_000);
    expect(await reasonOf(expiring.access_token)).toBe('token_expired');
  });

  it('refuses the tokens of a disabled user as user_revoked, and the session as session_invalid', async () => {
    const admin = await signedInBrowser(lift, 'admin@example.com');
    const me = (await (await admin.request('/auth/session')).json()) as { user: { id: string } };
    await lift.app.access.grantSystemRole(me.user.id);
    const victim = await signedInBrowser(lift, 'victim@example.com');
    const victimId = ((await (await victim.request('/auth/session')).json()) as { user: { id: string } }).user
      .id;
    const { access_token } = await tokensFor(lift, 'victim@example.com');
    // A user-wide revocation cuts at the start of its second: the token is from an earlier one.
    clock.advance(1_000);
    const disabled = await admin.post(
      `/admin/api/users/${victimId}/disable`,
      {},
      { origin: 'http://lift.test' },
    );
    expect(disabled.status, await disabled.clone().text()).toBe(200);
    expect(
      ((await refusal(connect(lift.wsUrl, bearer(access_token)))).body as { reason: string }).reason,
    ).toBe('token_user_revoked');
    expect(
      (
        (await refusal(connect(lift.wsUrl, { headers: pageHeaders(lift, victim) }))).body as {
          reason: string;
        }
      ).reason,
    ).toBe('session_invalid');
  });

  it('refuses a cookie connection from another origin, or without one (cross-site WebSocket hijacking)', async () => {
    const browser = await signedInBrowser(lift, 'origin@example.com');
    await expectRefused(
      connect(lift.wsUrl, { headers: { ...pageHeaders(lift, browser), origin: 'https://evil.test' } }),
      403,
      'LIFT_REALTIME_ORIGIN_REFUSED',
      'origin_not_allowed',
    );
    await expectRefused(
      connect(lift.wsUrl, { headers: { ...pageHeaders(lift, browser), origin: 'https://a.b.example.com' } }),
      403,
      'LIFT_REALTIME_ORIGIN_REFUSED',
      'origin_not_allowed',
    );
    const { origin: _, ...noOrigin } = pageHeaders(lift, browser);
    await expectRefused(
      connect(lift.wsUrl, { headers: noOrigin }),
      403,
      'LIFT_REALTIME_ORIGIN_REFUSED',
      'origin_missing',
    );
  });

  it('refuses the 6th connection of a user with 429, and admits again after one closes', async () => {
    const browser = await signedInBrowser(lift, 'many@example.com');
    const clients: Awaited<ReturnType<typeof connect>>[] = [];
    for (let i = 0; i < 5; i++)
      clients.push(await connect(lift.wsUrl, { headers: pageHeaders(lift, browser) }));
    await expectRefused(
      connect(lift.wsUrl, { headers: pageHeaders(lift, browser) }),
      429,
      'LIFT_REALTIME_CONNECTION_LIMIT',
      'user_connection_limit',
    );
    clients[0]!.socket.close();
    await clients[0]!.closed;
    await expect
      .poll(() => lift.app.module('realtime').count({ userId: String(clients[1]!.frames[0]?.user_id) }))
      .toBe(4);
    await connect(lift.wsUrl, { headers: pageHeaders(lift, browser) });
  });

  it('answers a plain GET /ws with 426 and counts every refusal by reason', async () => {
    const response = await fetch(`${lift.url}/ws`);
    expect(response.status).toBe(426);
    expect(await response.json()).toMatchObject({ code: 'LIFT_UPGRADE_REQUIRED' });
    const scrape = await lift.app.module('telemetry').scrape();
    expect(scrape).toMatch(/websocket_auth_failures_total\{reason="missing_credentials"\} [1-9]/);
    expect(scrape).toMatch(/websocket_connections_total\{status="accepted"\} [1-9]/);
    // An accepted upgrade is logged and counted as the 101 the client got, not as the route's internal answer.
    expect(scrape).toMatch(/http_requests_total\{[^}]*route="\/ws"[^}]*status="101"[^}]*\} [1-9]/);
  });
});

describe('attempts per client address', () => {
  it('refuses the 21st attempt from one address within a minute (sliding window of the limits module)', async () => {
    const limited = await startRealtimeApp({ realtime: { connectAttempts: { limit: 20 } } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) statuses.push((await refusal(connect(limited.wsUrl))).status);
      expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
      const last = await refusal(connect(limited.wsUrl));
      expect(last.status).toBe(429);
      expect(last.body).toMatchObject({ code: 'LIFT_RATE_LIMITED', policy: 'ws-connect' });
    } finally {
      await limited.close();
    }
  });
});
