import { rmSync } from 'node:fs';
import { expect } from 'vitest';
import { WebSocket } from 'ws';
import { HttpSession, waitForMailLink } from '../support/http-session.ts';
import { type LiftProcess, startLift, waitForOutput } from '../support/lift-process.ts';

/**
 * A real `lift serve` child process (the observed-app fixture) with its Prometheus scrape on a separate
 * listener, as Prometheus meets Lift in production, and the flows that make the authentication, session and
 * token series appear (its mail lands in the data directory, where the flows read the verification link).
 */

export const OBSERVED_APP = 'packages/server/test/fixtures/observed-app.ts';
export const PASSWORD = 'violet kettle marching 1887';

export interface ObservedLift {
  lift: LiftProcess;
  /** The scrape URL of the separate metrics listener. */
  metricsUrl: string;
  /** Stops the process and removes its data directory. */
  stop(): Promise<void>;
}

export async function startObservedLift(): Promise<ObservedLift> {
  const lift = await startLift(['--app', OBSERVED_APP], {
    LIFT_METRICS__PORT: '0',
    // The cheapest argon2id the config allows: the tests look at metrics, not at the hash cost.
    LIFT_PASSWORDS__MEMORY_COST: '8192',
    LIFT_PASSWORDS__TIME_COST: '1',
  });
  const [, metricsUrl] = await waitForOutput(
    lift,
    /"url":"(http:\/\/[^"]+)"[^\n]*metrics listener started/,
  ).catch(async (error: unknown) => {
    await lift.stop();
    throw error;
  });
  return {
    lift,
    metricsUrl: metricsUrl as string,
    async stop() {
      await lift.stop();
      rmSync(lift.dataDir, { recursive: true, force: true });
    },
  };
}

export async function scrape(metricsUrl: string): Promise<string> {
  const response = await fetch(metricsUrl);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return text;
}

async function expectStatus(response: Response, status: number): Promise<void> {
  expect(response.status, await response.clone().text()).toBe(status);
  await response.body?.cancel();
}

/**
 * Signs a user up and verifies the address, logs in with a cookie and for tokens, refreshes, replays the
 * rotated refresh token (reuse), and fails one login: every identity, session and token family gets series.
 */
export async function exerciseIdentity(lift: LiftProcess, email = 'ops@example.com'): Promise<void> {
  const browser = new HttpSession(lift.url);
  await expectStatus(await browser.post('/auth/signup', { email, password: PASSWORD }), 202);
  const link = await waitForMailLink(lift.dataDir, email, '/auth/email/verify');
  const token = new URL(link).searchParams.get('token');
  await expectStatus(await browser.post('/auth/email/verify', { token }), 200);
  await expectStatus(await new HttpSession(lift.url).post('/auth/login', { email, password: PASSWORD }), 200);
  await expectStatus(
    await new HttpSession(lift.url).post('/auth/login', { email, password: `${PASSWORD} wrong` }),
    401,
  );
  const first = await new HttpSession(lift.url).post('/auth/login', {
    email,
    password: PASSWORD,
    response: 'tokens',
  });
  expect(first.status).toBe(200);
  const pair = (await first.json()) as { access_token: string; refresh_token: string };
  const me = await fetch(`${lift.url}/auth/sessions`, {
    headers: { authorization: `Bearer ${pair.access_token}` },
  });
  await me.body?.cancel();
  await refreshWith(lift, pair.refresh_token, 200);
  await refreshWith(lift, pair.refresh_token, 401);
}

/**
 * Realtime series for the dashboard: a refused upgrade, an accepted one with a token that pings, subscribes
 * with a position (a recovery) and then breaks the protocol (a server-side close).
 */
export async function exerciseRealtime(lift: LiftProcess, email = 'ops@example.com'): Promise<void> {
  const wsUrl = `${lift.url.replace('http', 'ws')}/ws`;
  const refused = new WebSocket(wsUrl, ['lift.v1']);
  await new Promise<void>((resolve) => refused.once('error', () => resolve()));
  const login = await new HttpSession(lift.url).post('/auth/login', {
    email,
    password: PASSWORD,
    response: 'tokens',
  });
  const { access_token } = (await login.json()) as { access_token: string };
  const socket = new WebSocket(wsUrl, ['lift.v1', `lift.bearer.${access_token}`]);
  const frames: Array<Record<string, unknown>> = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const until = async (test: () => boolean) => {
    for (let i = 0; i < 250 && !test(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  await until(() => frames.some((frame) => frame.type === 'connected'));
  const userId = String(frames.find((frame) => frame.type === 'connected')?.user_id);
  socket.send(JSON.stringify({ type: 'ping', id: 1 }));
  socket.send(
    JSON.stringify({ type: 'subscribe', id: 2, channel: `user:${userId}`, since: { offset: 0, epoch: 'x' } }),
  );
  await until(() => frames.some((frame) => frame.id === 2));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.send('not json');
  await closed;
}

/** `POST /auth/token` with `grant_type=refresh_token`, expecting `status`. */
export async function refreshWith(lift: LiftProcess, refreshToken: string, status: number): Promise<void> {
  await expectStatus(
    await new HttpSession(lift.url).post('/auth/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    }),
    status,
  );
}
