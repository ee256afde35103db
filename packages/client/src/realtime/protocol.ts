/**
 * The `lift.v1` protocol as the client sees it: JSON text frames, the close codes and what each asks of the
 * client. The server's `packages/server/src/realtime/protocol.ts` and docs/realtime-protocol.md are the
 * reference; this is the client's copy, so the client depends on nothing of the server.
 */

export const PROTOCOL = 'lift.v1';

/** A bearer token travels as a second subprotocol entry: browsers cannot set headers on a WebSocket. */
export const BEARER_PROTOCOL_PREFIX = 'lift.bearer.';

/** Close codes the client acts on. */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  /** No close frame: the socket dropped, the upgrade was refused, or the client gave up on a silent peer. */
  abnormal: 1006,
  tryAgainLater: 1013,
  credentialExpired: 4001,
  revoked: 4003,
  tooManyMessages: 4008,
  badMessage: 4100,
  disconnected: 4102,
} as const;

/** What a close code asks the client to do. */
export type CloseOutcome =
  /** Reconnect after a short jittered delay. */
  | 'reconnect'
  /** Reconnect, but keep growing the backoff: the server asked the client to slow down. */
  | 'back-off'
  /** The login is over: closed for good, `revoked` event. */
  | 'revoked'
  /** The server does not want this client back on its own (4100+): closed for good, `error` event. */
  | 'stop';

export function closeOutcome(code: number): CloseOutcome {
  if (code === CLOSE.revoked) return 'revoked';
  if (code >= 4100 && code <= 4999) return 'stop';
  if (code === CLOSE.tryAgainLater || code === CLOSE.tooManyMessages) return 'back-off';
  return 'reconnect';
}

/** A position in a channel's stream; `epoch` changes when the server lost the stream. */
export interface StreamPosition {
  offset: number;
  epoch: string;
}

/** Requests the client sends; the `id` is added when one is sent. */
export type ClientRequest =
  | { type: 'subscribe'; channel: string; since?: StreamPosition }
  | { type: 'unsubscribe'; channel: string }
  | { type: 'publish'; channel: string; data: unknown }
  | { type: 'presence'; channel: string }
  | { type: 'ping' }
  | { type: 'refresh'; token: string }
  | { type: 'refresh'; ticket: string };

export type ServerMessage =
  | {
      type: 'connected';
      connection_id: string;
      user_id: string;
      expires_in?: number;
      ping_interval: number;
    }
  | { type: 'reply'; id: number; body: Readonly<Record<string, unknown>> }
  | { type: 'error'; id: number; code: string; message: string }
  | { type: 'pong'; id: number }
  | { type: 'publication'; channel: string; offset: number; epoch: string; data: unknown }
  | { type: 'join' | 'leave'; channel: string; user_id: string }
  | { type: 'expiring'; expires_in: number };

/** One server frame, or undefined when it is not a `lift.v1` message this client knows. */
export function parseServerMessage(text: unknown): ServerMessage | undefined {
  if (typeof text !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const m = value as Record<string, unknown>;
  const isString = (key: string) => typeof m[key] === 'string';
  const isNumber = (key: string) => typeof m[key] === 'number';
  switch (m.type) {
    case 'connected':
      if (!isString('connection_id') || !isString('user_id')) return undefined;
      return {
        type: 'connected',
        connection_id: m.connection_id as string,
        user_id: m.user_id as string,
        ...(isNumber('expires_in') ? { expires_in: m.expires_in as number } : {}),
        ping_interval: isNumber('ping_interval') ? (m.ping_interval as number) : 0,
      };
    case 'reply':
      return isNumber('id') ? { type: 'reply', id: m.id as number, body: m } : undefined;
    case 'error':
      if (!isNumber('id')) return undefined;
      return {
        type: 'error',
        id: m.id as number,
        code: isString('code') ? (m.code as string) : 'unavailable',
        message: isString('message') ? (m.message as string) : 'The server refused the request.',
      };
    case 'pong':
      return isNumber('id') ? { type: 'pong', id: m.id as number } : undefined;
    case 'publication':
      if (!isString('channel') || !isNumber('offset') || !isString('epoch')) return undefined;
      return {
        type: 'publication',
        channel: m.channel as string,
        offset: m.offset as number,
        epoch: m.epoch as string,
        data: m.data,
      };
    case 'join':
    case 'leave':
      if (!isString('channel') || !isString('user_id')) return undefined;
      return { type: m.type, channel: m.channel as string, user_id: m.user_id as string };
    case 'expiring':
      return isNumber('expires_in') ? { type: 'expiring', expires_in: m.expires_in as number } : undefined;
    default:
      return undefined;
  }
}
