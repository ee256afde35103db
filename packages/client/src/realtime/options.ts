import { type Clock, systemClock } from '../clock.ts';
import { globalWebSocket, type RealtimeSocketConstructor } from './socket.ts';

/**
 * How the client proves who it is on every (re)connect. `getToken` and `getTicket` are called for each
 * connection attempt and for each in-band refresh, so they must return a fresh credential every time.
 */
export type RealtimeCredential =
  /** The browser sends the session cookie itself (same origin, or an allowed one). */
  | { kind: 'cookie' }
  /** A one-time ticket from `POST /auth/ws-ticket`, sent as `?ticket=`. */
  | { kind: 'ticket'; getTicket: () => Promise<string> }
  /** A Bearer access token, sent as the subprotocol entry `lift.bearer.<token>`. */
  | { kind: 'token'; getToken: () => Promise<string> };

export interface ReconnectOptions {
  /** The first reconnect waits up to this long (ms). Default 500. */
  initialDelayMs?: number;
  /** No reconnect waits longer (ms). Default 30 000. */
  maxDelayMs?: number;
}

export interface HeartbeatOptions {
  /** A `ping` this often while connected (ms). Default 30 000. */
  intervalMs?: number;
  /** A `pong` later than this counts as missed (ms). Default 5 000. */
  timeoutMs?: number;
  /** This many missed pongs in a row: the connection is dead (half-open), reconnect. Default 3. */
  misses?: number;
}

export interface RealtimeClientOptions {
  /** The server's WebSocket endpoint: `wss://api.example.com/ws`. */
  url: string;
  credential: RealtimeCredential;
  reconnect?: ReconnectOptions;
  heartbeat?: HeartbeatOptions;
  /** Publications kept while not connected; beyond, `publish` rejects with `queue_full`. Default 100. */
  maxQueued?: number;
  /** Time to get from creating the socket to the server's `connected` frame (ms). Default 10 000. */
  connectTimeoutMs?: number;
  /** The WebSocket class; default the global one. Node 20 has none: pass `ws`'s `WebSocket`. */
  WebSocket?: RealtimeSocketConstructor;
  /** A number in [0, 1) for the reconnect jitter. Default `Math.random`. */
  random?: () => number;
  /** Where latency is measured. Default `Date.now`. */
  clock?: Clock;
  /** Timers for reconnects, heartbeats and refreshes. Default the global ones. */
  setTimeout?(callback: () => void, ms: number): unknown;
  clearTimeout?(handle: unknown): void;
}

export interface RealtimeSettings {
  url: string;
  credential: RealtimeCredential;
  reconnect: Required<ReconnectOptions>;
  heartbeat: Required<HeartbeatOptions>;
  maxQueued: number;
  connectTimeoutMs: number;
  WebSocket: RealtimeSocketConstructor;
  random: () => number;
  clock: Clock;
  timers: { set(callback: () => void, ms: number): unknown; clear(handle: unknown): void };
}

/** Merges the defaults once; a missing or malformed required option throws here, not on first use. */
export function realtimeSettings(options: RealtimeClientOptions): RealtimeSettings {
  if (!/^wss?:\/\//.test(options.url)) {
    throw new TypeError(`The realtime url must start with ws:// or wss://, not "${options.url}".`);
  }
  const kind = (options.credential as { kind?: unknown } | undefined)?.kind;
  if (kind !== 'cookie' && kind !== 'ticket' && kind !== 'token') {
    throw new TypeError('credential must be { kind: "cookie" | "ticket" | "token", … }.');
  }
  const WebSocket = options.WebSocket ?? globalWebSocket();
  if (WebSocket === undefined) {
    throw new TypeError('No global WebSocket (Node 20): pass one, e.g. { WebSocket } from the ws package.');
  }
  const set =
    options.setTimeout ?? ((callback: () => void, ms: number) => globalThis.setTimeout(callback, ms));
  const clear =
    options.clearTimeout ??
    ((handle: unknown) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]));
  return {
    url: options.url,
    credential: options.credential,
    reconnect: { initialDelayMs: 500, maxDelayMs: 30_000, ...options.reconnect },
    heartbeat: { intervalMs: 30_000, timeoutMs: 5_000, misses: 3, ...options.heartbeat },
    maxQueued: options.maxQueued ?? 100,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    WebSocket,
    random: options.random ?? Math.random,
    clock: options.clock ?? systemClock,
    timers: {
      set: (callback, ms) => set(callback, ms),
      clear: (handle) => clear(handle),
    },
  };
}

/**
 * Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): a uniform delay in
 * [0, min(max, initial · 2^attempt)), so clients that dropped together do not come back together.
 */
export function reconnectDelay(
  attempt: number,
  reconnect: Required<ReconnectOptions>,
  random: () => number,
): number {
  const cap = Math.min(reconnect.maxDelayMs, reconnect.initialDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * cap);
}
