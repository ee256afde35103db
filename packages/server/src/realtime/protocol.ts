/**
 * The `lift.v1` protocol: JSON text frames (docs/realtime-protocol.md is the reference; a test keeps the two in
 * step). Client messages carry an `id` the server's reply repeats; server pushes carry none.
 */

export const PROTOCOL = 'lift.v1';

/** Close codes. 4000–4099: the client may reconnect (after fixing what the code says); 4100+: it should not. */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  tooBig: 1009,
  internal: 1011,
  /** The server is overloaded or the client reads too slowly: reconnect with backoff. */
  tryAgainLater: 1013,
  /** The credential expired and was not refreshed in time: get a new one (ticket or token), then reconnect. */
  credentialExpired: 4001,
  /** The session or token was revoked, or the user disabled or deleted: do not reconnect without a new login. */
  revoked: 4003,
  /** The client sent more messages than allowed: reconnect with backoff. */
  tooManyMessages: 4008,
  /** The client broke the protocol (not JSON, unknown type): a bug, do not reconnect blindly. */
  badMessage: 4100,
  /** The server ended the connection on purpose (`disconnect()`): do not reconnect on your own. */
  disconnected: 4102,
} as const;

export type ClientMessage =
  | { type: 'subscribe'; id: number; channel: string; since?: { offset: number; epoch: string } }
  | { type: 'unsubscribe'; id: number; channel: string }
  | { type: 'publish'; id: number; channel: string; data: unknown }
  | { type: 'presence'; id: number; channel: string }
  | { type: 'ping'; id: number }
  | { type: 'refresh'; id: number; token?: string; ticket?: string };

/** Why a client message was refused: the `code` of an `error` reply (the connection stays open). */
export type ReplyErrorCode =
  | 'bad_request'
  | 'bad_channel'
  | 'unknown_namespace'
  | 'forbidden'
  | 'already_subscribed'
  | 'not_subscribed'
  | 'refresh_failed'
  | 'unavailable';

export class ProtocolError extends Error {}

const CHANNEL = /^[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_.@=-]{1,128}){1,3}$/;

/** Parses one client frame; throws `ProtocolError` for anything that is not a well-formed `lift.v1` message. */
export function parseClientMessage(text: string): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError('not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ProtocolError('not an object');
  const message = value as Record<string, unknown>;
  const id = message.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0)
    throw new ProtocolError('id must be an integer ≥ 0');
  switch (message.type) {
    case 'ping':
      return { type: 'ping', id };
    case 'subscribe': {
      const channel = channelOf(message);
      const since = message.since;
      if (since === undefined) return { type: 'subscribe', id, channel };
      const position = since as Record<string, unknown> | null;
      if (
        typeof position !== 'object' ||
        position === null ||
        typeof position.offset !== 'number' ||
        !Number.isSafeInteger(position.offset) ||
        position.offset < 0 ||
        typeof position.epoch !== 'string'
      ) {
        throw new ProtocolError('since must be { offset, epoch }');
      }
      return { type: 'subscribe', id, channel, since: { offset: position.offset, epoch: position.epoch } };
    }
    case 'unsubscribe':
      return { type: 'unsubscribe', id, channel: channelOf(message) };
    case 'presence':
      return { type: 'presence', id, channel: channelOf(message) };
    case 'publish':
      if (!('data' in message)) throw new ProtocolError('publish needs data');
      return { type: 'publish', id, channel: channelOf(message), data: message.data };
    case 'refresh': {
      const { token, ticket } = message;
      if (typeof token === 'string' && ticket === undefined) return { type: 'refresh', id, token };
      if (typeof ticket === 'string' && token === undefined) return { type: 'refresh', id, ticket };
      throw new ProtocolError('refresh needs one of token or ticket');
    }
    default:
      throw new ProtocolError('unknown message type');
  }
}

function channelOf(message: Record<string, unknown>): string {
  const channel = message.channel;
  if (typeof channel !== 'string') throw new ProtocolError('channel must be a string');
  return channel;
}

/** Whether `name` is a well-formed channel name: `namespace:rest`, at most four parts. */
export function isChannelName(name: string): boolean {
  return CHANNEL.test(name);
}
