import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type RealtimeApp,
  signedInBrowser,
  startRealtimeApp,
} from '../../server/test/realtime/realtime-app.ts';
import {
  createLiftClient,
  createRealtimeClient,
  type Publication,
  type RealtimeClient,
  type RealtimeClientOptions,
  RealtimeError,
} from '../src/index.ts';
import {
  ManualTimers,
  nextEvent,
  reach,
  recordEvents,
  recordingWebSocket,
} from './support/realtime-harness.ts';

/**
 * The realtime client against a real Lift server (this branch's source, started in-process on a loopback
 * port) with the `ws` package as its WebSocket: token and ticket connections, publications, recovery after a
 * drop, the reconnect backoff, the offline queue, presence, heartbeats, in-band refresh and the server's
 * closes that end the client (4102, 4003).
 */

const PASSWORD = 'violet kettle marching 1887';
/** The server's access-token lifetime here (its minimum), so an in-band refresh falls due within the test. */
const TOKEN_TTL_MS = 10_000;
const MAX_RECOVER = 5;

let lift: RealtimeApp;
const clients: RealtimeClient[] = [];
let users = 0;

beforeAll(async () => {
  lift = await startRealtimeApp(
    {
      tokens: { accessTokenTtlMs: TOKEN_TTL_MS },
      auth: { throttle: { login: 1000 } },
      realtime: { connectAttempts: { limit: 1000 }, history: { maxRecover: MAX_RECOVER } },
    },
    {
      namespaces: {
        room: {
          subscribe: 'authenticated',
          publish: 'authenticated',
          presence: 'authenticated',
          joinLeave: true,
        },
      },
    },
  );
});
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});
afterAll(async () => {
  await lift.close();
});

/** A new verified user, logged in for tokens with `@lift/client`. */
async function tokenUser(): Promise<{
  email: string;
  getToken: () => Promise<string>;
  logout(): Promise<void>;
}> {
  users += 1;
  const email = `rt${users}@example.com`;
  await signedInBrowser(lift, email, `203.0.113.${users}`);
  const http = createLiftClient({ baseUrl: lift.url });
  await http.login({ email, password: PASSWORD });
  return { email, getToken: async () => http.tokens!.accessToken, logout: () => http.logout() };
}

function realtime(options: Omit<RealtimeClientOptions, 'url'>): RealtimeClient {
  const client = createRealtimeClient({
    url: lift.wsUrl,
    WebSocket: recordingWebSocket().WebSocket,
    ...options,
  });
  clients.push(client);
  return client;
}

/** A subscription callback that keeps the data of every publication it gets. */
function collector(): { data: unknown[]; onPublication(publication: Publication): void } {
  const data: unknown[] = [];
  return { data, onPublication: (publication) => data.push(publication.data) };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('connecting', () => {
  it('connects with a bearer token and receives a publication of the server on its user channel', async () => {
    const user = await tokenUser();
    const client = realtime({ credential: { kind: 'token', getToken: user.getToken } });
    await reach(client, 'connected');
    expect(client.connectionId).toMatch(/^[0-9a-f-]{36}$/);
    const channel = `user:${client.userId}`;
    const received = collector();
    const subscription = client.subscribe(channel, received.onPublication);
    await subscription.ready;
    const event = nextEvent(client, 'publication');
    await lift.app.module('realtime').publish(channel, { hello: 'ada' });
    expect(await event).toMatchObject({ channel, offset: 1, data: { hello: 'ada' } });
    expect(received.data).toEqual([{ hello: 'ada' }]);
    expect(subscription.position).toMatchObject({ offset: 1 });
  });

  it('connects with a one-time ticket from POST /auth/ws-ticket, a new one for every connection', async () => {
    users += 1;
    const browser = await signedInBrowser(lift, `ticket${users}@example.com`, `203.0.113.${100 + users}`);
    const tickets: string[] = [];
    const getTicket = async () => {
      const response = await browser.post('/auth/ws-ticket', {}, { origin: 'http://lift.test' });
      expect(response.status).toBe(200);
      const { ticket } = (await response.json()) as { ticket: string };
      tickets.push(ticket);
      return ticket;
    };
    const sockets = recordingWebSocket(lift.origin);
    const client = realtime({ credential: { kind: 'ticket', getTicket }, WebSocket: sockets.WebSocket });
    await reach(client, 'connected');
    sockets.sockets[0]!.terminate();
    await nextEvent(client, 'state', (change) => change.state === 'connected');
    expect(tickets).toHaveLength(2);
    expect(new Set(tickets).size).toBe(2);
    expect(sockets.sockets[1]!.url).toContain(`ticket=${tickets[1]}`);
  });

  it('refuses an options object without a usable url, credential or WebSocket at once', () => {
    const credential = { kind: 'cookie' } as const;
    expect(() => createRealtimeClient({ url: 'http://x/ws', credential })).toThrow(/ws:\/\/ or wss:\/\//);
    expect(() => createRealtimeClient({ url: 'ws://x/ws', credential })).toThrow(/No global WebSocket/);
  });
});

describe('after the connection drops', () => {
  it('resubscribes from its last position and receives exactly the publications made while away', async () => {
    const user = await tokenUser();
    const timers = new ManualTimers();
    const sockets = recordingWebSocket();
    const client = realtime({
      credential: { kind: 'token', getToken: user.getToken },
      WebSocket: sockets.WebSocket,
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
      random: () => 0.5,
    });
    await reach(client, 'connected');
    const channel = `user:${client.userId}`;
    const received = collector();
    const events = recordEvents(client);
    await client.subscribe(channel, received.onPublication).ready;
    const realtimeModule = lift.app.module('realtime');
    await realtimeModule.publish(channel, 1);
    await until(() => received.data.length === 1, 'the first publication');

    sockets.sockets[0]!.terminate();
    const dropped = await nextEvent(client, 'state', (change) => change.state === 'reconnecting');
    expect(dropped).toMatchObject({ previous: 'connected', closeCode: 1006, delayMs: 250 });
    await realtimeModule.publish(channel, 2);
    await realtimeModule.publish(channel, 3);
    timers.advance(250);
    await reach(client, 'connected');
    await until(() => received.data.length === 3, 'the missed publications');
    await realtimeModule.publish(channel, 4);
    await until(() => received.data.length === 4, 'a live publication');

    expect(received.data).toEqual([1, 2, 3, 4]);
    expect(events.filter(([name]) => name === 'gap')).toEqual([]);
    expect(sockets.sockets).toHaveLength(2);
  });

  it('says gap when more was published while away than the server replays, and goes on from the present', async () => {
    const user = await tokenUser();
    const timers = new ManualTimers();
    const sockets = recordingWebSocket();
    const client = realtime({
      credential: { kind: 'token', getToken: user.getToken },
      WebSocket: sockets.WebSocket,
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
      random: () => 0,
    });
    await reach(client, 'connected');
    const channel = `user:${client.userId}`;
    const received = collector();
    await client.subscribe(channel, received.onPublication).ready;
    sockets.sockets[0]!.terminate();
    await reach(client, 'reconnecting');
    for (let i = 1; i <= MAX_RECOVER + 1; i += 1) await lift.app.module('realtime').publish(channel, i);
    const gap = nextEvent(client, 'gap');
    timers.advance(0);
    expect(await gap).toMatchObject({ channel, position: { offset: MAX_RECOVER + 1 } });
    await lift.app.module('realtime').publish(channel, 'next');
    await until(() => received.data.length === 1, 'the publication after the gap');
    expect(received.data).toEqual(['next']);
  });

  it('waits a full-jitter delay before each attempt, doubling up to maxDelayMs', async () => {
    const timers = new ManualTimers();
    const randoms = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.999, 0];
    const client = realtime({
      credential: { kind: 'token', getToken: async () => 'not-a-token' },
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
      random: () => randoms.shift()!,
    });
    const delays: number[] = [];
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const change = await nextEvent(client, 'state', (c) => c.state === 'reconnecting');
      delays.push(change.delayMs!);
      expect(timers.pending).toEqual([change.delayMs]);
      timers.advance(change.delayMs!);
    }
    // min(30 000, 500 · 2^attempt), times random().
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 8000, 15_000, 15_000, 29_970, 0]);
  });
});

describe('what the server ends', () => {
  it('does not reconnect after disconnect() (4102): closed, with an error naming the code', async () => {
    const user = await tokenUser();
    const sockets = recordingWebSocket();
    const client = realtime({
      credential: { kind: 'token', getToken: user.getToken },
      WebSocket: sockets.WebSocket,
    });
    await reach(client, 'connected');
    const error = nextEvent(client, 'error');
    const closed = nextEvent(client, 'state', (change) => change.state === 'closed');
    await lift.app.module('realtime').disconnect({ connectionId: client.connectionId! });
    expect(await closed).toMatchObject({ closeCode: 4102 });
    expect(await error).toMatchObject({ code: 'disconnected', closeCode: 4102 });
    await expect(client.publish('room:a', 1)).rejects.toMatchObject({ code: 'closed' });
    expect(sockets.sockets).toHaveLength(1);
  });

  it('ends with state closed and a revoked event when the login is revoked (4003)', async () => {
    const user = await tokenUser();
    const sockets = recordingWebSocket();
    const client = realtime({
      credential: { kind: 'token', getToken: user.getToken },
      WebSocket: sockets.WebSocket,
    });
    await reach(client, 'connected');
    const subscription = client.subscribe('room:revoked', () => {});
    await subscription.ready;
    const revoked = nextEvent(client, 'revoked');
    await user.logout();
    expect(await revoked).toEqual({ reason: 'revoked' });
    expect(client.state).toBe('closed');
    await expect(client.publish('room:revoked', 1)).rejects.toMatchObject({ code: 'closed' });
    expect(sockets.sockets).toHaveLength(1);
  });
});

describe('requests', () => {
  it('queues publications while offline, at most maxQueued, and sends them in order once connected', async () => {
    const user = await tokenUser();
    const listener = realtime({ credential: { kind: 'token', getToken: user.getToken } });
    const received = collector();
    await listener.subscribe('room:queue', received.onPublication).ready;

    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const client = realtime({
      credential: { kind: 'token', getToken: () => gate.then(user.getToken) },
      maxQueued: 2,
    });
    const first = client.publish('room:queue', 'a');
    const second = client.publish('room:queue', 'b');
    await expect(client.publish('room:queue', 'c')).rejects.toMatchObject({ code: 'queue_full' });
    expect(client.queued).toBe(2);
    release();
    expect(await first).toMatchObject({ offset: 1 });
    expect(await second).toMatchObject({ offset: 2 });
    await until(() => received.data.length === 2, 'the queued publications');
    expect(received.data).toEqual(['a', 'b']);
  });

  it('answers presence and ping, and tells subscribers who joined', async () => {
    const user = await tokenUser();
    const first = realtime({ credential: { kind: 'token', getToken: user.getToken } });
    await first.subscribe('room:lobby', () => {}).ready;
    const joined = nextEvent(first, 'join');
    const second = realtime({ credential: { kind: 'token', getToken: user.getToken } });
    await second.subscribe('room:lobby', () => {}).ready;
    expect(await joined).toEqual({ channel: 'room:lobby', userId: first.userId });
    const members = await second.presence('room:lobby');
    expect(members).toEqual([{ userId: first.userId, connections: 2 }]);
    const latency = await first.ping();
    expect(latency).toBeGreaterThanOrEqual(0);
    expect(first.latencyMs).toBe(latency);
  });

  it('rejects a refused subscription with the server code and an error event, and ends it', async () => {
    const user = await tokenUser();
    const client = realtime({ credential: { kind: 'token', getToken: user.getToken } });
    await reach(client, 'connected');
    const error = nextEvent(client, 'error');
    const subscription = client.subscribe('user:somebody-else', () => {});
    await expect(subscription.ready).rejects.toBeInstanceOf(RealtimeError);
    expect(await error).toMatchObject({ code: 'forbidden', channel: 'user:somebody-else' });
    // The channel is free again.
    expect(() => client.subscribe('user:somebody-else', () => {})).not.toThrow();
    expect(() => client.subscribe('user:somebody-else', () => {})).toThrow(/Already subscribed/);
  });
});

describe('keeping the connection alive', () => {
  it('reconnects after three pings in a row go unanswered (a half-open socket)', async () => {
    const user = await tokenUser();
    const timers = new ManualTimers();
    const sockets = recordingWebSocket();
    const client = realtime({
      credential: { kind: 'token', getToken: user.getToken },
      WebSocket: sockets.WebSocket,
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
      clock: timers.clock,
      random: () => 0,
    });
    await reach(client, 'connected');
    // The socket still looks open, but nothing the client sends arrives.
    const socket = sockets.sockets[0]!;
    socket.send = (() => {}) as typeof socket.send;
    const reconnecting = nextEvent(client, 'state', (change) => change.state === 'reconnecting');
    timers.advance(30_000 + 5_000);
    timers.advance(25_000 + 5_000);
    expect(client.state).toBe('connected');
    timers.advance(25_000 + 5_000);
    expect(await reconnecting).toMatchObject({ closeCode: 1006, closeReason: 'no pong' });
    timers.advance(0);
    await reach(client, 'connected');
    expect(sockets.sockets).toHaveLength(2);
  });

  it('refreshes its token in-band before it expires, on the same connection', async () => {
    const user = await tokenUser();
    const timers = new ManualTimers();
    let calls = 0;
    const client = realtime({
      credential: {
        kind: 'token',
        getToken: async () => {
          calls += 1;
          return calls === 3 ? 'not-a-token' : user.getToken();
        },
      },
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
    });
    await reach(client, 'connected');
    const connectionId = client.connectionId;
    const errors = recordEvents(client).filter(([name]) => name === 'error');
    // Half the token's remaining life (under a minute), before the 30 s heartbeat.
    expect(timers.pending[0]).toBeGreaterThan(4_000);
    expect(timers.pending[0]).toBeLessThanOrEqual(TOKEN_TTL_MS / 2);
    timers.advance(TOKEN_TTL_MS / 2);
    await until(() => calls === 2 && timers.pending.length === 2, 'the refresh reply');
    expect(errors).toEqual([]);
    timers.advance(TOKEN_TTL_MS / 2);
    const refused = await nextEvent(client, 'error');
    expect(refused).toMatchObject({ code: 'refresh_failed' });
    expect(client.connectionId).toBe(connectionId);
    expect(client.state).toBe('connected');
  });

  it('close() ends the client for good: no reconnect, and publish rejects', async () => {
    const user = await tokenUser();
    const sockets = recordingWebSocket();
    const client = realtime({
      credential: { kind: 'token', getToken: user.getToken },
      WebSocket: sockets.WebSocket,
    });
    await reach(client, 'connected');
    client.close();
    expect(client.state).toBe('closed');
    await expect(client.publish('room:a', 1)).rejects.toMatchObject({ code: 'closed' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sockets.sockets).toHaveLength(1);
  });
});
