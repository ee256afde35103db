import type { ClientRequestArgs } from 'node:http';
import { type ClientOptions, WebSocket } from 'ws';
import { type Clock, type ManualClock, systemClock } from '../../src/core/clock.ts';
import type { LiftConfigInput } from '../../src/core/config/schema.ts';
import { liftModules } from '../../src/index.ts';
import { type RealtimeModuleOptions, realtimeModule } from '../../src/realtime/index.ts';
import { type AuthApp, Browser, merge, startAuthApp, tokenFromMail } from '../support/auth-app.ts';

/**
 * Test support for the realtime gateway: an identity app with the realtime module, listening on a real port,
 * users signed up through the real flows, and `ws` clients that collect every frame.
 */

export const PASSWORD = 'violet kettle marching 1887';

export interface RealtimeApp extends AuthApp {
  url: string;
  wsUrl: string;
  origin: string;
}

export async function startRealtimeApp(
  config: LiftConfigInput = {},
  options: RealtimeModuleOptions = {},
  clock: Clock = systemClock,
): Promise<RealtimeApp> {
  const auth = await startAuthApp(
    // Tests connect many times from 127.0.0.1; the per-IP attempt limit has its own test.
    merge(
      { signup: { mode: 'open' }, realtime: { connectAttempts: { limit: 10_000 } } },
      config,
    ) as LiftConfigInput,
    clock as ManualClock,
    { modules: [...liftModules(), realtimeModule(options)] },
  );
  const address = await auth.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    ...auth,
    url: address.url,
    wsUrl: `${address.url.replace('http', 'ws')}/ws`,
    origin: address.url,
  };
}

let nextIp = 20;

/** `POST /auth/login` for tokens (from an address of its own, so the login throttle never decides a test). */
export async function tokensFor(
  lift: RealtimeApp,
  email: string,
): Promise<{ access_token: string; refresh_token: string; expires_in: number }> {
  nextIp += 1;
  const browser = new Browser(lift.app, { ip: `203.0.113.${nextIp % 250}` });
  const response = await browser.post('/auth/login', { email, password: PASSWORD, response: 'tokens' });
  if (response.status !== 200) throw new Error(`login: ${response.status} ${await response.text()}`);
  return (await response.json()) as { access_token: string; refresh_token: string; expires_in: number };
}

/** The `Cookie` and `Origin` headers of a same-origin page of this browser. */
export function pageHeaders(lift: RealtimeApp, browser: Browser): Record<string, string> {
  return { cookie: `${browser.cookieName}=${browser.cookie}`, origin: lift.origin };
}

/** The connection's user id, from its `connected` frame. */
export async function connectedUser(client: Client): Promise<string> {
  const hello = await client.next((frame) => frame.type === 'connected');
  return String(hello.user_id);
}

/** A user signed up, verified and logged in: a browser holding the session cookie. */
export async function signedInBrowser(lift: RealtimeApp, email: string, ip?: string): Promise<Browser> {
  nextIp += 1;
  const browser = new Browser(lift.app, { ip: ip ?? `198.51.100.${nextIp % 250}` });
  const signup = await browser.post('/auth/signup', { email, password: PASSWORD });
  if (signup.status !== 202) throw new Error(`signup: ${signup.status} ${await signup.text()}`);
  // The verification mail goes out after the answer.
  await lift.app.identity.idle();
  await new Promise((resolve) => setImmediate(resolve));
  const token = tokenFromMail(lift.mail, email, '/auth/email/verify');
  const verified = await browser.post('/auth/email/verify', { token });
  if (verified.status !== 200) throw new Error(`verify: ${verified.status} ${await verified.text()}`);
  return browser;
}

export interface Client {
  socket: WebSocket;
  frames: Array<Record<string, unknown>>;
  /** Resolves with the first frame (already received or to come) matching `test`. */
  next(
    test: (frame: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Sends a request and resolves with its reply or error frame. */
  request(message: Record<string, unknown>): Promise<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
}

let nextId = 1;

/** Every socket a test opened and has not seen closed, so `closeAllClients()` can end them. */
const connecting = new Set<WebSocket>();

export async function closeAllClients(): Promise<void> {
  const open = [...connecting];
  await Promise.all(
    open.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          socket.terminate();
        }),
    ),
  );
}

/** Opens a WebSocket; resolves once open, or rejects with the refusal's status and problem body. */
export function connect(
  url: string,
  options: ClientOptions & ClientRequestArgs & { protocols?: string[] } = {},
): Promise<Client> {
  const { protocols = ['lift.v1'], ...rest } = options;
  const socket = new WebSocket(url, protocols, rest);
  const frames: Array<Record<string, unknown>> = [];
  const waiters = new Set<{
    test: (frame: Record<string, unknown>) => boolean;
    resolve: (f: Record<string, unknown>) => void;
  }>();
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Record<string, unknown>;
    frames.push(frame);
    for (const waiter of [...waiters]) {
      if (waiter.test(frame)) {
        waiters.delete(waiter);
        waiter.resolve(frame);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const client: Client = {
    socket,
    frames,
    closed,
    next(test, timeoutMs = 5_000) {
      const seen = frames.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { test, resolve };
        waiters.add(waiter);
        setTimeout(() => {
          if (waiters.delete(waiter))
            reject(new Error(`no matching frame within ${timeoutMs} ms: ${JSON.stringify(frames)}`));
        }, timeoutMs).unref();
      });
    },
    request(message) {
      const id = nextId++;
      socket.send(JSON.stringify({ ...message, id }));
      return client.next((frame) => frame.id === id);
    },
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    connecting.add(socket);
    socket.once('close', () => connecting.delete(socket));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () => {
        const error = Object.assign(new Error(`refused: ${response.statusCode}`), {
          status: response.statusCode,
          body: body ? (JSON.parse(body) as Record<string, unknown>) : {},
        });
        reject(error);
      });
    });
    socket.once('error', reject);
  });
}

export type Refusal = Error & { status: number; body: Record<string, unknown> };
