import { describe, expect, it } from 'vitest';
import { createRealtimeClient, type RealtimeClient, type RealtimeSocket } from '../src/index.ts';
import { ManualTimers, recordEvents } from './support/realtime-harness.ts';

/**
 * What the client does with each close code, against a scripted socket (the real server cannot be made to send
 * every code on demand): reconnect with a fresh credential, keep backing off, or end for good.
 */

/** Any of the socket's listeners; each is called with the event its type names. */
type Listener = (event: never) => void;

/** A socket the test drives: it opens when told, says `connected`, and closes with the code the test names. */
class ScriptedSocket implements RealtimeSocket {
  static made: ScriptedSocket[] = [];
  readyState = 0;
  readonly sent: Array<Record<string, unknown>> = [];
  readonly #listeners = new Map<string, Listener[]>();

  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    ScriptedSocket.made.push(this);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(): void {}

  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(
    type: 'close',
    listener: (event: { readonly code: number; readonly reason: string }) => void,
  ): void;
  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  accept(): void {
    this.readyState = 1;
    this.#emit('open');
    const connected = { type: 'connected', connection_id: 'c1', user_id: 'u1', ping_interval: 25 };
    this.#emit('message', { data: JSON.stringify(connected) });
  }

  closeWith(code: number, reason = ''): void {
    this.readyState = 3;
    this.#emit('close', { code, reason });
  }

  #emit(type: string, event?: unknown): void {
    for (const listener of this.#listeners.get(type) ?? []) (listener as (event: unknown) => void)(event);
  }
}

async function connectedClient(): Promise<{
  client: RealtimeClient;
  timers: ManualTimers;
  tokens: () => number;
}> {
  ScriptedSocket.made = [];
  const timers = new ManualTimers();
  let tokens = 0;
  const client = createRealtimeClient({
    url: 'wss://api.example.com/ws',
    credential: {
      kind: 'token',
      getToken: async () => {
        tokens += 1;
        return `token-${tokens}`;
      },
    },
    WebSocket: ScriptedSocket,
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    random: () => 0.5,
  });
  await new Promise((resolve) => setImmediate(resolve));
  ScriptedSocket.made[0]!.accept();
  return { client, timers, tokens: () => tokens };
}

describe('close codes', () => {
  it.each([1000, 1001, 1006, 1011, 4001])('reconnects after %i with a fresh credential', async (code) => {
    const { client, timers, tokens } = await connectedClient();
    ScriptedSocket.made[0]!.closeWith(code);
    expect(client.state).toBe('reconnecting');
    timers.advance(250);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ScriptedSocket.made).toHaveLength(2);
    expect(ScriptedSocket.made[1]!.protocols).toEqual(['lift.v1', 'lift.bearer.token-2']);
    expect(tokens()).toBe(2);
    client.close();
  });

  it.each([1013, 4008])(
    'keeps growing the backoff after %i (the server asked it to slow down)',
    async (code) => {
      const { client, timers } = await connectedClient();
      const events = recordEvents(client);
      ScriptedSocket.made[0]!.closeWith(code);
      timers.advance(250);
      await new Promise((resolve) => setImmediate(resolve));
      ScriptedSocket.made[1]!.accept();
      ScriptedSocket.made[1]!.closeWith(code);
      const delays = events.flatMap(([name, event]) =>
        name === 'state' && (event as { state: string }).state === 'reconnecting'
          ? [(event as { delayMs: number }).delayMs]
          : [],
      );
      expect(delays).toEqual([250, 500]);
      client.close();
    },
  );

  it('starts the backoff again after a connection that worked ended normally', async () => {
    const { client, timers } = await connectedClient();
    const events = recordEvents(client);
    ScriptedSocket.made[0]!.closeWith(1006);
    timers.advance(250);
    await new Promise((resolve) => setImmediate(resolve));
    ScriptedSocket.made[1]!.accept();
    ScriptedSocket.made[1]!.closeWith(1001);
    const delays = events.flatMap(([name, event]) =>
      name === 'state' && (event as { state: string }).state === 'reconnecting'
        ? [(event as { delayMs: number }).delayMs]
        : [],
    );
    expect(delays).toEqual([250, 250]);
    client.close();
  });

  it.each([4100, 4102])('ends for good after %i, with an error event', async (code) => {
    const { client, timers } = await connectedClient();
    const events = recordEvents(client);
    ScriptedSocket.made[0]!.closeWith(code, 'bye');
    expect(client.state).toBe('closed');
    expect(timers.pending).toEqual([]);
    expect(events.map(([name]) => name)).toEqual(['state', 'error']);
    expect(events[1]![1]).toMatchObject({ code: 'disconnected', closeCode: code });
  });

  it('ends for good after 4003 with a revoked event, the state already closed', async () => {
    const { client, timers } = await connectedClient();
    const events = recordEvents(client);
    let stateInListener = '';
    client.on('revoked', () => {
      stateInListener = client.state;
    });
    ScriptedSocket.made[0]!.closeWith(4003, 'revoked');
    expect(events).toEqual([
      ['state', { state: 'closed', previous: 'connected', closeCode: 4003, closeReason: 'revoked' }],
      ['revoked', { reason: 'revoked' }],
    ]);
    expect(stateInListener).toBe('closed');
    expect(timers.pending).toEqual([]);
  });

  it('gives up on a socket that never says connected, after connectTimeoutMs', async () => {
    ScriptedSocket.made = [];
    const timers = new ManualTimers();
    const client = createRealtimeClient({
      url: 'wss://api.example.com/ws',
      credential: { kind: 'cookie' },
      WebSocket: ScriptedSocket,
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
      random: () => 0,
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(ScriptedSocket.made[0]!.protocols).toEqual(['lift.v1']);
    timers.advance(10_000);
    expect(client.state).toBe('reconnecting');
    timers.advance(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ScriptedSocket.made).toHaveLength(2);
    client.close();
  });
});
