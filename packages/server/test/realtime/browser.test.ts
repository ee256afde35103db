import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { chromiumPath, launchChromium } from '../support/chromium.ts';
import { type LiftProcess, startLift, tempDataDir } from '../support/lift-process.ts';
import {
  type BrowserApp,
  createUser,
  createUserOverHttp,
  PING_INTERVAL_MS,
  startBrowserApp,
} from './browser-app.ts';
import {
  clientOf,
  connectPage,
  logIn,
  openConnected,
  postFrom,
  publicationOn,
  until,
} from './browser-page.ts';
import { serveAgain } from './browser-serve.ts';
import { connect, type Refusal } from './realtime-app.ts';

/**
 * The realtime gateway as a browser meets it (issue 15): real Chromium, a page on the app's own origin whose
 * script opens `new WebSocket(…, ['lift.v1'])` with nothing but the session cookie the browser stored at login,
 * and a real server — in this process on a real port, or `lift serve` for the restart. What the page saw is read
 * from `window.rt`; a refusal's problem body, which a browser never exposes to the page, is read with `ws`.
 */
vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

const executablePath = chromiumPath();
const APP = ['--app', 'packages/server/test/fixtures/realtime-browser-app.ts'];
const DAY = 86_400_000;
/** How Chromium reports a 401 answer to a WebSocket handshake (it offers no credentials to retry with). */
const HANDSHAKE_401 = 'HTTP Authentication failed; no valid credentials available';

describe.skipIf(!executablePath)('realtime in a real browser', () => {
  let lift: BrowserApp;
  let browser: Browser;
  /** The `lift serve` process of the restart scenario, started with the rest: it takes seconds to boot. */
  let served: LiftProcess | undefined;
  const contexts: BrowserContext[] = [];

  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext();
    contexts.push(context);
    return context;
  }

  /** A context whose user is signed up and logged in from its first tab, connected. */
  async function connectedUser(
    email: string,
  ): Promise<{ context: BrowserContext; userId: string; page: Page }> {
    await createUser(lift, email);
    const context = await newContext();
    const { userId, page } = await logIn(context, lift.url, email);
    return { context, userId, page: await connectPage(page, lift.url) };
  }

  /** The browser's cookies for the app, as a Cookie header. */
  async function cookieHeader(context: BrowserContext): Promise<string> {
    return (await context.cookies(lift.url)).map((c) => `${c.name}=${c.value}`).join('; ');
  }

  /** The refusal the test side gets for the same upgrade, with the browser's cookie (if any). */
  async function refusalFor(context: BrowserContext): Promise<Refusal> {
    const cookie = await cookieHeader(context);
    const headers: Record<string, string> = { origin: lift.origin, ...(cookie ? { cookie } : {}) };
    const outcome = await connect(lift.wsUrl, { headers }).then(
      (client) => {
        client.socket.close();
        throw new Error('the upgrade was admitted');
      },
      (error: unknown) => error as Refusal,
    );
    return outcome;
  }

  /** Collects what Chromium logs about the page's WebSocket (handshake failures land in the console). */
  function consoleOf(page: Page): string[] {
    const lines: string[] = [];
    page.on('console', (message) => lines.push(message.text()));
    return lines;
  }

  beforeAll(async () => {
    [lift, browser, served] = await Promise.all([
      startBrowserApp(),
      launchChromium(executablePath!),
      startLift(APP, { LIFT_DATA_DIR: tempDataDir() }),
    ]);
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([lift?.close(), served?.stop()]);
  });

  it('connects a logged-in page, which is told its user id and subscribes to its user channel', async () => {
    const { userId, page } = await connectedUser('ada@example.com');
    const client = await clientOf(page);
    expect(client.opens).toBe(1);
    expect(client.frames[0]).toMatchObject({ type: 'connected', protocol: 'lift.v1', user_id: userId });
    expect(client.frames[1]).toMatchObject({ type: 'reply', id: 1 });
    expect(client.subscribed).toBe(`user:${userId}`);
    expect(client.closes).toEqual([]);
  });

  it('refuses a page without a session cookie, and one with an invalid cookie: the socket never opens', async () => {
    const anonymous = await newContext();
    const invalid = await newContext();
    await invalid.addCookies([
      { name: lift.app.identity.cookie.name, value: 'not-a-session-id', url: lift.url },
    ]);
    for (const [context, reason] of [
      [anonymous, 'missing_credentials'],
      [invalid, 'session_invalid'],
    ] as const) {
      const page = await context.newPage();
      const logged = consoleOf(page);
      await page.goto(`${lift.url}/rt?reconnect=0`);
      await until(page, 'rt.closes.length === 1');
      const client = await clientOf(page);
      expect(client.opens).toBe(0);
      expect(client.frames).toEqual([]);
      expect(client.closes[0]?.code).toBe(1006);
      expect(logged.join('\n')).toContain(HANDSHAKE_401);
      const refused = await refusalFor(context);
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ code: 'LIFT_REALTIME_UNAUTHENTICATED', reason });
    }
  });

  it('closes the page’s socket with 4003 within a second of a logout over HTTP', async () => {
    const { context, page } = await connectedUser('grace@example.com');
    const sent = await page.evaluate<number>('performance.now()');
    expect((await postFrom(page, '/auth/logout')).status).toBe(204);
    await until(page, 'rt.closes.length === 1');
    const client = await clientOf(page);
    expect(client.closes[0]).toMatchObject({ code: 4003, reason: 'revoked' });
    expect(client.closes[0]!.at - sent).toBeLessThan(1_000);
    // 4003 means "log in again": the logout also took the cookie, so a new connection has no credential.
    expect((await refusalFor(context)).body).toMatchObject({ reason: 'missing_credentials' });
  });

  it('keeps the socket open over several heartbeats: Chromium answers every ping', async () => {
    const { context, page } = await connectedUser('hopper@example.com');
    // The control: a client that does not answer pings is cut by the second sweep, so pings really run.
    const silent = new WebSocket(lift.wsUrl, ['lift.v1'], {
      headers: { cookie: await cookieHeader(context), origin: lift.origin },
      autoPong: false,
    });
    const silentOpenedAt = await new Promise<number>((resolve) =>
      silent.once('open', () => resolve(Date.now())),
    );
    const silentClosed = new Promise<{ code: number; after: number }>((resolve) =>
      silent.once('close', (code) => resolve({ code, after: Date.now() - silentOpenedAt })),
    );

    await page.waitForTimeout(6 * PING_INTERVAL_MS);
    const cut = await silentClosed;
    expect(cut.code).toBe(1006);
    // Two sweeps, give or take a loaded machine's timer delays (the default interval is 25 s).
    expect(cut.after).toBeLessThan(6 * PING_INTERVAL_MS);

    const client = await clientOf(page);
    expect(client.closes).toEqual([]);
    expect(client.opens).toBe(1);
    // Still served, not just not closed: a request gets its answer.
    await page.evaluate('rt.socket.send(JSON.stringify({ type: "ping", id: 99 }))');
    await until(page, 'rt.frames.some((f) => f.type === "pong" && f.id === 99)');
  });

  it('delivers a publication one tab triggers to both tabs of the user', async () => {
    const { context, userId, page: tabA } = await connectedUser('lovelace@example.com');
    const tabB = await openConnected(context, lift.url);
    const published = await postFrom(tabA, '/rt/publish', { data: { note: 'from tab A' } });
    expect(published.status).toBe(200);
    for (const tab of [tabA, tabB]) {
      expect(await publicationOn(tab, { note: 'from tab A' })).toMatchObject({
        channel: `user:${userId}`,
        offset: published.body.offset,
        epoch: published.body.epoch,
      });
    }
  });

  it('serves three tabs of one user at once, refuses a sixth connection, and lets it in when a tab closes', async () => {
    const { context, userId, page } = await connectedUser('noether@example.com');
    const tabs = [page, await openConnected(context, lift.url), await openConnected(context, lift.url)];
    await lift.app.module('realtime').publish(`user:${userId}`, { to: 'every tab' });
    for (const tab of tabs) await publicationOn(tab, { to: 'every tab' });

    // Two more connections of the same session fill realtime.maxConnectionsPerUser (5).
    const headers = { origin: lift.origin, cookie: await cookieHeader(context) };
    const others = [await connect(lift.wsUrl, { headers }), await connect(lift.wsUrl, { headers })];
    expect(await lift.app.module('realtime').count({ userId })).toBe(5);

    const sixth = await context.newPage();
    const logged = consoleOf(sixth);
    await sixth.goto(`${lift.url}/rt`);
    await until(sixth, 'rt.closes.length >= 1');
    expect((await clientOf(sixth)).opens).toBe(0);
    expect(logged.join('\n')).toContain('Unexpected response code: 429');
    const refused = await refusalFor(context);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      code: 'LIFT_REALTIME_CONNECTION_LIMIT',
      reason: 'user_connection_limit',
    });

    // Its backoff retries find the slot a closed tab gave back.
    await tabs[0]!.close();
    await until(sixth, 'rt.subscribed !== null');
    expect(await lift.app.module('realtime').count({ userId })).toBe(5);
    for (const other of others) other.socket.close();
  });

  it('closes the socket of an expired session with 4001, and refuses the page’s next attempt', async () => {
    const { context, page } = await connectedUser('turing@example.com');
    const { frames } = await clientOf(page);
    expect(frames[0]!.expires_in).toBe(DAY / 1000);
    // Past the idle timeout (sessions.idleTimeoutMs, a day) and realtime.expiryGraceMs: the next sweep closes.
    lift.clock.advance(DAY + 25_000);
    await until(page, 'rt.closes.length === 1');
    expect((await clientOf(page)).closes[0]).toMatchObject({ code: 4001, reason: 'credential expired' });

    const logged = consoleOf(page);
    await page.evaluate('rtOpen()');
    await until(page, 'rt.closes.length === 2');
    const client = await clientOf(page);
    expect(client.opens).toBe(1);
    expect(client.closes[1]!.code).toBe(1006);
    expect(logged.join('\n')).toContain(HANDSHAKE_401);
    expect((await refusalFor(context)).body).toMatchObject({
      code: 'LIFT_REALTIME_UNAUTHENTICATED',
      reason: 'session_invalid',
    });
  });

  it('reconnects the page by itself after lift serve restarts on its port, and delivers again', async () => {
    const first = served!;
    await createUserOverHttp(first.url, first.dataDir, 'hamilton@example.com');
    const context = await newContext();
    const { userId, page } = await logIn(context, first.url, 'hamilton@example.com');
    await connectPage(page, first.url);

    served = undefined;
    expect(await first.stop()).toBe(0);
    // The server said goodbye (1001) before it went; the page keeps trying with backoff.
    await until(page, 'rt.closes.length >= 1');
    expect((await clientOf(page)).closes[0]).toMatchObject({ code: 1001 });

    served = await serveAgain(first, APP);
    await until(page, 'rt.opens === 2 && rt.subscribed !== null', 10_000);
    const published = await postFrom(page, '/rt/publish', { data: { after: 'restart' } });
    expect(published.status).toBe(200);
    expect(await publicationOn(page, { after: 'restart' })).toMatchObject({ channel: `user:${userId}` });
    const client = await clientOf(page);
    expect(client.frames.filter((f) => f.type === 'connected')).toHaveLength(2);
    expect(client.closes.every((close) => [1001, 1006].includes(close.code))).toBe(true);
  });
});
