import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import {
  closeAllClients,
  connect,
  connectedUser,
  pageHeaders,
  type RealtimeApp,
  signedInBrowser,
  startRealtimeApp,
  tokensFor,
} from './realtime-app.ts';

/**
 * A connection's life after admission: one login for HTTP and WebSocket (logging out over HTTP closes the
 * socket), the credential's expiry (4001 unless refreshed in-band), and heartbeats from one sweep timer that
 * end a peer which stopped answering.
 */

const clock = new ManualClock(Date.now());
let lift: RealtimeApp;
beforeAll(async () => {
  lift = await startRealtimeApp({ realtime: { pingIntervalMs: 100, expiryGraceMs: 25_000 } }, {}, clock);
});
afterEach(() => closeAllClients());
afterAll(async () => {
  await lift.close();
});

describe('one login for HTTP and WebSocket', () => {
  it('closes the socket with 4003 within a second when the session logs out over HTTP', async () => {
    const browser = await signedInBrowser(lift, 'logout@example.com');
    const client = await connect(lift.wsUrl, { headers: pageHeaders(lift, browser) });
    await connectedUser(client);
    const started = Date.now();
    expect((await browser.post('/auth/logout', {}, { origin: 'http://lift.test' })).status).toBe(204);
    const closed = await client.closed;
    expect(closed.code).toBe(4003);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('closes a token connection when its login is revoked, and leaves the user’s other logins open', async () => {
    await signedInBrowser(lift, 'family@example.com');
    const revoked = await tokensFor(lift, 'family@example.com');
    const kept = await tokensFor(lift, 'family@example.com');
    const one = await connect(lift.wsUrl, { protocols: ['lift.v1', `lift.bearer.${revoked.access_token}`] });
    const other = await connect(lift.wsUrl, { protocols: ['lift.v1', `lift.bearer.${kept.access_token}`] });
    await connectedUser(one);
    await connectedUser(other);
    const response = await fetch(`${lift.url}/auth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: revoked.refresh_token }),
    });
    expect(response.status).toBe(200);
    expect((await one.closed).code).toBe(4003);
    expect(await other.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
  });
});

describe('credential expiry', () => {
  it('warns before the token expires, and closes with 4001 after the grace period', async () => {
    await signedInBrowser(lift, 'expiry@example.com');
    const pair = await tokensFor(lift, 'expiry@example.com');
    const client = await connect(lift.wsUrl, { protocols: ['lift.v1', `lift.bearer.${pair.access_token}`] });
    const hello = await client.next((frame) => frame.type === 'connected');
    expect(hello.expires_in).toBeGreaterThan(0);
    clock.advance(pair.expires_in * 1000 - 100);
    await client.next((frame) => frame.type === 'expiring');
    clock.advance(25_000 + 200);
    expect((await client.closed).code).toBe(4001);
  });

  it('stays open past the old expiry after an in-band refresh with a new token', async () => {
    await signedInBrowser(lift, 'refresh@example.com');
    const pair = await tokensFor(lift, 'refresh@example.com');
    const client = await connect(lift.wsUrl, { protocols: ['lift.v1', `lift.bearer.${pair.access_token}`] });
    await connectedUser(client);
    clock.advance(pair.expires_in * 1000 - 60_000);
    const fresh = await tokensFor(lift, 'refresh@example.com');
    const reply = await client.request({ type: 'refresh', token: fresh.access_token });
    expect(reply).toMatchObject({ type: 'reply' });
    expect(reply.expires_in).toBeGreaterThan(pair.expires_in - 5);
    clock.advance(60_000 + 25_000 + 1_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await client.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
  });

  it('refuses a refresh with a refresh token or another user’s token, keeping the connection', async () => {
    await signedInBrowser(lift, 'mine@example.com');
    await signedInBrowser(lift, 'theirs@example.com');
    const mine = await tokensFor(lift, 'mine@example.com');
    const theirs = await tokensFor(lift, 'theirs@example.com');
    const client = await connect(lift.wsUrl, { protocols: ['lift.v1', `lift.bearer.${mine.access_token}`] });
    await connectedUser(client);
    for (const token of [mine.refresh_token, theirs.access_token, 'garbage']) {
      expect(await client.request({ type: 'refresh', token })).toMatchObject({ code: 'refresh_failed' });
    }
  });
});

describe('heartbeats', () => {
  it('keeps answering peers open over many sweeps, and terminates one that stopped answering pings', async () => {
    const browser = await signedInBrowser(lift, 'heartbeat@example.com');
    const lively = await connect(lift.wsUrl, { headers: pageHeaders(lift, browser) });
    const silent = await connect(lift.wsUrl, { headers: pageHeaders(lift, browser), autoPong: false });
    const pings: number[] = [];
    lively.socket.on('ping', () => pings.push(Date.now()));
    const closed = await silent.closed;
    expect(closed.code).toBe(1006);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(pings.length).toBeGreaterThanOrEqual(5);
    expect(await lively.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    const scrape = await lift.app.module('telemetry').scrape();
    expect(scrape).toMatch(/websocket_disconnects_total\{reason="heartbeat"\} [1-9]/);
  });
});
